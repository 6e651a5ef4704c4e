package dev.polyglot.scheduler.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One load profile. {@code burst > 0}: send exactly that many utterances within the first second, then only wait
 * for their outcomes. Otherwise {@code utterancesPerSec} spread evenly over the sessions for {@code durationS}
 * (the first {@code warmupS} are not measured). Heartbeats have the real agent's shape, its lists repeated in every one
 * (about 1.5 KB), unless {@code leanHeartbeat} ({@code --heartbeat=lean}: usage and metrics only, about 330 bytes,
 * what the rig sent before issue 16).
 */
record Scenario(String name, String title, int nodes, int sessions, double utterancesPerSec, int burst,
                int heartbeatMs, int audioBytes, int processingMs, int durationS, int warmupS, int drainS,
                boolean defaultHangovers, List<String> targets, boolean leanHeartbeat) {

  static final Map<String, Scenario> BUILT_IN = new LinkedHashMap<>();

  static {
    add(new Scenario("S1", "quiet: 100 nodes, 100 sessions, 10 utterances/s", 100, 100, 10, 0, 1000, 8000, 0, 20, 5, 10,
        false, List.of("scheduler", "relay", "seed"), false));
    add(new Scenario("S1-hangover", "S1 at the default hangovers (auto 150 ms, manual 200 ms)", 100, 100, 10, 0, 1000, 8000, 0, 20, 5, 10,
        true, List.of("scheduler"), false));
    add(new Scenario("S2", "heartbeat storm: 10,000 nodes heartbeating 1/s, 200 sessions, 50 utterances/s", 10_000, 200, 50, 0, 1000,
        8000, 0, 20, 5, 10, false, List.of("scheduler", "relay", "seed"), false));
    add(new Scenario("S3", "scale: 10,000 nodes, 1,000 sessions, 200 utterances/s", 10_000, 1000, 200, 0, 1000, 8000, 0, 20, 5, 10,
        false, List.of("scheduler", "relay", "seed"), false));
    add(new Scenario("S4", "burst: 1,000 utterances within 1 s over 100 nodes of 4 slots (nodes take 1 s per job)", 100, 100, 0, 1000,
        1000, 8000, 1000, 1, 0, 20, false, List.of("scheduler"), false));
    add(new Scenario("smoke", "smoke: 5 nodes, 5 sessions, 5 utterances/s, 3 s", 5, 5, 5, 0, 1000, 2000, 0, 3, 1, 5, false,
        List.of("scheduler", "relay", "seed"), false));
    add(new Scenario("demo", "demo: 3 nodes, 2 sessions, 1 utterance/s, nodes take 300 ms", 3, 2, 1, 0, 1000, 4000, 300, 15, 0, 5, true,
        List.of("scheduler"), false));
  }

  private static void add(Scenario s) {
    BUILT_IN.put(s.name().toLowerCase(java.util.Locale.ROOT), s);
  }

  static Scenario named(String name) {
    Scenario s = BUILT_IN.get(name.toLowerCase(java.util.Locale.ROOT));
    if (s == null) throw new IllegalArgumentException("unknown scenario " + name + "; known: " + BUILT_IN.keySet());
    return s;
  }

  Scenario with(Map<String, String> o) {
    return new Scenario(name, title, i(o, "nodes", nodes), i(o, "sessions", sessions),
        o.containsKey("rate") ? Double.parseDouble(o.get("rate")) : utterancesPerSec, i(o, "burst", burst), i(o, "heartbeat-ms", heartbeatMs),
        i(o, "audio-bytes", audioBytes), i(o, "processing-ms", processingMs), i(o, "duration", durationS), i(o, "warmup", warmupS),
        i(o, "drain", drainS), o.containsKey("default-hangovers") ? Boolean.parseBoolean(o.get("default-hangovers")) : defaultHangovers,
        o.containsKey("targets") ? List.of(o.get("targets").split(",")) : targets,
        o.containsKey("heartbeat") ? o.get("heartbeat").equals("lean") : leanHeartbeat);
  }

  private static int i(Map<String, String> o, String k, int d) {
    return o.containsKey(k) ? Integer.parseInt(o.get(k)) : d;
  }

  /** HOCON for the scheduler under test. Hangovers 0 so dispatch latency measures the scheduler, not the segmenter. */
  String schedulerOverrides() {
    return defaultHangovers ? "" : "scheduler.segmentation.hangover-auto = 0ms\nscheduler.segmentation.hangover-manual = 0ms\n";
  }
}
