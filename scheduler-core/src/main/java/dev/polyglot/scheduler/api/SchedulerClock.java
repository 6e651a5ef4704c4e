package dev.polyglot.scheduler.api;

/**
 * The scheduler's two clocks. {@link #monoMillis()} is monotonic and drives every duration decision;
 * {@link #wallMillis()} is epoch time and appears only where the wire carries it. Tests substitute a
 * manual clock and advance it together with Pekko's {@code ManualTime}.
 */
public interface SchedulerClock {
  long monoMillis();

  long wallMillis();

  SchedulerClock SYSTEM = new SchedulerClock() {
    private final long origin = System.nanoTime();

    @Override public long monoMillis() { return (System.nanoTime() - origin) / 1_000_000L; }

    @Override public long wallMillis() { return System.currentTimeMillis(); }
  };
}
