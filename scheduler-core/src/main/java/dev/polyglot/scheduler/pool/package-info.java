/**
 * The directed language pools and the views placement reads. {@link dev.polyglot.scheduler.pool.PoolDirectory}, a
 * cluster singleton, hears {@link dev.polyglot.scheduler.pool.NodeView} changes from node entities (never raw
 * heartbeats), applies them to its {@link dev.polyglot.scheduler.pool.PoolView} and publishes versioned deltas
 * ({@link dev.polyglot.scheduler.pool.PoolUpdate}) through the {@code pool-updates} Topic, at most once per
 * {@code pools.publish-interval}. A {@code PoolView} is immutable and persistent: a change costs O(log n) and shares the
 * rest, never a copy of the fleet. {@link dev.polyglot.scheduler.pool.PoolMembership} says which pools a node's languages
 * make.
 *
 * <p>Promises: views carry {@code (epoch, version)} and an older one is never applied (RELIABILITY.md P5); a stale view
 * costs at most a refused reservation, never a lost job.
 *
 * <p>Lost when the directory stops, crashes or moves: the whole view. Its next incarnation (restarted in place by its
 * supervisor, or on the oldest remaining instance) starts a higher epoch; dispatchers go on placing from their old view,
 * rebased, and ask every connected node they knew to announce itself again, so the view is rebuilt from the nodes.
 */
package dev.polyglot.scheduler.pool;
