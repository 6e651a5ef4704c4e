/**
 * Counting and throttled logging of one instance. {@link dev.polyglot.scheduler.metrics.Metrics} is an ActorSystem
 * extension holding the instance's Prometheus Java client registry: lock-free counters named as their series, the
 * histograms of {@link dev.polyglot.scheduler.metrics.MetricCatalog} (which also gives every family its
 * {@code # HELP}) and recent latency windows ({@link dev.polyglot.scheduler.metrics.LatencyWindow}) for the JSON API's
 * percentiles; {@code /metrics} renders the registry. {@link dev.polyglot.scheduler.metrics.MetricLabels} closes the
 * label values that come from peers, so a peer cannot create series at will;
 * {@link dev.polyglot.scheduler.metrics.LogThrottle} logs a repeated fault at most once per interval per key while the
 * counter still counts every occurrence (every deliberate drop is logged with a stable phrase and counted).
 *
 * <p>No actors. Lost when the instance stops: its counts (counters are per instance by nature).
 */
package dev.polyglot.scheduler.metrics;
