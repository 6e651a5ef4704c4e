/**
 * What operators see of an instance beyond its counters: the ids in the MDC of job log lines
 * ({@link dev.polyglot.scheduler.ops.JobMdc}) and the job lines and latency histograms of a session's jobs
 * ({@link dev.polyglot.scheduler.ops.JobObserver}); the live sessions opened through this instance's sockets
 * ({@link dev.polyglot.scheduler.ops.LiveSessions}) and which session owns a job
 * ({@link dev.polyglot.scheduler.ops.JobIndex}), both lock-free registries of the instance; the per-pool figures of a
 * pool view ({@link dev.polyglot.scheduler.ops.PoolStats}, pure); and the operators' snapshot every instance shares
 * ({@link dev.polyglot.scheduler.ops.OpsReports}, one actor per instance) that {@code /api/v1/stats},
 * {@code /api/v1/metrics}, the admin API and the dashboard read without asking anything per request.
 *
 * <p>Lost when the instance stops: its registries and its snapshot (the next round of every other instance drops
 * its report). Nothing here decides anything about nodes, sessions or jobs.
 */
package dev.polyglot.scheduler.ops;
