/**
 * Placement of attempts on nodes. {@link dev.polyglot.scheduler.dispatch.Dispatcher}, one per instance, holds the newest
 * PoolView (a full view or deltas from the PoolDirectory's Topic; an older epoch or version is ignored), its own grants
 * the view does not show yet, and a bounded FIFO queue of requests waiting for a free slot. It asks the chosen nodes'
 * entities to {@code Reserve}, each with a timeout, and never changes node state itself. The pure
 * {@link dev.polyglot.scheduler.dispatch.Selection} (turn node, affinity, power of two choices over a bounded random
 * sample) and {@link dev.polyglot.scheduler.dispatch.OwnPlacements} decide which nodes to ask.
 *
 * <p>Promises: every {@code Place} is answered through sharding by session id with {@code Placed}, {@code NoEligible},
 * {@code QueueFull}, or {@code Queued} and later {@code Placed} (unless the session withdraws); a grant that arrives
 * after the dispatcher moved on is released at once.
 *
 * <p>Lost when the dispatcher stops or crashes (it is supervised and restarts in place; it never moves): the queue and
 * the placements in flight. Their sessions' pending timeouts fail those jobs with {@code JOB_TIMEOUT}, unused grants
 * expire with the nodes' reservation TTL, and the restarted dispatcher is not ready until the directory sent it a full
 * view.
 */
package dev.polyglot.scheduler.dispatch;
