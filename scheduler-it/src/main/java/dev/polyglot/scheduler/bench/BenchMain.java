package dev.polyglot.scheduler.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ./scheduler bench [scenario...] [--key=value...]}: runs scenarios against the scheduler and the baselines,
 * prints the report and writes it under {@code --out} (default {@code scheduler-it/target/bench}).
 *
 * <p>Scenarios: S1, S1-hangover, S2, S3, S4, smoke, demo (followed by {@link RoomDemo}: a room with a speaker and
 * two listeners); {@code all} = S1 S1-hangover S2 S3 S4; {@code cluster} (alias S5) = three instances against one,
 * with and without Redis ({@link ClusterBench}, its own options); {@code sim} = node entities at scale over in-process
 * instances, no sockets ({@link ScaleSim}, its own options). Options:
 * {@code --targets=scheduler,relay,seed}, {@code --nodes}, {@code --sessions}, {@code --rate}, {@code --burst},
 * {@code --heartbeat-ms}, {@code --heartbeat=agent|lean}, {@code --audio-bytes}, {@code --processing-ms}, {@code --duration}, {@code --warmup},
 * {@code --drain}, {@code --default-hangovers=true}, {@code --in-process} (targets in this JVM; their CPU and heap
 * then include the rig's), {@code --url=host:port} (a running scheduler, no stats), {@code --target-jvm-opts="..."},
 * {@code --seed-duration=10} (the seed baseline's bounded run under heartbeat storms), {@code --verbose}.
 */
public final class BenchMain {
  /**
   * The collector every target runs on unless {@code --target-jvm-opts} says otherwise: the one {@code ./scheduler
   * run} deploys with. With thousands of connections G1's young pauses (60–90 ms here) set the dispatch tail
   * (BENCHMARKS.md, "Why the 5 ms target is missed"); all targets get the same, so the ratios compare designs,
   * not collectors.
   */
  static final String DEFAULT_TARGET_JVM_OPTS = "-XX:+UseZGC";

  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    Report report = run(args);
    if (!report.runs.isEmpty()) {
      System.out.println();
      System.out.println(report.text());
    }
    System.exit(0);
  }

  /** Runs and writes the report; returns it (the smoke test reads it). */
  public static Report run(String... args) throws Exception {
    List<String> names = new ArrayList<>();
    Map<String, String> opts = new LinkedHashMap<>();
    for (String a : args) {
      if (a.startsWith("--")) {
        int eq = a.indexOf('=');
        if (eq < 0) opts.put(a.substring(2), "true");
        else opts.put(a.substring(2, eq), a.substring(eq + 1));
      } else {
        names.add(a);
      }
    }
    if (names.size() == 1 && names.get(0).equalsIgnoreCase("hostile")) {
      Path dir = Path.of(opts.getOrDefault("out", "scheduler-it/target/bench"));
      Files.createDirectories(dir);
      HostileBench.run(opts, dir);
      return new Report();
    }
    if (names.size() == 1 && names.get(0).equalsIgnoreCase("sim")) {
      ScaleSim.run(opts, Path.of(opts.getOrDefault("out", "scheduler-it/target/bench")));
      return new Report();
    }
    if (names.isEmpty()) names.add("S1");
    if (names.size() == 1 && names.get(0).equalsIgnoreCase("all")) names = List.of("S1", "S1-hangover", "S2", "S3", "S4");
    Path out = Path.of(opts.getOrDefault("out", "scheduler-it/target/bench"));
    Files.createDirectories(out);
    Report report = new Report();
    report.meta.put("started", Instant.now().toString());
    report.meta.put("command", "./scheduler bench " + String.join(" ", args));
    report.meta.put("cores", Runtime.getRuntime().availableProcessors());
    report.meta.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    report.meta.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    boolean verbose = opts.containsKey("verbose");
    List<String> jvmOpts = new ArrayList<>(List.of(opts.getOrDefault("target-jvm-opts", DEFAULT_TARGET_JVM_OPTS).trim().split("\\s+")));
    jvmOpts.removeIf(String::isBlank);
    for (String name : names) {
      if (name.equalsIgnoreCase("cluster") || name.equalsIgnoreCase("S5")) {
        ClusterBench.run(opts, jvmOpts, out, report);
        continue;
      }
      Scenario base = Scenario.named(name).with(opts);
      for (String kind : base.targets()) {
        if (opts.containsKey("url") && !kind.equals("scheduler")) continue;
        Scenario sc = base;
        boolean storm = (long) sc.nodes() * 1000 / Math.max(1, sc.heartbeatMs()) * RelayServer.SEED_STORE_WRITE_NANOS >= 1_000_000_000L;
        if (kind.equals("seed") && storm) {
          // 10,000 heartbeats/s x 2 ms of lock time = 20 s of lock per second: bound the run, report what it managed
          Map<String, String> bound = new LinkedHashMap<>();
          bound.put("duration", opts.getOrDefault("seed-duration", "10"));
          bound.put("warmup", "2");
          bound.put("drain", "5");
          sc = sc.with(bound);
        }
        String label = kind;
        System.out.printf("== %s (%s) against %s ...%n", sc.name(), sc.title(), kind);
        String overrides = kind.equals("scheduler") ? sc.schedulerOverrides() : "";
        try (Target t = opts.containsKey("url") ? new Target.Running(opts.get("url"))
            : opts.containsKey("in-process") ? new Target.InProcess(kind, overrides)
            : new Target.Child(kind, overrides, jvmOpts, out.resolve(sc.name() + "-" + kind + "-target.log").toFile())) {
          if (kind.equals("scheduler") && sc.name().equals("demo")) {
            System.out.printf("   watch it while it runs (%d s; --duration=N for longer): curl http://%s:%d/api/v1/cluster"
                + "  (also /metrics, /ready)%n", sc.durationS(), t.host, t.port);
          }
          LoadRig.Result r = new LoadRig(sc, t, label, verbose).run();
          if (kind.equals("scheduler") && sc.name().equals("demo")) RoomDemo.run(t.host, t.port, 3);
          if (kind.equals("seed") && storm) r.json.put("bounded_run", "saturates by design: " + sc.nodes() + " heartbeats/s x 2 ms under one write lock");
          report.runs.add(r);
          System.out.printf("   dispatch %s%n   end-to-end %s%n   placed %s of %s, lost %s, heartbeats %s/s of %s/s offered%s%n",
              r.json.get("dispatch_ms"), r.json.get("end_to_end_ms"), r.json.get("placed"), r.json.get("utterances_sent"), r.json.get("lost"),
              r.json.get("heartbeats_handled_per_s"), r.json.get("heartbeats_offered_per_s"),
              Boolean.TRUE.equals(r.json.get("saturated")) ? "  (SATURATED)" : "");
        }
      }
    }
    report.write(out);
    System.out.println("report: " + out.resolve("bench-report.html") + ", " + out.resolve("bench-result.json"));
    return report;
  }
}
