package dev.polyglot.scheduler.testkit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.polyglot.scheduler.config.SchedulerSettings;

/** Settings from reference.conf with test overrides. */
public final class TestSettings {
  private TestSettings() {}

  public static SchedulerSettings with(String overrides) {
    Config c = ConfigFactory.parseString(overrides).withFallback(ConfigFactory.defaultReference()).resolve();
    return SchedulerSettings.from(c);
  }
}
