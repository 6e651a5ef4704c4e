package dev.polyglot.scheduler.http;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.polyglot.scheduler.bootstrap.SchedulerRuntime;
import dev.polyglot.scheduler.api.SchedulerClock;
import dev.polyglot.scheduler.config.SchedulerSettings;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** Starts one scheduler instance: the actor system, the runtime and the HTTP listener. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    Config config = ConfigFactory.load();
    SchedulerSettings settings;
    try {
      settings = SchedulerSettings.from(config);
    } catch (IllegalArgumentException | com.typesafe.config.ConfigException e) {
      // a setting the scheduler refuses: say which and why, and start nothing
      System.err.println("scheduler: invalid configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "scheduler", config);
    SchedulerRuntime runtime = SchedulerRuntime.start(system, settings, SchedulerClock.SYSTEM);
    new SchedulerServer(runtime).bind(settings.http().host(), settings.http().port()).whenComplete((b, ex) -> {
      if (ex != null) {
        system.log().error("could not bind {}:{}: {}", settings.http().host(), settings.http().port(), ex.getMessage());
        system.terminate();
      } else {
        system.log().info("scheduler listening on {} (store {})", b.localAddress(), settings.store());
      }
    });
  }
}
