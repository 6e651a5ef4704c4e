/**
 * What operators read about one instance. {@link dev.polyglot.scheduler.ops.Metrics} is an ActorSystem extension of
 * lock-free counters named as their Prometheus series, which {@code /metrics} renders;
 * {@link dev.polyglot.scheduler.ops.MetricLabels} closes the label values that come from peers, so a peer cannot
 * create series at will; {@link dev.polyglot.scheduler.ops.LogThrottle} logs a repeated fault at most once per
 * interval per key while the counter still counts every occurrence. {@link dev.polyglot.scheduler.ops.InstanceReports}
 * builds the snapshot behind {@code /api/v1/cluster}: node entities push their {@code NodeSummary} to it, room entities
 * their member counts ({@code RoomRow}, after each change and when they stop), and it reads
 * the rest of its instance through its {@code Sources} port, wired by the bootstrap. Depends on {@code api} and
 * {@code config} only.
 *
 * <p>Actor: {@code InstanceReports}, one per instance, local. Lost when the instance stops: its counts (counters are
 * per instance by nature) and the {@code /api/v1/cluster} snapshot, which the next round (every
 * {@code stats.snapshot-interval}) rebuilds; the other instances drop this one's report once it leaves the membership.
 */
package dev.polyglot.scheduler.ops;
