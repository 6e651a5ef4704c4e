/**
 * The HTTP edge of one instance, on Pekko HTTP. {@link dev.polyglot.scheduler.http.SchedulerServer} is the one listener
 * ({@code /ws/node}, {@code /ws/session}, {@code /health}, {@code /ready}, {@code /api/v1/cluster}, {@code /metrics}):
 * the request-header deadline ({@link dev.polyglot.scheduler.http.RequestHeaderDeadline}), the node credential and API
 * token, admission before the upgrade, and the coordinated-shutdown tasks that close every WebSocket before the shard
 * hand-off. {@link dev.polyglot.scheduler.http.WebSocketBridge} connects one WebSocket to one socket actor through a
 * {@code SocketLink}, with {@link dev.polyglot.scheduler.http.MessageAssembly} (the per-message cap and the instance's
 * inbound budget, checked as the parts arrive) and {@link dev.polyglot.scheduler.http.ReadGate} (no further read once
 * the actor closes). {@link dev.polyglot.scheduler.http.ClusterJson} renders lingua's cluster shape and
 * {@link dev.polyglot.scheduler.http.Main} starts an instance.
 *
 * <p>Promises: nothing here decides about nodes or sessions, and the observability endpoints answer from snapshots
 * refreshed on a timer, never by asking an actor per request. No actors of its own (the socket actors and
 * {@code OpenSockets} are in scheduler-core). Lost when the instance stops: its connections, closed with a normal close
 * frame in {@code service-requests-done} so that agents and clients reconnect to another instance.
 */
package dev.polyglot.scheduler.http;
