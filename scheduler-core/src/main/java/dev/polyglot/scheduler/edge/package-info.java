/**
 * What both kinds of socket actor share at the edge of one instance. {@link dev.polyglot.scheduler.edge.Admission}
 * (connection caps per address and kind, the session cap, node-registration token buckets) and
 * {@link dev.polyglot.scheduler.edge.InboundBudget} (all partially received messages together) are shared by the HTTP
 * routes and every socket, lock-free. {@link dev.polyglot.scheduler.edge.SocketLink} is what one socket actor shares
 * with its connection's stream (the bounded outbound queue, the current inbound limit). The rest is owned by one socket
 * actor: end-to-end flow control towards the entities it feeds ({@link dev.polyglot.scheduler.edge.InboundFlow},
 * {@link dev.polyglot.scheduler.edge.InboundWindow}: the connection is read no further while an entity has a full
 * window it has not taken), the {@link dev.polyglot.scheduler.edge.ReplayBuffer} of audio kept until it is durable
 * (RELIABILITY.md P9), idle and error-reply bookkeeping, and the id formats ({@link dev.polyglot.scheduler.api.Ids}).
 *
 * <p>Promises: nothing a peer sends is held beyond these bounds, and bad input never reaches an entity.
 *
 * <p>Actor: {@link dev.polyglot.scheduler.edge.OpenSockets}, one per instance, local: it closes every socket when the
 * instance stops. Lost when it stops: nothing (it stops with the actor system, after coordinated shutdown closed the
 * sockets). The admission counts and the budget count only this instance's live connections and end with them.
 */
package dev.polyglot.scheduler.edge;
