package dev.polyglot.scheduler.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Drives one scenario against one target over real loopback WebSockets: connects the fake nodes and sessions
 * (measuring the target's heap per idle node and per idle session), runs the heartbeats and utterances open-loop
 * from one pacing thread, then waits for every utterance's outcome and reports.
 */
final class LoadRig {
  static final int SLOTS = 4; // scheduler.nodes.max-concurrent-jobs default

  /** The outcome of one (scenario, target) run. */
  static final class Result {
    final Map<String, Object> json = new LinkedHashMap<>();
    Histogram dispatch = RigStats.empty();
    Histogram endToEnd = RigStats.empty();
    String label;
  }

  private final Scenario sc;
  private final Target target;
  private final RigStats stats = new RigStats();
  private final String label;

  LoadRig(Scenario sc, Target target, String label, boolean verbose) {
    this.sc = sc;
    this.target = target;
    this.label = label;
    stats.verbose = verbose;
  }

  Result run() throws Exception {
    Result r = new Result();
    r.label = label;
    Map<String, Object> j = r.json;
    j.put("scenario", sc.name());
    j.put("target", target.kind);
    j.put("label", label);
    j.put("where", target.where);
    j.put("nodes", sc.nodes());
    j.put("sessions", sc.sessions());
    j.put("utterances_per_s", sc.burst() > 0 ? null : sc.utterancesPerSec());
    j.put("burst", sc.burst() > 0 ? sc.burst() : null);
    j.put("heartbeat_interval_ms", sc.heartbeatMs());
    j.put("heartbeat_shape", sc.leanHeartbeat() ? "lean (usage and metrics, ~330 bytes)" : "agent (lists repeated, ~1.5 KB)");
    j.put("audio_bytes", sc.audioBytes());
    j.put("node_processing_ms", sc.processingMs());
    j.put("hangovers", sc.defaultHangovers() ? "default" : "0ms");
    int threads = Math.max(2, Math.min(4, (sc.nodes() + sc.sessions()) / 500 + 2));
    ScheduledExecutorService timer = Executors.newScheduledThreadPool(1, r2 -> {
      Thread t = new Thread(r2, "rig-timer");
      t.setDaemon(true);
      return t;
    });
    List<RigNode> nodes = new ArrayList<>();
    List<RigSession> sessions = new ArrayList<>();
    try (Conn.Clients clients = new Conn.Clients(Math.max(1, Math.min(4, sc.nodes() / 1000 + 1)), threads)) {
      JsonNode s0 = target.stats("full");
      String payload = RigSession.audio(sc.audioBytes());
      for (int i = 0; i < sc.sessions(); i++) sessions.add(new RigSession(stats, payload));
      connectAll(sessions.stream().map(s -> (java.util.function.Supplier<CompletableFuture<?>>) () -> s.connect(clients, target.host, target.port)).toList());
      JsonNode s1 = target.stats("full");
      for (int i = 0; i < sc.nodes(); i++) nodes.add(new RigNode(stats, timer, sc.processingMs(), SLOTS, sc.leanHeartbeat()));
      // nodes heartbeat from the moment they are registered (a node silent for heartbeat-timeout goes offline)
      // The seed baseline has no heartbeat timeout, and under a storm its registrations would queue behind the
      // heartbeats' write locks forever: its nodes start heartbeating once all are registered.
      boolean heartbeatWhileConnecting = !target.kind.equals("seed");
      Thread pacer = new Thread(() -> paceHeartbeats(nodes), "rig-heartbeats");
      pacer.setDaemon(true);
      heartbeatMs = Math.max(sc.heartbeatMs(), 10_000);
      if (heartbeatWhileConnecting) pacer.start();
      long t0 = System.nanoTime();
      connectAll(nodes.stream().map(n -> (java.util.function.Supplier<CompletableFuture<?>>) () -> n.connect(clients, target.host, target.port)).toList());
      if (!heartbeatWhileConnecting) pacer.start();
      heartbeatMs = sc.heartbeatMs();
      j.put("nodes_ready_s", round((System.nanoTime() - t0) / 1e9, 1));
      JsonNode s2 = target.stats("full");
      if (s0 != null && s1 != null && s2 != null) {
        j.put("heap_per_idle_session_bytes", (s1.path("heap_used").asLong() - s0.path("heap_used").asLong()) / Math.max(1, sc.sessions()));
        j.put("heap_per_idle_node_bytes", (s2.path("heap_used").asLong() - s1.path("heap_used").asLong()) / Math.max(1, sc.nodes()));
        j.put("heap_after_connect_bytes", s2.path("heap_used").asLong());
      }
      // load
      long start = System.nanoTime();
      long warmupEnd = start + TimeUnit.SECONDS.toNanos(sc.warmupS());
      long end = start + TimeUnit.SECONDS.toNanos(sc.durationS());
      stats.measureFromNanos = warmupEnd;
      long uttSent = 0;
      JsonNode sw = null;
      long hbAtWarmup = 0;
      long hbWrittenAtWarmup = 0;
      long measureStart = 0;
      long rigCpuStart = 0;
      double uttPerNano = sc.burst() > 0 ? sc.burst() / 1e9 : sc.utterancesPerSec() / 1e9;
      long uttLimit = sc.burst() > 0 ? sc.burst() : Long.MAX_VALUE;
      while (true) {
        long now = System.nanoTime();
        if (now >= end && (sc.burst() == 0 || uttSent >= sc.burst())) break;
        if (sw == null && now >= warmupEnd) {
          sw = target.stats("reset");
          hbAtWarmup = stats.heartbeatsQueued.sum();
          hbWrittenAtWarmup = stats.heartbeatsWritten.sum();
          measureStart = System.nanoTime();
          rigCpuStart = rigCpuNanos();
          stats.dispatch.reset();
          stats.endToEnd.reset();
        }
        long el = now - start;
        long uttDue = Math.min(uttLimit, (long) (el * uttPerNano) + (sc.burst() > 0 ? 1 : 0));
        while (uttSent < uttDue && !sessions.isEmpty()) sessions.get((int) (uttSent++ % sessions.size())).utter();
        LockSupport.parkNanos(1_000_000);
      }
      long measureEnd = System.nanoTime();
      long rigCpuEnd = rigCpuNanos();
      JsonNode se = target.stats("");
      double window = (measureEnd - measureStart) / 1e9;
      long hbQueued = stats.heartbeatsQueued.sum() - hbAtWarmup;
      long hbWritten = stats.heartbeatsWritten.sum() - hbWrittenAtWarmup;
      // drain: every utterance must end with a result or a job error
      long drainEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(sc.drainS());
      while (stats.inFlight() > 0 && System.nanoTime() < drainEnd) Thread.sleep(20);
      j.put("measured_s", round(window, 2));
      j.put("machine_loadavg_1m_at_end", loadAverage());
      j.put("utterances_sent", stats.sent.sum());
      j.put("placed", stats.placed.sum());
      j.put("job_assigns", stats.assigns.sum());
      j.put("results", stats.results.sum());
      j.put("job_errors", stats.failed.sum());
      j.put("lost", stats.inFlight()); // no result and no job error within the drain window
      j.put("backpressure_msgs", stats.backpressure.sum());
      j.put("other_errors", stats.otherErrors.sum());
      j.put("error_codes", stats.errorCodes());
      j.put("max_running_on_a_node", stats.maxRunningOnANode.get());
      j.put("slot_violations", stats.slotViolations.sum());
      j.put("heartbeats_offered_per_s", round(hbQueued / window, 0));
      j.put("heartbeats_handled_per_s", round(hbWritten / window, 0));
      j.put("heartbeat_backlog_at_end", stats.heartbeatsQueued.sum() - stats.heartbeatsWritten.sum());
      if (!(target instanceof Target.InProcess)) j.put("rig_cpu_ms_per_s", round((rigCpuEnd - rigCpuStart) / 1e6 / window, 1));
      if (sw != null && se != null) {
        double cpuMs = (se.path("cpu_ns").asLong() - sw.path("cpu_ns").asLong()) / 1e6;
        j.put("target_cpu_ms_per_s", round(cpuMs / window, 1));
        j.put("target_cpu_us_per_node_per_s", round(cpuMs * 1000 / window / Math.max(1, sc.nodes()), 2));
        j.put("target_cpu_us_per_session_per_s", round(cpuMs * 1000 / window / Math.max(1, sc.sessions()), 2));
        j.put("target_cpu_us_per_heartbeat", hbWritten > 0 ? round(cpuMs * 1000 / hbWritten, 1) : null);
        if (se.has("heartbeats_handled")) {
          // the baselines count what they really finished; the scheduler has no such counter (client-side writes above)
          j.put("heartbeats_handled_per_s", round((se.path("heartbeats_handled").asLong() - sw.path("heartbeats_handled").asLong()) / window, 0));
          j.put("heartbeats_handled_counted_by", "target");
        } else {
          j.put("heartbeats_handled_counted_by", "rig (frames written to the socket)");
        }
        j.put("target_gc_max_pause_ms", se.path("gc_max_pause_ms").asLong());
        j.put("target_gc_pauses_over_50ms", se.path("gc_pauses_over_50ms").asLong());
        j.put("target_gc_ms", se.path("gc_ms").asLong() - sw.path("gc_ms").asLong());
        j.put("target_heap_used_bytes", se.path("heap_used").asLong());
        j.put("target_heap_max_bytes", se.path("heap_max").asLong());
      }
      r.dispatch = stats.dispatch.getIntervalHistogram();
      r.endToEnd = stats.endToEnd.getIntervalHistogram();
      j.put("dispatch_ms", percentiles(r.dispatch));
      j.put("end_to_end_ms", percentiles(r.endToEnd));
      boolean saturated = stats.inFlight() > 0 || (hbQueued > 0 && hbWritten < 0.9 * hbQueued)
          || stats.placed.sum() < 0.9 * stats.sent.sum();
      j.put("saturated", saturated);
    } finally {
      stopped = true;
      for (RigSession s : sessions) s.close();
      for (RigNode n : nodes) n.close();
      timer.shutdownNow();
    }
    return r;
  }

  private volatile boolean stopped;

  /** Heartbeat interval in force: 10 s at most while the fleet connects (well inside the 45 s timeout), then the scenario's. */
  private volatile double heartbeatMs;

  /** Each node heartbeats once per interval, spread evenly; runs from before the first node connects to the end. */
  private void paceHeartbeats(List<RigNode> nodes) {
    if (sc.heartbeatMs() <= 0 || nodes.isEmpty()) return;
    long last = System.nanoTime();
    double credit = 0;
    long sent = 0;
    while (!stopped) {
      long now = System.nanoTime();
      credit += (now - last) * nodes.size() / (heartbeatMs * 1e6);
      last = now;
      while (credit >= 1) {
        nodes.get((int) (sent++ % nodes.size())).heartbeat();
        credit -= 1;
      }
      LockSupport.parkNanos(2_000_000);
    }
  }

  /** The machine's 1-minute load average (Linux), to show how shared the machine was during the run. */
  static Double loadAverage() {
    try {
      return Double.parseDouble(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split("\\s+")[0]);
    } catch (Exception e) {
      return null;
    }
  }

  private static long rigCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** Opens all, at most 100 handshakes at a time; fails if any is not ready within 240 s. */
  private static void connectAll(List<java.util.function.Supplier<CompletableFuture<?>>> all) throws Exception {
    Semaphore window = new Semaphore(100);
    List<CompletableFuture<?>> fs = new ArrayList<>(all.size());
    for (var s : all) {
      window.acquire();
      CompletableFuture<?> f = s.get().orTimeout(240, TimeUnit.SECONDS);
      f.whenComplete((x, ex) -> window.release());
      fs.add(f);
    }
    CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).get(300, TimeUnit.SECONDS);
  }

  static Map<String, Object> percentiles(Histogram h) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("count", h.getTotalCount());
    m.put("p50", ms(h.getValueAtPercentile(50)));
    m.put("p90", ms(h.getValueAtPercentile(90)));
    m.put("p99", ms(h.getValueAtPercentile(99)));
    m.put("p99_9", ms(h.getValueAtPercentile(99.9)));
    m.put("max", ms(h.getMaxValue()));
    m.put("mean", ms((long) h.getMean()));
    return m;
  }

  private static double ms(long micros) {
    return round(micros / 1000.0, 3);
  }

  static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }
}
