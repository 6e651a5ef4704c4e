package dev.polyglot.scheduler.testkit;

import dev.polyglot.scheduler.api.SchedulerClock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;

/** A scheduler clock moved by hand, together with Pekko's ManualTime so timers and clock readings agree. */
public final class ManualClock implements SchedulerClock {
  private final AtomicLong mono = new AtomicLong(1_000);
  private final long wallOrigin = 1_767_225_600_000L;
  private final ManualTime time;

  public ManualClock(ManualTime time) {
    this.time = time;
  }

  @Override public long monoMillis() { return mono.get(); }

  @Override public long wallMillis() { return wallOrigin + mono.get(); }

  public void advance(Duration d) {
    mono.addAndGet(d.toMillis());
    time.timePasses(d);
  }
}
