package dev.polyglot.scheduler.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * {@code ./scheduler bench cluster} (alias {@code S5}): what a cluster of scheduler instances costs per dispatch. Each
 * setup runs in its own JVMs started here (three instances joined into one cluster, or one instance), against a
 * redis-server started here (or the in-memory ledger), with the fake nodes and clients connected round-robin to the
 * instances. Two phases, measured after a warm-up: <b>sequential</b> (one utterance at a time, the next once the
 * result is back) and <b>bursts</b> (20 utterances from 20 sessions handed over back to back, then wait for all).
 *
 * <p>The setups separate where the time goes: {@code 1-mem} (one instance, in-memory ledger) is the base;
 * {@code 3pin-mem} is a three-instance cluster whose node and session entities are all pinned to the instance the
 * sockets use (the cluster's background cost, no remote hop on the path); {@code 3-mem} spreads sockets and
 * entities over three instances (adds the remote hops); {@code 1-redis} and {@code 3-redis} add the Redis ledger.
 * Options: {@code --setups=1-mem,3pin-mem,3-mem,1-redis,3-redis} {@code --nodes=6} {@code --sessions=21}
 * {@code --sequential=300} {@code --bursts=15} {@code --burst-size=20} {@code --warmup-utterances=1500}
 * {@code --audio-bytes=8000} {@code --instance-conf=file} (HOCON added to every instance's settings)
 * {@code --in-process} (all instances in the rig's JVM: for the smoke test, not for figures). Bounded: every wait has a timeout, a whole run takes about 5 minutes.
 */
final class ClusterBench {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ALL_SETUPS = "1-mem,3pin-mem,3-mem,1-redis,3-redis";

  /** One system under test: how many instances, entities pinned to the first, which ledger. */
  record Setup(String name, int instances, boolean pinned, boolean redis) {
    static Setup parse(String s) {
      return switch (s) {
        case "1-mem" -> new Setup(s, 1, false, false);
        case "3pin-mem" -> new Setup(s, 3, true, false);
        case "3-mem" -> new Setup(s, 3, false, false);
        case "1-redis" -> new Setup(s, 1, false, true);
        case "3-redis" -> new Setup(s, 3, false, true);
        default -> throw new IllegalArgumentException("unknown cluster setup " + s + "; known: " + ALL_SETUPS);
      };
    }
  }

  private final Map<String, String> opts;
  private final List<String> jvmOpts;
  private final Path out;
  private final int nodes;
  private final int sessions;
  private final int sequential;
  private final int bursts;
  private final int burstSize;
  private final int warmupUtterances;
  private final String payload;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private ClusterBench(Map<String, String> opts, List<String> jvmOpts, Path out) {
    this.opts = opts;
    this.jvmOpts = jvmOpts;
    this.out = out;
    this.nodes = i("nodes", 6);
    this.sessions = i("sessions", 21);
    this.sequential = i("sequential", 300);
    this.bursts = i("bursts", 15);
    this.burstSize = i("burst-size", 20);
    // each JVM compiles the hot paths on its own and sees a third of the traffic: a short warm-up measures the JIT
    this.warmupUtterances = i("warmup-utterances", 1500);
    this.payload = RigSession.audio(i("audio-bytes", 8000));
  }

  private int i(String key, int d) {
    return opts.containsKey(key) ? Integer.parseInt(opts.get(key)) : d;
  }

  /** Runs every setup asked for; adds two results per setup (sequential, bursts) and the analysis notes to the report. */
  static void run(Map<String, String> opts, List<String> jvmOpts, Path out, Report report) throws Exception {
    new ClusterBench(opts, jvmOpts, out).runAll(report);
  }

  private void runAll(Report report) throws Exception {
    List<Setup> setups = new ArrayList<>();
    for (String s : opts.getOrDefault("setups", ALL_SETUPS).split(",")) setups.add(Setup.parse(s.trim()));
    RigRedis redis = null;
    if (setups.stream().anyMatch(Setup::redis)) {
      redis = RigRedis.start();
      if (redis == null) {
        report.notes.add("cluster: no redis-server could be started, so the Redis setups were skipped (in-memory ledger only)");
        setups.removeIf(Setup::redis);
      } else {
        report.notes.add("cluster: Redis = " + redis.binary + " on port " + redis.port + " (no persistence)");
      }
    }
    Map<String, Map<String, Object>> summary = new LinkedHashMap<>();
    try {
      for (Setup s : setups) {
        System.out.printf("== cluster %s (%d instance%s%s, %s ledger) ...%n", s.name(), s.instances(), s.instances() == 1 ? "" : "s",
            s.pinned() ? ", entities pinned to instance 1" : "", s.redis() ? "Redis" : "in-memory");
        List<LoadRig.Result> rs = runSetup(s, redis);
        report.runs.addAll(rs);
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("sequential", rs.get(0).json);
        line.put("bursts", rs.get(1).json);
        summary.put(s.name(), line);
        for (LoadRig.Result r : rs) {
          System.out.printf("   %-14s dispatch %s%n   %-14s end-to-end %s%n", r.label, r.json.get("dispatch_ms"), "", r.json.get("end_to_end_ms"));
        }
      }
    } finally {
      if (redis != null) redis.close();
    }
    analyse(summary, report);
  }

  private List<LoadRig.Result> runSetup(Setup s, RigRedis redis) throws Exception {
    Double loadAtStart = LoadRig.loadAverage();
    List<Target> instances = startInstances(s, redis);
    ScheduledExecutorService timer = Executors.newScheduledThreadPool(1, r -> {
      Thread t = new Thread(r, "rig-cluster-timer");
      t.setDaemon(true);
      return t;
    });
    RigStats stats = new RigStats();
    List<RigNode> ns = new ArrayList<>();
    List<RigSession> ss = new ArrayList<>();
    try (Conn.Clients clients = new Conn.Clients(1, 2)) {
      // nodes and clients round-robin over the instances (all on the first when the entities are pinned there)
      List<CompletableFuture<?>> ready = new ArrayList<>();
      for (int k = 0; k < nodes; k++) {
        RigNode n = new RigNode(stats, timer, 0, LoadRig.SLOTS, false);
        ns.add(n);
        Target t = instances.get(s.pinned() ? 0 : k % instances.size());
        ready.add(n.connect(clients, t.host, t.port));
      }
      for (int k = 0; k < sessions; k++) {
        RigSession r = new RigSession(stats, payload);
        ss.add(r);
        Target t = instances.get(s.pinned() ? 0 : k % instances.size());
        ready.add(r.connect(clients, t.host, t.port));
      }
      CompletableFuture.allOf(ready.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
      timer.scheduleAtFixedRate(() -> ns.forEach(RigNode::heartbeat), 1, 1, TimeUnit.SECONDS);
      Thread.sleep(1_500); // every dispatcher holds a pool view with all nodes, every instance report is fresh
      // warm-up (JIT, connections between instances, shard homes): not recorded
      stats.measureFromNanos = Long.MAX_VALUE;
      int lost = sequential(ss, stats, warmupUtterances, 0) + bursts(ss, stats, 3);
      String placement = placement(instances.get(0)); // the instance reports are a second or two old by now
      // what the instances burn with nodes heartbeating and no utterance (gossip, failure detector, timers, GC), once
      // the compiler threads are through with the warm-up's work
      Thread.sleep(2_000);
      List<JsonNode> idle0 = statsOf(instances, "reset");
      long i0 = System.nanoTime();
      Thread.sleep(3_000);
      double idleMsPerS = cpuMs(idle0, statsOf(instances, "reset")) / ((System.nanoTime() - i0) / 1e9);
      // sequential
      List<JsonNode> cpu0 = statsOf(instances, "reset");
      stats.dispatch.reset();
      stats.endToEnd.reset();
      stats.measureFromNanos = System.nanoTime();
      long t0 = System.nanoTime();
      int seqLost = sequential(ss, stats, sequential, 10);
      long t1 = System.nanoTime();
      Histogram seqD = stats.dispatch.getIntervalHistogram();
      Histogram seqE = stats.endToEnd.getIntervalHistogram();
      List<JsonNode> cpu1 = statsOf(instances, "reset");
      // bursts
      int burstLost = bursts(ss, stats, bursts);
      long t2 = System.nanoTime();
      Histogram bD = stats.dispatch.getIntervalHistogram();
      Histogram bE = stats.endToEnd.getIntervalHistogram();
      List<JsonNode> cpu2 = statsOf(instances, "");
      Double loadAtEnd = LoadRig.loadAverage();
      Map<String, Long> errors = stats.errorCodes();
      LoadRig.Result seq = result(s, "seq", seqD, seqE, sequential, seqLost, cpuMs(cpu0, cpu1), (t1 - t0) / 1e9, placement,
          loadAtStart, loadAtEnd, errors, lost, idleMsPerS);
      LoadRig.Result burst = result(s, "b" + burstSize, bD, bE, (long) bursts * burstSize, burstLost, cpuMs(cpu1, cpu2),
          (t2 - t1) / 1e9, placement, loadAtStart, loadAtEnd, errors, lost, idleMsPerS);
      return List.of(seq, burst);
    } finally {
      for (RigSession r : ss) r.close();
      for (RigNode n : ns) n.close();
      timer.shutdownNow();
      stopAll(instances);
    }
  }

  /** One utterance at a time: the next is handed over once the previous one's result (or error) is back. */
  private int sequential(List<RigSession> ss, RigStats stats, int count, int gapMs) {
    int lost = 0;
    for (int k = 0; k < count; k++) {
      int before = stats.inFlight();
      ss.get(k % ss.size()).utter();
      if (!awaitAtMost(stats, before, Duration.ofSeconds(5))) lost++;
      if (gapMs > 0) LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(gapMs)); // the machine settles in between
    }
    return lost;
  }

  /** {@code count} bursts: {@code burstSize} utterances from distinct sessions back to back, then all outcomes. */
  private int bursts(List<RigSession> ss, RigStats stats, int count) {
    int lost = 0;
    for (int b = 0; b < count; b++) {
      int before = stats.inFlight();
      for (int k = 0; k < burstSize; k++) ss.get(k % ss.size()).utter();
      if (!awaitAtMost(stats, before, Duration.ofSeconds(10))) lost += stats.inFlight() - before;
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(300));
    }
    return lost;
  }

  /** Waits until no more than {@code inFlight} utterances are unanswered; false when it timed out. */
  private static boolean awaitAtMost(RigStats stats, int inFlight, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (stats.inFlight() > inFlight) {
      if (System.nanoTime() > deadline) return false;
      LockSupport.parkNanos(100_000);
    }
    return true;
  }

  private LoadRig.Result result(Setup s, String phase, Histogram d, Histogram e, long sent, int lost, double cpuMs,
                                double seconds, String placement, Double loadStart, Double loadEnd,
                                Map<String, Long> errors, int warmupLost, double idleMsPerS) {
    LoadRig.Result r = new LoadRig.Result();
    r.label = s.name() + " " + phase;
    r.dispatch = d;
    r.endToEnd = e;
    Map<String, Object> j = r.json;
    j.put("scenario", "cluster");
    j.put("target", "scheduler");
    j.put("label", r.label);
    j.put("setup", s.name());
    j.put("phase", phase.equals("seq") ? "sequential" : "bursts of " + burstSize);
    j.put("instances", s.instances());
    j.put("entities_pinned_to_instance_1", s.pinned());
    j.put("ledger", s.redis() ? "redis" : "memory");
    j.put("nodes", nodes);
    j.put("sessions", sessions);
    j.put("utterances_sent", sent);
    j.put("placed", d.getTotalCount());
    j.put("results", e.getTotalCount());
    j.put("lost", lost);
    j.put("lost_in_warmup", warmupLost);
    j.put("backpressure_msgs", 0L);
    j.put("error_codes", errors);
    j.put("heartbeats_handled_per_s", nodes);
    j.put("target_cpu_ms_per_s", LoadRig.round(cpuMs / Math.max(0.001, seconds), 1));
    j.put("target_cpu_us_per_utterance", LoadRig.round(cpuMs * 1000 / Math.max(1, sent), 0));
    j.put("target_idle_cpu_ms_per_s", LoadRig.round(idleMsPerS, 1));
    // the CPU the utterances cost beyond the instances' idle burn
    j.put("target_cpu_us_per_utterance_above_idle",
        LoadRig.round(Math.max(0, cpuMs - idleMsPerS * seconds) * 1000 / Math.max(1, sent), 0));
    j.put("measured_s", LoadRig.round(seconds, 1));
    j.put("entities", placement);
    j.put("machine_loadavg_1m_at_start", loadStart);
    j.put("machine_loadavg_1m_at_end", loadEnd);
    j.put("dispatch_ms", LoadRig.percentiles(d));
    j.put("end_to_end_ms", LoadRig.percentiles(e));
    j.put("saturated", lost > 0);
    return r;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // the instances

  private List<Target> startInstances(Setup s, RigRedis redis) throws Exception {
    int[] artery = new int[s.instances()];
    for (int k = 0; k < artery.length; k++) {
      try (java.net.ServerSocket sock = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
        artery[k] = sock.getLocalPort();
      }
    }
    // hangovers 0 as in every rig scenario: dispatch measures the scheduler, not the segmenter
    StringBuilder common = new StringBuilder("scheduler.segmentation.hangover-auto = 0ms\n"
        + "scheduler.segmentation.hangover-manual = 0ms\nscheduler.stats.snapshot-interval = 1s\n");
    if (s.redis()) common.append("scheduler.store = redis\nscheduler.redis.uri = \"").append(redis.uri()).append("\"\n");
    if (s.pinned()) common.append("scheduler.cluster.node-entity-role = \"entities\"\nscheduler.cluster.session-entity-role = \"entities\"\n");
    if (opts.containsKey("instance-conf")) {
      // e.g. an experiment's Artery or sharding settings, for every instance of every setup
      common.append(java.nio.file.Files.readString(Path.of(opts.get("instance-conf")))).append('\n');
    }
    if (s.instances() > 1) {
      common.append("pekko.cluster.seed-nodes = [\"pekko://scheduler@127.0.0.1:").append(artery[0]).append("\"]\n");
    }
    List<Target> started = new ArrayList<>();
    try {
      for (int k = 0; k < s.instances(); k++) {
        String own = common + "scheduler.instance-id = \"bench-" + (k + 1) + "\"\n"
            + "pekko.remote.artery.canonical.port = " + artery[k] + "\n"
            + (s.pinned() && k == 0 ? "pekko.cluster.roles = [\"entities\"]\n" : "");
        File log = out.resolve("cluster-" + s.name() + "-instance-" + (k + 1) + ".log").toFile();
        // each returns once its /ready answers 200; --in-process (the smoke test) runs them all in this JVM
        started.add(opts.containsKey("in-process") ? new Target.InProcess("scheduler", own)
            : new Target.Child("scheduler", own, jvmOpts, log));
      }
      if (s.instances() > 1) awaitMembers(started.get(0), s.instances());
      return started;
    } catch (Exception | Error e) {
      stopAll(started);
      throw e;
    }
  }

  private void awaitMembers(Target t, int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      JsonNode c = get(t, "/api/v1/cluster");
      if (c != null && c.path("online_instances").asInt() == n) return;
      Thread.sleep(200);
    }
    throw new IllegalStateException("the " + n + " instances did not all report within 60 s");
  }

  /** Where the node and session entities live, from {@code /api/v1/cluster}: "bench-1 2 nodes 7 sessions, ...". */
  private String placement(Target t) {
    JsonNode c = get(t, "/api/v1/cluster");
    if (c == null) return "unknown";
    List<String> parts = new ArrayList<>();
    for (JsonNode i : c.path("instances")) {
      parts.add(i.path("instance_id").asText() + ": " + i.path("nodes_owned").asInt() + " nodes, "
          + i.path("sessions_owned").asInt() + " sessions");
    }
    return String.join("; ", parts);
  }

  private JsonNode get(Target t, String path) {
    try {
      var r = http.send(HttpRequest.newBuilder(URI.create("http://" + t.host + ":" + t.port + path)).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
    } catch (Exception e) {
      return null;
    }
  }

  private static List<JsonNode> statsOf(List<Target> instances, String mode) {
    List<JsonNode> all = new ArrayList<>();
    for (Target t : instances) all.add(t.stats(mode));
    return all;
  }

  /** CPU time of all instances between two stats readings, in ms. */
  private static double cpuMs(List<JsonNode> a, List<JsonNode> b) {
    double sum = 0;
    for (int k = 0; k < a.size(); k++) {
      if (a.get(k) == null || b.get(k) == null) continue;
      sum += (b.get(k).path("cpu_ns").asLong() - a.get(k).path("cpu_ns").asLong()) / 1e6;
    }
    return sum;
  }

  /** Stops the youngest first, all at once (each leaves the cluster through coordinated shutdown). */
  private static void stopAll(List<Target> instances) {
    List<Thread> ts = new ArrayList<>();
    for (int k = instances.size() - 1; k >= 0; k--) {
      Target t = instances.get(k);
      Thread th = new Thread(t::close, "rig-stop-" + k);
      th.start();
      ts.add(th);
    }
    for (Thread th : ts) {
      try {
        th.join(40_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // the analysis printed under the table

  @SuppressWarnings("unchecked")
  private static double pct(Map<String, Map<String, Object>> summary, String setup, String phase, String p) {
    Map<String, Object> line = summary.get(setup);
    if (line == null) return Double.NaN;
    Map<String, Object> j = (Map<String, Object>) line.get(phase);
    return ((Number) ((Map<String, Object>) j.get("dispatch_ms")).get(p)).doubleValue();
  }

  private static void analyse(Map<String, Map<String, Object>> summary, Report report) {
    List<String> n = report.notes;
    n.add("cluster: dispatch = final audio frame handed to the client's socket -> job_assign at the fake node (ms); "
        + "seq = one utterance at a time, bN = bursts of N utterances from N sessions");
    for (String setup : summary.keySet()) {
      n.add(String.format(Locale.ROOT, "cluster %-9s sequential p50 %7.2f p99 %7.2f | burst p50 %7.2f p99 %7.2f | entities: %s",
          setup, pct(summary, setup, "sequential", "p50"), pct(summary, setup, "sequential", "p99"),
          pct(summary, setup, "bursts", "p50"), pct(summary, setup, "bursts", "p99"),
          ((Map<?, ?>) summary.get(setup).get("sequential")).get("entities")));
    }
    delta(summary, n, "3pin-mem", "1-mem", "the cluster's background cost (two more JVMs, gossip, same path)");
    delta(summary, n, "3-mem", "3pin-mem", "the remote hops (entities spread over three instances)");
    delta(summary, n, "1-redis", "1-mem", "the Redis ledger on one instance");
    delta(summary, n, "3-redis", "3-mem", "the Redis ledger on three instances");
    delta(summary, n, "3-redis", "1-redis", "three instances against one, both on Redis");
  }

  private static void delta(Map<String, Map<String, Object>> summary, List<String> n, String a, String b, String what) {
    if (!summary.containsKey(a) || !summary.containsKey(b)) return;
    n.add(String.format(Locale.ROOT, "cluster %s - %s (%s): sequential p50 %+.2f ms, p99 %+.2f ms; burst p99 %+.2f ms",
        a, b, what, pct(summary, a, "sequential", "p50") - pct(summary, b, "sequential", "p50"),
        pct(summary, a, "sequential", "p99") - pct(summary, b, "sequential", "p99"),
        pct(summary, a, "bursts", "p99") - pct(summary, b, "bursts", "p99")));
  }
}
