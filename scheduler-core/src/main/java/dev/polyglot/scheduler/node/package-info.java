/**
 * One GPU node. {@link dev.polyglot.scheduler.node.NodeEntity}, sharded by node id, owns the node's registration, its
 * health state machine, capacity slots and reservations, the jobs it was given and its one connection; it is the only
 * authority on its capacity. Heartbeats end there: only a change of placement facts goes on to the PoolDirectory, as a
 * {@code NodeView}. The entity holds one pure {@link dev.polyglot.scheduler.node.NodeState} and orchestrates; its
 * decisions are pure values too: {@link dev.polyglot.scheduler.node.NodeNews} (what the directory, the reports and the
 * agent are told after a change), {@link dev.polyglot.scheduler.node.NodeWork} (where results, partials and acks go,
 * inherited results, what a dispatch comes to, which attempts are lost when the node goes Offline) and
 * {@link dev.polyglot.scheduler.node.Takeover} (an untrusted claim waiting for the id of a live connection). Its small
 * collaborators, used only on its thread: {@link dev.polyglot.scheduler.node.NodeLink} (the live socket under death
 * watch, its heartbeat timeout, the takeover timers), {@link dev.polyglot.scheduler.node.NodeJobs} (reservations and
 * their time to live, dispatch and cancel, job news to sessions) and {@link dev.polyglot.scheduler.node.NodeRecord}
 * (the registration in the ledger).
 * {@link dev.polyglot.scheduler.node.NodeSocket}, one per node WebSocket on the instance holding the connection, owns
 * what is node-specific: the registration checks before any state exists, heartbeats, the node's wire dialect
 * ({@link dev.polyglot.scheduler.node.NodeFrames} translates frames to and from api values), each {@code job_result}
 * until the entity confirms it, and {@code job_assign} with the cut flags of that dialect; frame handling, rejection,
 * deadlines and flow control are its {@code edge.SocketEdge}.
 *
 * <p>Promises: a reservation is granted only by the node's entity and never beyond its slots; a result goes to the
 * session recorded with its job (after a re-creation, to the session it names, which checks it), and one for a job the
 * node was never given is dropped and counted; a node that goes Offline hands its dispatched attempts back to their
 * sessions at once.
 *
 * <p>Lost when a NodeEntity stops, crashes or moves: its reservations and their timers, the jobs it gave the node, its
 * connection and any claim waiting for the id (the claimant's socket registers again with the next incarnation). Its
 * registration is in the ledger, so a new incarnation serves the next heartbeat (or the open socket registers again),
 * and the socket sends unconfirmed results again; a job whose result never comes fails over by its session's timers.
 * Lost when a NodeSocket stops: the connection; its entity hears {@code SocketClosed} and the node goes Offline. A
 * socket that died with its instance is not heard: the node goes Offline at {@code nodes.heartbeat-timeout}, unless
 * its agent reconnects first (a connection whose instance is unreachable is taken over at once).
 */
package dev.polyglot.scheduler.node;
