package dev.polyglot.scheduler.bench;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import com.sun.management.GarbageCollectionNotificationInfo;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.polyglot.scheduler.bootstrap.SchedulerRuntime;
import dev.polyglot.scheduler.api.SchedulerClock;
import dev.polyglot.scheduler.config.SchedulerSettings;
import dev.polyglot.scheduler.http.SchedulerServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The system under test, on one loopback port: the real scheduler ({@code scheduler}), the bare Pekko HTTP relay
 * ({@code relay}, the floor) or the reproduction of the previous scheduler's core ({@code seed}). Each also answers
 * {@code GET /bench/stats} with its JVM's CPU time, heap and GC pauses (MXBeans), so that when it runs in its own
 * JVM (the default of {@code ./scheduler bench}) the figures are the target's alone.
 */
public final class TargetServer implements AutoCloseable {
  public static final String PORT_LINE = "BENCH-TARGET-PORT ";

  /**
   * Raised for thousands of sockets: Pekko HTTP's defaults are max-connections 1024 and backlog 100. Every rig socket
   * comes from loopback, so the scheduler's per-address caps and registration rates are off, and its instance caps too
   * (S2/S3 hold 10,000 node sockets); rig sessions send nothing while the fleet connects, so they may idle longer.
   */
  static final String HTTP_OVERRIDES = """
      scheduler.admission.max-sockets-per-address = 0
      scheduler.admission.max-node-sockets = 0
      scheduler.admission.max-session-sockets = 0
      scheduler.admission.max-sessions = 0
      scheduler.admission.registrations-per-address-burst = 0
      scheduler.admission.registrations-burst = 0
      scheduler.websocket.idle-timeout = 600s
      pekko.http.server.max-connections = 65536
      pekko.http.server.backlog = 4096
      pekko.http.server.idle-timeout = 600s
      pekko.http.server.websocket.periodic-keep-alive-max-idle = 30s
      pekko.loglevel = WARNING
      pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
      """;

  final String kind;
  final ActorSystem<Void> system;
  final int port;
  private final ServerBinding binding;
  private final RelayServer relay;

