package dev.polyglot.scheduler.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.polyglot.scheduler.api.CapabilityByType;
import dev.polyglot.scheduler.api.FeatureFlags;
import dev.polyglot.scheduler.api.HardwareInfo;
import dev.polyglot.scheduler.api.InstalledService;
import dev.polyglot.scheduler.api.LanguageCapabilities;
import dev.polyglot.scheduler.api.NodeFacts;
import dev.polyglot.scheduler.api.ResourceUsage;
import dev.polyglot.scheduler.api.SchedulerClock;
import dev.polyglot.scheduler.bootstrap.SchedulerRuntime;
import dev.polyglot.scheduler.config.SchedulerSettings;
import dev.polyglot.scheduler.dispatch.Dispatcher;
import dev.polyglot.scheduler.dispatch.Selection;
import dev.polyglot.scheduler.node.NodeEntity;
import dev.polyglot.scheduler.node.NodeSocket;
import dev.polyglot.scheduler.ops.Metrics;
import dev.polyglot.scheduler.pool.PoolDirectory;
import dev.polyglot.scheduler.pool.PoolUpdate;
import dev.polyglot.scheduler.pool.PoolView;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.pekko.actor.BootstrapSetup;
import org.apache.pekko.actor.setup.ActorSystemSetup;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * {@code ./scheduler bench sim}: how the scheduler's node side scales, without sockets. {@code --instances} (3)
 * scheduler instances (each a full {@link SchedulerRuntime}: shard regions, the PoolDirectory singleton, a
 * dispatcher) run in this JVM as ActorSystems joined into one cluster over loopback Artery. {@code --nodes} (100,000)
 * node entities register through them, spread by sharding, each node's stand-in socket on instance {@code i % n}
 * (so most heartbeats cross instances, as they do when agents connect anywhere). Then for {@code --duration} (60) s
 * every node heartbeats once per {@code --heartbeat-ms} (15,000, the real agent's interval; the lists unchanged,
 * as the socket's decoder hands them on), and {@code --rate} (100) placements per second go through a dispatcher on
 * each instance ({@link Dispatcher}: selection on its PoolView, {@code Reserve} at the chosen node entity), each grant
 * released at once.
 *
 * <p>Measured: per instance the heartbeats its node entities applied, the CPU of its default dispatcher's threads
 * (each instance runs its actors on a pool of its own), the pool deltas it received and the time to apply each to a
 * PoolView (what every dispatcher does per publication), and {@code Selection.select} on that view; the placements'
 * latency from {@code Place} to {@code Placed}. Bounded: it stops by itself after registration (at most 10 min), the
 * run and a short drain; loopback only.
 */
final class ScaleSim {
  private ScaleSim() {}

  static void run(Map<String, String> opts, Path out) throws Exception {
    int nodes = Integer.parseInt(opts.getOrDefault("nodes", "100000"));
    int instances = Integer.parseInt(opts.getOrDefault("instances", "3"));
    int heartbeatMs = Integer.parseInt(opts.getOrDefault("heartbeat-ms", "15000"));
    double rate = Double.parseDouble(opts.getOrDefault("rate", "100"));
    int durationS = Integer.parseInt(opts.getOrDefault("duration", "60"));
    int warmupS = Integer.parseInt(opts.getOrDefault("warmup", "10"));
    System.out.printf("== sim: %,d node entities over %d instances (in-process), heartbeat every %d ms, %.0f placements/s,"
        + " %d s (+%d s warm-up)%n", nodes, instances, heartbeatMs, rate, durationS, warmupS);
    List<Instance> all = new ArrayList<>();
    Map<String, Object> json = new LinkedHashMap<>();
    try {
      for (int i = 0; i < instances; i++) {
        all.add(new Instance(i, i == 0 ? null : all.get(0).address()));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (all.get(0).runtime.upMembers() < instances || all.get(instances - 1).runtime.upMembers() < instances) {
        if (System.nanoTime() > deadline) throw new IllegalStateException("cluster of " + instances + " not up in 120 s");
        Thread.sleep(100);
      }
      // ---- registration
      long t0 = System.nanoTime();
      NodeFacts facts = facts();
      long[] askedAt = new long[nodes];
      long reasked = 0;
      long registerTimeout = all.get(0).registerTimeoutNanos;
      long nextScan = t0 + registerTimeout;
      for (int j = 0; j < nodes; j++) {
        askToRegister(all, j, facts);
        askedAt[j] = System.nanoTime();
        if (j % 500 == 499) {
          // at most 2,000 registrations unanswered, as a fleet reconnecting through a few thousand sockets at a time
          while (j + 1 - registered(all) > 2_000) {
            if (System.nanoTime() - t0 > TimeUnit.MINUTES.toNanos(10)) throw new IllegalStateException("registration stalled");
            if (System.nanoTime() >= nextScan) {
              reasked += reaskUnanswered(all, askedAt, j + 1, registerTimeout, facts);
              nextScan = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            }
            Thread.sleep(5);
          }
        }
      }
      while (registered(all) < nodes) {
        if (System.nanoTime() - t0 > TimeUnit.MINUTES.toNanos(10)) throw new IllegalStateException("registration stalled at " + registered(all));
        if (System.nanoTime() >= nextScan) {
          reasked += reaskUnanswered(all, askedAt, nodes, registerTimeout, facts);
          nextScan = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        }
        Thread.sleep(20);
      }
      double registerS = (System.nanoTime() - t0) / 1e9;
      System.out.printf("   %,d registered in %.1f s (%,d registrations asked again after %d s unanswered, as a node socket"
          + " does)%n", nodes, registerS, reasked, TimeUnit.NANOSECONDS.toSeconds(registerTimeout));
      json.put("registration_s", round(registerS, 1));
      json.put("registrations_asked_again", reasked);
      // ---- heartbeats and placements: first the nodes become ready (a healthy heartbeat each), then the window
      AtomicLong placeSeq = new AtomicLong();
      Thread pacer = new Thread(() -> pace(all, nodes, heartbeatMs, rate, placeSeq), "sim-pacer");
      pacer.setDaemon(true);
      running = true;
      pacer.start();
      for (Instance in : all) in.observer.tell(new Observer.Subscribe());
      Thread.sleep(TimeUnit.SECONDS.toMillis(Math.max(warmupS, heartbeatMs / 1000 + 2)));
      for (Instance in : all) in.startWindow();
      long ws = System.nanoTime();
      long cpu0 = processCpu();
      Thread.sleep(TimeUnit.SECONDS.toMillis(durationS));
      double window = (System.nanoTime() - ws) / 1e9;
      long cpu1 = processCpu();
      List<Map<String, Object>> rows = new ArrayList<>();
      for (Instance in : all) rows.add(in.endWindow(window));
      running = false;
      pacer.join(5_000);
      json.put("nodes", nodes);
      json.put("instances", instances);
      json.put("heartbeat_ms", heartbeatMs);
      json.put("placements_per_s_offered", rate);
      json.put("window_s", round(window, 1));
      json.put("process_cpu_ms_per_s", round((cpu1 - cpu0) / 1e6 / window, 1));
      json.put("machine_loadavg_1m_at_end", LoadRig.loadAverage());
      json.put("per_instance", rows);
      print(json, rows);
      Files.createDirectories(out);
      Path f = out.resolve("sim-" + nodes + "-" + instances + ".json");
      Files.writeString(f, new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(json));
      System.out.println("report: " + f);
    } finally {
      running = false;
      for (int i = all.size() - 1; i >= 0; i--) all.get(i).close();
    }
  }

  private static volatile boolean running;

  private static String nodeId(int j) {
    return "sim-node-" + j;
  }

  private static long registered(List<Instance> all) {
    long n = 0;
    for (Instance in : all) n += in.registered.size();
    return n;
  }

  private static void askToRegister(List<Instance> all, int j, NodeFacts facts) {
    Instance in = all.get(j % all.size());
    in.runtime.entities().node(nodeId(j)).tell(new NodeEntity.Register(facts, false, true, in.socket));
  }

  /**
   * What {@code NodeSocket} does when its entity does not answer within {@code scheduler.nodes.register-timeout}: it
   * asks again on the same connection. Returns how many of the first {@code upTo} nodes were asked again.
   */
  private static long reaskUnanswered(List<Instance> all, long[] askedAt, int upTo, long timeoutNanos, NodeFacts facts) {
    long now = System.nanoTime();
    long n = 0;
    for (int j = 0; j < upTo; j++) {
      if (now - askedAt[j] < timeoutNanos || all.get(j % all.size()).registered.contains(nodeId(j))) continue;
      askToRegister(all, j, facts);
      askedAt[j] = now;
      n++;
    }
    return n;
  }

  /** Heartbeats spread evenly (each node once per interval, from its socket's instance) and placements round-robin. */
  private static void pace(List<Instance> all, int nodes, int heartbeatMs, double rate, AtomicLong placeSeq) {
    ResourceUsage usage = new ResourceUsage(12.5, 48.1, 0, 41.0, 37.2, null);
    long last = System.nanoTime();
    double hbCredit = 0;
    double placeCredit = 0;
    long next = 0;
    int k = all.size();
    while (running) {
      long now = System.nanoTime();
      hbCredit += (now - last) * (double) nodes / (heartbeatMs * 1e6);
      placeCredit += (now - last) * rate / 1e9;
      last = now;
      while (hbCredit >= 1) {
        int j = (int) (next++ % nodes);
        Instance in = all.get(j % k);
        in.runtime.entities().node(nodeId(j)).tell(new NodeEntity.Heartbeat(usage, null, null, null, null, null, in.socket));
        hbCredit -= 1;
      }
      while (placeCredit >= 1) {
        long s = placeSeq.incrementAndGet();
        all.get((int) (s % k)).place(s);
        placeCredit -= 1;
      }
      LockSupport.parkNanos(1_000_000);
    }
  }

  private static NodeFacts facts() {
    List<String> langs = List.of("zh", "en");
    List<InstalledService> services = new ArrayList<>();
    List<CapabilityByType> caps = new ArrayList<>();
    for (String t : List.of("asr", "nmt", "tts", "semantic")) {
      services.add(new InstalledService("svc-" + t, t, "running", "gpu", "2.0.0", null, null, null, null, null));
      caps.add(new CapabilityByType(t, true, null, null, List.of("gpu")));
    }
    return new NodeFacts("linux", "2.0.0", new HardwareInfo(16, 64, List.of(new HardwareInfo.Gpu("NVIDIA GeForce RTX 4090", 24))),
        services, caps, List.of(), FeatureFlags.empty(), true, List.of(),
        new LanguageCapabilities(langs, langs, langs, true, null, null), null, null);
  }

  private static long processCpu() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private static void print(Map<String, Object> json, List<Map<String, Object>> rows) {
    System.out.printf("   window %s s, process CPU %s ms/s (all instances and the pacer), load %s%n", json.get("window_s"),
        json.get("process_cpu_ms_per_s"), json.get("machine_loadavg_1m_at_end"));
    System.out.println("   inst  entities  hb applied/s  own CPU ms/s  CPU us/hb  deltas/s  nodes/delta  apply ns/node p50"
        + "  select us (CPU)  placed/s  place p50 ms  place p99 ms");
    for (Map<String, Object> r : rows) {
      System.out.printf("   %4s  %8s  %12s  %12s  %9s  %8s  %11s  %17s  %15s  %8s  %12s  %12s%n", r.get("instance"),
          r.get("entities"), r.get("heartbeats_applied_per_s"), r.get("default_dispatcher_cpu_ms_per_s"),
          r.get("cpu_us_per_heartbeat"), r.get("pool_deltas_per_s"), r.get("nodes_per_delta"), r.get("apply_ns_per_changed_node_p50"),
          r.get("select_us_cpu_mean"), r.get("placed_per_s"), r.get("place_ms_p50"), r.get("place_ms_p99"));
    }
  }

  static double round(double v, int digits) {
    return LoadRig.round(v, digits);
  }

  /** One scheduler instance in this JVM, its actors on a thread pool of its own (named sim-i-…), and its probes. */
  private static final class Instance implements AutoCloseable {
    final int index;
    final ActorSystem<Void> system;
    final SchedulerRuntime runtime;
    final ForkJoinPool pool;
    final Set<String> registered = ConcurrentHashMap.newKeySet();
    final long registerTimeoutNanos;
    final ActorRef<NodeSocket.Command> socket;
    final ActorRef<Dispatcher.Command> dispatcher;
    final ActorRef<Observer.Msg> observer;
    final Observer.Stats view = new Observer.Stats();
    final Map<Long, Long> placing = new ConcurrentHashMap<>();
    final Recorder placeLatency = new Recorder(3);
    final LongAdder placed = new LongAdder();
    final LongAdder notPlaced = new LongAdder();
    private long cpuAtStart;
    private long hbAtStart;
    private long placedAtStart;

    Instance(int index, String seed) throws Exception {
      this.index = index;
      AtomicInteger n = new AtomicInteger();
      int parallelism = Math.max(8, Runtime.getRuntime().availableProcessors()); // Pekko's default-dispatcher sizing
      // threads idle for 10 min before they retire, so the CPU of every thread that worked is still counted at the end
      this.pool = new ForkJoinPool(parallelism, p -> {
        ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
        t.setName("sim-" + index + "-" + n.incrementAndGet());
        t.setDaemon(true);
        return t;
      }, null, true, parallelism, 256, 1, null, 10, TimeUnit.MINUTES);
      Config config = ConfigFactory.parseString((seed == null ? "" : "pekko.cluster.seed-nodes = [\"" + seed + "\"]\n") + """
              pekko.remote.artery.canonical.hostname = "127.0.0.1"
              pekko.remote.artery.canonical.port = 0
              pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
              pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
              pekko.cluster.run-coordinated-shutdown-when-down = off
              pekko.cluster.failure-detector.acceptable-heartbeat-pause = 10s
              pekko.cluster.split-brain-resolver.stable-after = 15s
              pekko.loglevel = WARNING
              scheduler.http.port = 0
              """).withFallback(ConfigFactory.load());
      SchedulerSettings settings = SchedulerSettings.from(config);
      BootstrapSetup boot = BootstrapSetup.create(Optional.empty(), Optional.of(config),
          Optional.of(scala.concurrent.ExecutionContext.fromExecutorService(pool)));
      this.system = ActorSystem.create(Behaviors.empty(), "scheduler", ActorSystemSetup.create(boot));
      this.runtime = SchedulerRuntime.start(system, settings, SchedulerClock.SYSTEM);
      this.registerTimeoutNanos = settings.nodes().registerTimeout().toNanos();
      this.socket = system.systemActorOf(standInSocket(registered), "sim-node-sockets", Props.empty());
      ActorRef<Topic.Command<PoolUpdate>> topic =
          system.systemActorOf(Topic.create(PoolUpdate.class, "pool-updates"), "sim-pool-updates-topic", Props.empty());
      this.dispatcher = system.systemActorOf(Dispatcher.create(new Dispatcher.Deps(settings.dispatch(), runtime.clock(),
          runtime.entities(), this::reply, runtime.directory(), topic, new SplittableRandom(index))), "sim-dispatcher", Props.empty());
      this.observer = system.systemActorOf(Observer.create(topic, runtime.directory(), view), "sim-view-observer", Props.empty());
    }

    String address() {
      return Cluster.get(system).selfMember().address().toString();
    }

    void place(long s) {
      placing.put(s, System.nanoTime());
      dispatcher.tell(new Dispatcher.Place(new Dispatcher.PlacementRequest("sim-job-" + s, 1, "sim-session-" + index, (int) s,
          "zh:en", Set.of("asr", "nmt", "tts"), Set.of(), null, null)));
    }

    /** The dispatcher's answer: the grant is released at once (no job follows), its latency recorded. */
    private void reply(String sessionId, Dispatcher.Reply r) {
      long s = Long.parseLong(r.jobId().substring("sim-job-".length()));
      Long started = placing.remove(s);
      if (r instanceof Dispatcher.Placed p) {
        placed.increment();
        if (started != null) placeLatency.recordValue(Math.max(1, (System.nanoTime() - started) / 1000));
        runtime.entities().node(p.nodeId()).tell(new NodeEntity.Release(r.jobId(), r.attemptId()));
      } else if (!(r instanceof Dispatcher.Queued)) {
        notPlaced.increment();
      }
    }

    void startWindow() {
      cpuAtStart = poolCpu();
      hbAtStart = Metrics.get(system).value("node_heartbeats_total");
      placedAtStart = placed.sum();
      placeLatency.reset();
      view.reset();
    }

    Map<String, Object> endWindow(double window) {
      long cpu = poolCpu() - cpuAtStart;
      long hb = Metrics.get(system).value("node_heartbeats_total") - hbAtStart;
      Histogram lat = placeLatency.getIntervalHistogram();
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("instance", index + 1);
      r.put("entities", entities());
      r.put("heartbeats_applied_per_s", round(hb / window, 0));
      r.put("default_dispatcher_cpu_ms_per_s", round(cpu / 1e6 / window, 1));
      r.put("cpu_us_per_heartbeat", hb > 0 ? round(cpu / 1e3 / hb, 1) : null);
      r.put("pool_deltas_per_s", round(view.deltas.sum() / window, 1));
      r.put("nodes_per_delta", view.deltas.sum() > 0 ? round((double) view.changedNodes.sum() / view.deltas.sum(), 1) : 0);
      r.put("apply_us_per_delta_mean", view.deltas.sum() > 0 ? round(view.applyNanos.sum() / 1e3 / view.deltas.sum(), 2) : null);
      r.put("apply_ns_per_changed_node", view.changedNodes.sum() > 0 ? round((double) view.applyNanos.sum() / view.changedNodes.sum(), 0) : null);
      Histogram perNode = view.applyPerNode.getIntervalHistogram();
      r.put("apply_ns_per_changed_node_p50", perNode.getTotalCount() > 0 ? perNode.getValueAtPercentile(50) : null);
      r.put("view_nodes", view.viewNodes.get());
      r.put("select_us_cpu_mean", view.selects.sum() > 0 ? round(view.selectNanos.sum() / 1e3 / view.selects.sum(), 2) : null);
      r.put("placed_per_s", round((placed.sum() - placedAtStart) / window, 1));
      r.put("not_placed", notPlaced.sum());
      r.put("place_ms_p50", round(lat.getValueAtPercentile(50) / 1000.0, 2));
      r.put("place_ms_p99", round(lat.getValueAtPercentile(99) / 1000.0, 2));
      return r;
    }

    private int entities() {
      try {
        var state = AskPattern.<org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery, org.apache.pekko.cluster.sharding.ShardRegion.CurrentShardRegionState>ask(
            org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding.get(system).shardState(),
            replyTo -> new org.apache.pekko.cluster.sharding.typed.GetShardRegionState(NodeEntity.TYPE_KEY, replyTo),
            Duration.ofSeconds(10), system.scheduler()).toCompletableFuture().get(15, TimeUnit.SECONDS);
        int n = 0;
        for (var s : state.getShards()) n += s.getEntityIds().size();
        return n;
      } catch (Exception e) {
        return -1;
      }
    }

    /** CPU of this instance's default-dispatcher threads (its actors), in ns. */
    private long poolCpu() {
      ThreadMXBean tm = ManagementFactory.getThreadMXBean();
      long sum = 0;
      for (var info : tm.dumpAllThreads(false, false)) {
        if (info.getThreadName().startsWith("sim-" + index + "-")) {
          long c = tm.getThreadCpuTime(info.getThreadId());
          if (c > 0) sum += c;
        }
      }
      return sum;
    }

    @Override
    public void close() {
      system.terminate();
      try {
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // the JVM exits after this
      }
      pool.shutdownNow();
    }
  }

  /** Stands in for the node sockets of one instance: notes which nodes are registered, drops the rest. */
  private static Behavior<NodeSocket.Command> standInSocket(Set<String> registered) {
    return Behaviors.receiveMessage(m -> {
      if (m instanceof NodeSocket.Registered r) registered.add(r.nodeId());
      return Behaviors.same();
    });
  }

  /**
   * Holds a PoolView built from the directory's publications exactly as a dispatcher builds its own, timing each delta
   * applied, and times {@link Selection#select} on it (2,000 selections once a second).
   */
  private static final class Observer {
    sealed interface Msg {}

    record Subscribe() implements Msg {}

    private record Update(PoolUpdate u) implements Msg {}

    private enum Tick implements Msg { INSTANCE }

    static final class Stats {
      final LongAdder deltas = new LongAdder();
      final LongAdder changedNodes = new LongAdder();
      final LongAdder applyNanos = new LongAdder();
      final LongAdder selects = new LongAdder();
      final LongAdder selectNanos = new LongAdder();
      final AtomicLong viewNodes = new AtomicLong();
      /** Wall time of one delta applied, per changed node, in ns (the median is not moved by a descheduled thread). */
      final Recorder applyPerNode = new Recorder(3);

      void reset() {
        applyPerNode.reset();
        deltas.reset();
        changedNodes.reset();
        applyNanos.reset();
        selects.reset();
        selectNanos.reset();
      }
    }

    static Behavior<Msg> create(ActorRef<Topic.Command<PoolUpdate>> topic, ActorRef<PoolDirectory.Command> directory, Stats stats) {
      return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
        PoolView[] view = {PoolView.empty(Long.MIN_VALUE)};
        SplittableRandom rnd = new SplittableRandom(1);
        Selection.Request req = new Selection.Request("zh:en", Set.of("asr", "nmt", "tts"), Set.of(), null, null);
        ActorRef<PoolUpdate> adapter = ctx.messageAdapter(PoolUpdate.class, Update::new);
        return Behaviors.receive(Msg.class)
            .onMessage(Subscribe.class, m -> {
              topic.tell(Topic.subscribe(adapter));
              directory.tell(new PoolDirectory.GetFull(adapter));
              timers.startTimerWithFixedDelay(Tick.INSTANCE, Duration.ofSeconds(1));
              return Behaviors.same();
            })
            .onMessage(Update.class, m -> {
              PoolUpdate u = m.u();
              if (u.full()) {
                view[0] = PoolView.empty(u.epoch()).apply(u.changed(), u.version());
              } else if (u.epoch() == view[0].epoch() && u.version() > view[0].version()) {
                long t = System.nanoTime();
                view[0] = view[0].apply(u.changed(), u.version()).remove(u.removed(), u.version());
                long took = System.nanoTime() - t;
                stats.applyNanos.add(took);
                stats.applyPerNode.recordValue(Math.max(1, took / Math.max(1, u.changed().size())));
                stats.deltas.increment();
                stats.changedNodes.add(u.changed().size());
              }
              stats.viewNodes.set(view[0].nodeCount());
              return Behaviors.same();
            })
            .onMessageEquals(Tick.INSTANCE, () -> {
              // CPU time of this thread, not wall time: a thread descheduled mid-loop on a busy machine is not counted
              long t = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
              for (int i = 0; i < 2_000; i++) Selection.select(view[0], req, id -> 0, rnd, 8, 32);
              stats.selectNanos.add(ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - t);
              stats.selects.add(2_000);
              return Behaviors.same();
            })
            .build();
      }));
    }
  }
}
