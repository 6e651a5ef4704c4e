package dev.polyglot.scheduler.testkit;

import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;

/** Actor test kits for the entity and socket tests. */
public final class TestKits {
  private TestKits() {}

  /** A local (no cluster) test kit whose timers only move when the test moves {@link ManualTime}. */
  public static ActorTestKit manualTime() {
    return ActorTestKit.create(ManualTime.config().withFallback(ConfigFactory.parseString("pekko.actor.provider = local")));
  }
}
