/**
 * What both kinds of socket actor share at the edge of one instance. {@link dev.polyglot.scheduler.edge.Admission}
 * (connection caps per address and kind, the session cap, node-registration token buckets) and
 * {@link dev.polyglot.scheduler.edge.InboundBudget} (all partially received messages together) are shared by the HTTP
 * routes and every socket, lock-free. {@link dev.polyglot.scheduler.edge.SocketLink} is what one socket actor shares
 * with its connection's stream (the bounded outbound queue, the current inbound limit).
 *
 * <p>{@link dev.polyglot.scheduler.edge.SocketEdge} is the one socket edge each socket actor owns, whatever protocol it
 * speaks: the handshake deadline, the idle close, the rejection of bad frames ({@code error} replies rate-limited per
 * code by {@link dev.polyglot.scheduler.edge.ErrorReplies}, a stable log phrase, a counter), the outbound queue and its
 * {@code OUTBOUND_QUEUE_FULL} close, the close itself, and the flow-control glue. The rest is owned by one socket actor
 * too: end-to-end flow control towards the entities it feeds ({@link dev.polyglot.scheduler.edge.InboundFlow},
 * {@link dev.polyglot.scheduler.edge.InboundWindow}: the connection is read no further while an entity has a full
 * window it has not taken), what a socket keeps until its entity confirms it ({@link dev.polyglot.scheduler.edge.Unconfirmed},
 * the node's results) or says it is durable ({@link dev.polyglot.scheduler.edge.ReplayBuffer}, the client's audio,
 * RELIABILITY.md P9), and idle bookkeeping ({@link dev.polyglot.scheduler.edge.Inbound}). What is specific to one
 * protocol (registration, heartbeats, sessions, audio numbering, delivery) stays in its socket actor.
 *
 * <p>Promises: nothing a peer sends is held beyond these bounds, and bad input never reaches an entity.
 *
 * <p>Actor: {@link dev.polyglot.scheduler.edge.OpenSockets}, one per instance, local: it closes every socket when the
 * instance stops. Lost when it stops: nothing (it stops with the actor system, after coordinated shutdown closed the
 * sockets). The admission counts and the budget count only this instance's live connections and end with them; a
 * socket edge, its windows and what it keeps end with their socket actor.
 */
package dev.polyglot.scheduler.edge;
