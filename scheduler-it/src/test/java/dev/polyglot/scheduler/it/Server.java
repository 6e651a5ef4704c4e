package dev.polyglot.scheduler.it;

import dev.polyglot.scheduler.api.NodeSummary;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.polyglot.scheduler.bootstrap.SchedulerRuntime;
import dev.polyglot.scheduler.api.SchedulerClock;
import dev.polyglot.scheduler.config.SchedulerSettings;
import dev.polyglot.scheduler.http.SchedulerServer;
import dev.polyglot.scheduler.ops.Metrics;
import dev.polyglot.scheduler.node.NodeEntity;
import dev.polyglot.scheduler.pool.NodeView;
import dev.polyglot.scheduler.pool.PoolDirectory;
import dev.polyglot.scheduler.pool.PoolUpdate;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.ServerBinding;

/** One real scheduler instance in this JVM, bound to a free loopback port, for socket-level tests. */
final class Server implements AutoCloseable {
  final ActorSystem<Void> system;
  final SchedulerRuntime runtime;
  final int port;
  /** The listener: its memory budgets and the partial-message budget its connections share. */
  final SchedulerServer http;
  private final ServerBinding binding;

  private Server(String overrides) {
    Config config = ConfigFactory.parseString(overrides)
        .withFallback(ConfigFactory.parseString("""
            scheduler.http.host = "127.0.0.1"
            scheduler.http.port = 0
            pekko.remote.artery.canonical.port = 0
            pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
            pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
            pekko.loglevel = WARNING
            """))
        .withFallback(ConfigFactory.load());
    SchedulerSettings settings = SchedulerSettings.from(config);
    system = ActorSystem.create(Behaviors.empty(), "scheduler", config);
    runtime = SchedulerRuntime.start(system, settings, SchedulerClock.SYSTEM);
    http = new SchedulerServer(runtime);
    binding = http.bind("127.0.0.1", 0).toCompletableFuture().join();
    port = binding.localAddress().getPort();
    await("/ready answers 200", this::ready);
  }

  /** The scheduler's own readiness: cluster Up and the dispatcher holding a pool view. */
  boolean ready() {
    try {
      var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
          java.net.URI.create("http://127.0.0.1:" + port + "/ready")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200;
    } catch (Exception e) {
      return false;
    }
  }

  static Server start(String overrides) {
    return new Server(overrides);
  }

  /** Closes instances in the order given (the youngest first, so the oldest leaves last); nulls are skipped. */
  static void closeAll(Server... servers) {
    for (Server s : servers) {
      if (s != null) s.close();
    }
  }

  /**
   * Three instances in this JVM joined into one cluster (the first is the seed, so the oldest), each with the
   * common settings plus its cluster roles; returns them in start order once all three are Up members.
   */
  static Server[] cluster(String common, String rolesOne, String rolesTwo, String rolesThree) {
    // three ActorSystems share this test JVM (and its pauses): a member is downed only after ~13 s of silence, not
    // the ~5.5 s of reference.conf (these tests move entities by graceful leave; CrashRecoveryIT measures downing)
    String tuning = common + """
        pekko.cluster.failure-detector.acceptable-heartbeat-pause = 5s
        pekko.cluster.split-brain-resolver.stable-after = 7s
        pekko.cluster.gossip-interval = 200ms
        pekko.cluster.leader-actions-interval = 200ms
        """;
    Server one = start(tuning + "pekko.cluster.roles = [" + rolesOne + "]\n");
    String seed = "pekko.cluster.seed-nodes = [\"" + one.address() + "\"]\n";
    Server two = start(tuning + seed + "pekko.cluster.roles = [" + rolesTwo + "]\n");
    Server three = start(tuning + seed + "pekko.cluster.roles = [" + rolesThree + "]\n");
    await("three members up", () -> one.runtime.upMembers() == 3 && three.runtime.upMembers() == 3);
    return new Server[] {one, two, three};
  }

  static Server start() {
    return new Server("");
  }

  /** This instance's cluster address, for others to join as their seed. */
  String address() {
    return org.apache.pekko.cluster.typed.Cluster.get(system).selfMember().address().toString();
  }

  Metrics metrics() {
    return Metrics.get(system);
  }

  NodeSummary node(String nodeId) {
    return AskPattern.<NodeEntity.Command, NodeSummary>ask(runtime.entities().node(nodeId),
        NodeEntity.GetSummary::new, Duration.ofSeconds(5), system.scheduler()).toCompletableFuture().join();
  }

  /** The directory's current view of a node (what dispatchers place by). */
  Optional<NodeView> directoryView(String nodeId) {
    PoolUpdate full = AskPattern.<PoolDirectory.Command, PoolUpdate>ask(runtime.directory(),
        PoolDirectory.GetFull::new, Duration.ofSeconds(5), system.scheduler()).toCompletableFuture().join();
    return full.changed().stream().filter(v -> v.nodeId().equals(nodeId)).findFirst();
  }

  static void await(String what, BooleanSupplier condition) {
    await(what, condition, Duration.ofSeconds(10));
  }

  static void await(String what, BooleanSupplier condition, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  @Override
  public void close() {
    binding.unbind().toCompletableFuture().join();
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().join();
  }
}