  private TargetServer(String kind, String overrides) {
    this.kind = kind;
    GcWatch.install();
    Config base = ConfigFactory.parseString(overrides).withFallback(ConfigFactory.parseString(HTTP_OVERRIDES));
    Route extra = path(PathMatchers.segment("bench").slash("stats"), () -> get(() -> parameterOptional("gc", gc ->
        complete(HttpResponse.create().withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON,
            withHandled(stats(gc.orElse("")))))))));
    if (kind.equals("scheduler")) {
      Config config = base.withFallback(ConfigFactory.parseString("""
              scheduler.http.host = "127.0.0.1"
              scheduler.http.port = 0
              pekko.remote.artery.canonical.port = 0
              pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
              """))
          .withFallback(ConfigFactory.load());
      SchedulerSettings settings = SchedulerSettings.from(config);
      system = ActorSystem.create(Behaviors.empty(), "scheduler", config);
      SchedulerRuntime runtime = SchedulerRuntime.start(system, settings, SchedulerClock.SYSTEM);
      relay = null;
      binding = Http.get(system).newServerAt("127.0.0.1", 0).bind(concat(new SchedulerServer(runtime).routes(), extra))
          .toCompletableFuture().join();
    } else {
      Config config = base.withFallback(ConfigFactory.parseString("""
              pekko.actor.provider = local
              """)).withFallback(ConfigFactory.load());
      system = ActorSystem.create(Behaviors.empty(), kind, config);
      relay = new RelayServer(system, kind.equals("seed"));
      binding = Http.get(system).newServerAt("127.0.0.1", 0).bind(concat(relay.routes(), extra))
          .toCompletableFuture().join();
    }
    port = binding.localAddress().getPort();
    if (kind.equals("scheduler")) awaitReady();
  }

  /**
   * Adds the heartbeats the target fully handled: for the baselines their own count, for the scheduler its
   * {@code node_heartbeats_total} metric (heartbeats a node entity applied).
   */
  private String withHandled(String stats) {
    RelayServer r = relay;
    long handled = r != null ? r.heartbeatsHandled.get()
        : dev.polyglot.scheduler.ops.Metrics.get(system).value("node_heartbeats_total");
    return stats.substring(0, stats.length() - 1) + ",\"heartbeats_handled\":" + handled + "}";
  }

  static TargetServer start(String kind, String overrides) {
    return new TargetServer(kind, overrides);
  }

  private void awaitReady() {
    var client = java.net.http.HttpClient.newHttpClient();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        var r = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/ready")).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) return;
      } catch (Exception ignored) {
        // not yet
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    throw new IllegalStateException("scheduler not ready within 30 s");
  }

  /**
   * The heap in use at the end of the last collection, summed over the heap pools: after {@code System.gc()} that
   * is the live set, for G1 (old gen after a full GC, young pools empty) as for ZGC (whose current "used" also
   * counts pages allocated since and pages not yet relocated, which made its figures incomparable).
   */
  private static long liveAfterLastGc(long fallback) {
    long sum = 0;
    boolean any = false;
    for (var pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() != java.lang.management.MemoryType.HEAP || pool.getCollectionUsage() == null) continue;
      sum += pool.getCollectionUsage().getUsed();
      any = true;
    }
    return any ? sum : fallback;
  }

  /** The JVM's CPU time, heap (after a full GC when {@code mode} is "full") and GC pauses since the last reset ("full" or "reset"). */
  static String stats(String mode) {
    boolean gc = mode.equals("full");
    if (gc) {
      for (int i = 0; i < 3; i++) {
        System.gc();
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long gcCount = 0;
    long gcMs = 0;
    for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
      gcCount += Math.max(0, b.getCollectionCount());
      gcMs += Math.max(0, b.getCollectionTime());
    }
    var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    long used = gc ? liveAfterLastGc(heap.getUsed()) : heap.getUsed();
    String out = "{\"cpu_ns\":" + os.getProcessCpuTime() + ",\"heap_used\":" + used + ",\"heap_max\":" + heap.getMax()
        + ",\"gc_count\":" + gcCount + ",\"gc_ms\":" + gcMs + ",\"gc_max_pause_ms\":" + GcWatch.maxPauseMs.get()
        + ",\"gc_pauses_over_50ms\":" + GcWatch.over50.get() + ",\"threads\":" + Thread.activeCount() + "}";
    if (gc || mode.equals("reset")) GcWatch.reset(); // pauses are counted from here
    return out;
  }

  /** Largest young/mixed/full pause reported by the JVM's GC notifications. */
  static final class GcWatch {
    static final AtomicLong maxPauseMs = new AtomicLong();
    static final AtomicLong over50 = new AtomicLong();
    private static boolean installed;

    static synchronized void install() {
      if (installed) return;
      installed = true;
      for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
        if (!(b instanceof NotificationEmitter e)) continue;
        e.addNotificationListener((n, h) -> {
          if (!n.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) return;
          var info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
          // G1's "Concurrent GC" and ZGC's "ZGC Cycles" report concurrent work, not pauses; explicit GCs are ours
          if (info.getGcName().contains("Concurrent") || info.getGcName().contains("Cycles")
              || info.getGcCause().equals("System.gc()")) return;
          long d = info.getGcInfo().getDuration();
          maxPauseMs.accumulateAndGet(d, Math::max);
          if (d > 50) over50.incrementAndGet();
        }, null, null);
      }
    }

    static void reset() {
      maxPauseMs.set(0);
      over50.set(0);
    }
  }

  @Override
  public void close() {
    try {
      binding.unbind().toCompletableFuture().get(5, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // closing anyway
    }
    if (relay != null) relay.close();
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(15, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // the JVM exits after this in the child
    }
  }

  /** Child-JVM entry: {@code TargetServer <kind> [hocon overrides]}; prints the port, exits when stdin closes. */
  public static void main(String[] args) throws Exception {
    String kind = args.length > 0 ? args[0] : "scheduler";
    String overrides = args.length > 1 ? args[1] : "";
    TargetServer s = start(kind, overrides);
    System.out.println(PORT_LINE + s.port);
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    while (in.readLine() != null) {
      // the rig closes our stdin when it is done (or dies)
    }
    Thread killer = new Thread(() -> {
      try {
        Thread.sleep(20_000);
      } catch (InterruptedException ignored) {
        return;
      }
      Runtime.getRuntime().halt(0);
    });
    killer.setDaemon(true);
    killer.start();
    s.close();
    System.exit(0);
  }
}
