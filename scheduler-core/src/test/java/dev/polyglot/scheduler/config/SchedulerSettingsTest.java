package dev.polyglot.scheduler.config;

import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.testkit.TestSettings;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SchedulerSettingsTest {

  @Test
  void backpressureResumesAfter400MsByDefault() {
    assertEquals(Duration.ofMillis(400), TestSettings.with("").backpressure().resumeAfter());
  }

  @Test
  void acceptsAResumeTimeUpTo450Ms() {
    assertEquals(Duration.ofMillis(450), TestSettings.with("scheduler.backpressure.resume-after = 450ms")
        .backpressure().resumeAfter());
  }

  /** Regression: 2000 ms left the real web client BUSY with its send timer stopped for the rest of its connection. */
  @Test
  void refusesAResumeTimeLongerThanTheWebClientsTickWithAClearMessage() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TestSettings.with("scheduler.backpressure.resume-after = 2000ms"));
    assertTrue(e.getMessage().contains("scheduler.backpressure.resume-after = 2000 ms is refused"), e.getMessage());
    assertTrue(e.getMessage().contains("at most 450 ms"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> TestSettings.with("scheduler.backpressure.resume-after = 451ms"));
    assertThrows(IllegalArgumentException.class, () -> TestSettings.with("scheduler.backpressure.resume-after = 0ms"));
  }
}
