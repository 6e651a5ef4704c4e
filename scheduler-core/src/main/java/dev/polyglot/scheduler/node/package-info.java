/**
 * One GPU node. {@link dev.polyglot.scheduler.node.NodeEntity}, sharded by node id, owns the node's registration, its
 * health state machine, capacity slots and reservations, the jobs it was given and its one connection; it is the only
 * authority on its capacity, and its decisions are the pure {@link dev.polyglot.scheduler.node.NodeState}. Heartbeats end
 * there: only a change of placement facts goes on to the PoolDirectory, as a {@code NodeView}.
 * {@link dev.polyglot.scheduler.node.NodeSocket}, one per node WebSocket on the instance holding the connection, decodes
 * and validates frames, forwards them within a flow-control window, keeps each {@code job_result} until the entity
 * confirms it, and writes {@code job_assign} with the cut flags of the node's wire dialect.
 *
 * <p>Promises: a reservation is granted only by the node's entity and never beyond its slots; a result goes to the
 * session recorded with its job (after a re-creation, to the session it names, which checks it), and one for a job the
 * node was never given is dropped and counted; a node that goes Offline hands its dispatched attempts back to their
 * sessions at once.
 *
 * <p>Lost when a NodeEntity stops, crashes or moves: its reservations, the jobs it gave the node and its connection.
 * Its registration is in the ledger, so a new incarnation serves the next heartbeat (or the open socket registers
 * again), and the socket sends unconfirmed results again; a job whose result never comes fails over by its session's
 * timers. Lost when a NodeSocket stops: the connection; its entity hears {@code SocketClosed} and the node goes Offline.
 * A socket that died with its instance is not heard: the node goes Offline at {@code nodes.heartbeat-timeout}, unless
 * its agent reconnects first (a connection whose instance is unreachable is taken over at once).
 */
package dev.polyglot.scheduler.node;
