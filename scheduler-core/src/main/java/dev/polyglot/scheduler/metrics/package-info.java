/**
 * Counting and throttled logging of one instance. {@link dev.polyglot.scheduler.metrics.Metrics} is an ActorSystem
 * extension of lock-free counters named as their Prometheus series, which {@code /metrics} renders;
 * {@link dev.polyglot.scheduler.metrics.MetricLabels} closes the label values that come from peers, so a peer cannot
 * create series at will; {@link dev.polyglot.scheduler.metrics.LogThrottle} logs a repeated fault at most once per
 * interval per key while the counter still counts every occurrence (every deliberate drop is logged with a stable
 * phrase and counted).
 *
 * <p>No actors. Lost when the instance stops: its counts (counters are per instance by nature).
 */
package dev.polyglot.scheduler.metrics;
