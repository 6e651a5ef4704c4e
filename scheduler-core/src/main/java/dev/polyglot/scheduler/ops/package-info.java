/**
 * What operators read about one instance. {@link dev.polyglot.scheduler.ops.Metrics} is an ActorSystem extension
 * holding the instance's Prometheus Java client registry: lock-free counters named as their series, the histograms of
 * {@link dev.polyglot.scheduler.ops.MetricCatalog} (which also gives every family its {@code # HELP}) and recent
 * latency windows ({@link dev.polyglot.scheduler.ops.LatencyWindow}) for the JSON API's percentiles; {@code /metrics}
 * renders the registry. {@link dev.polyglot.scheduler.ops.MetricLabels} closes the label values that come from peers,
 * so a peer cannot create series at will; {@link dev.polyglot.scheduler.ops.LogThrottle} logs a repeated fault at most
 * once per interval per key while the counter still counts every occurrence.
 *
 * <p>The ids in the MDC of log lines ({@link dev.polyglot.scheduler.ops.JobMdc}) and the job lines and latency
 * histograms of a session's jobs ({@link dev.polyglot.scheduler.ops.JobObserver}, owned by one session); the live
 * sessions opened through this instance's sockets ({@link dev.polyglot.scheduler.ops.LiveSessions}) and which session
 * owns a job ({@link dev.polyglot.scheduler.ops.JobIndex}), both lock-free registries of the instance.
 *
 * <p>Two snapshots, each built by one actor per instance and shared with every instance through a Topic, which HTTP
 * requests read without asking anything: {@link dev.polyglot.scheduler.ops.InstanceReports} builds the one behind
 * {@code /api/v1/cluster} (node entities push their {@code NodeSummary} to it, room entities their member counts
 * ({@code RoomRow}, after each change and when they stop), and it reads the rest of its instance
 * through its {@code Sources} port, wired by the bootstrap); {@link dev.polyglot.scheduler.ops.OpsReports} the
 * operators' one behind {@code /api/v1/stats}, {@code /api/v1/metrics}, the admin API's lists and the dashboard (live
 * sessions and their languages, connections, drain, counters, recent latencies, and the pools as
 * {@link dev.polyglot.scheduler.ops.PoolRow}s, read through its own {@code Sources} port, wired by the HTTP edge).
 * Depends on {@code api} and {@code config} only; nothing here decides anything about nodes, sessions or jobs.
 *
 * <p>Actors: {@code InstanceReports} and {@code OpsReports}, one each per instance, local. Lost when the instance
 * stops: its counts (counters are per instance by nature), its registries, and its snapshots, which the next round
 * (every {@code stats.snapshot-interval}) rebuilds; the other instances drop this one's reports once it leaves the
 * membership.
 */
package dev.polyglot.scheduler.ops;
