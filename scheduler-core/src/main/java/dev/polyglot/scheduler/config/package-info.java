/**
 * The instance's settings and clocks, fixed at start. {@link dev.polyglot.scheduler.config.SchedulerSettings} reads the
 * {@code scheduler} block of {@code reference.conf} once, one record per subsystem (each takes only its own), and
 * refuses values the scheduler cannot run with, so a bad setting stops the start instead of misbehaving later.
 * {@link dev.polyglot.scheduler.api.SchedulerClock} is the monotonic clock every duration decision uses and the wall
 * clock only the wire carries (tests substitute a manual one next to Pekko's {@code ManualTime});
 * {@link dev.polyglot.scheduler.config.MemoryBudgets} derives what connections may hold from the max heap;
 * {@link dev.polyglot.scheduler.config.Secret} keeps a credential out of logs and compares it in constant time.
 *
 * <p>Immutable values, no actors: nothing here is lost when anything stops. It imports {@code edge} for the flow-control
 * window limits (a small cycle with {@code edge}, which reads the admission settings).
 */
package dev.polyglot.scheduler.config;
