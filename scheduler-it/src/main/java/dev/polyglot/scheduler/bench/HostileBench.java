package dev.polyglot.scheduler.bench;

import java.io.File;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./scheduler bench hostile}: the attacks of issue 10 at the scale they were measured at, against the real
 * launcher's JVM ({@code Main}, default settings, {@code -Xmx} as the launcher sets it), with a canary node and session
 * speaking throughout. Prints, for each attack, what the attacker met, the canary's latency meanwhile and the
 * scheduler's heap after a full collection; writes the same to {@code hostile-report.txt}. Loopback only, bounded.
 */
final class HostileBench {
  private HostileBench() {}

  static void run(Map<String, String> opts, Path out) throws Exception {
    String heap = opts.getOrDefault("heap", "1g");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    int artery;
    try (ServerSocket s = new ServerSocket(0)) {
      artery = s.getLocalPort();
    }
    List<String> cmd = new ArrayList<>(List.of(System.getProperty("java.home") + "/bin/java", "-XX:+UseZGC", "-Xmx" + heap,
        "-Dlogback.configurationFile=bench-logback.xml", "-Dscheduler.http.host=127.0.0.1",
        "-Dscheduler.http.port=" + port, "-Dpekko.remote.artery.canonical.port=" + artery,
        "-cp", System.getProperty("java.class.path"), "dev.polyglot.scheduler.http.Main"));
    File log = out.resolve("hostile-target.log").toFile();
    Process target = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log).start();
    List<String> lines = new ArrayList<>();
    lines.add("./scheduler bench hostile, " + Instant.now() + ", scheduler JVM -Xmx" + heap + " (ZGC), default settings");
    try {
      awaitReady(port);
      try (Hostile.Canary canary = new Hostile.Canary("127.0.0.1", port)) {
        canary.awaitResults(5, Duration.ofSeconds(30));
        canary.window();
        String h = "127.0.0.1";
        step(lines, target, canary, Hostile.partialMessages(h, port, "/ws/node", 186, 16_000_000));
        step(lines, target, canary, Hostile.partialMessages(h, port, "/ws/session", 60, 16_000_000));
        Hostile.Probe silentNode = Hostile.silentNode(h, port, "fx", "fy"); // takes the flood's jobs, never answers
        step(lines, target, canary, Hostile.audioFlood(h, port, "fx", "fy", 20));
        silentNode.abort();
        step(lines, target, canary, Hostile.hugeFields(h, port, 50, 32, 4_000_000));
        step(lines, target, canary, Hostile.bigUtterance(h, port, "ca", "cb", 2_000_000));
        CompletableFuture<Hostile.Outcome> silent = CompletableFuture.supplyAsync(
            () -> Hostile.silentSockets(h, port, "/ws/session", 60, Duration.ofSeconds(20)));
        step(lines, target, canary, Hostile.slowloris(h, port, 500, Duration.ofSeconds(5), Duration.ofSeconds(20)));
        step(lines, target, canary, silent.join());
        step(lines, target, canary, Hostile.manySockets(h, port, "/ws/session", 2_000));
        step(lines, target, canary, Hostile.takeover(h, port, canary.nodeId,
            RigNode.registerJson(canary.nodeId, List.of("ca", "cb"), true)));
        step(lines, target, canary, Hostile.fakeNodes(h, port, 2_000, i -> RigNode.registerJson(null, List.of("za", "zb"), true)));
        step(lines, target, canary, Hostile.slowReader(h, port, 200_000));
        step(lines, target, canary, Hostile.httpHammer(h, port, "/api/v1/cluster", 16, 20_000));
      }
    } finally {
      target.destroy();
      if (!target.waitFor(20, TimeUnit.SECONDS)) target.destroyForcibly();
      Files.write(out.resolve("hostile-report.txt"), lines, StandardCharsets.UTF_8);
      System.out.println("report: " + out.resolve("hostile-report.txt") + "; the scheduler's log: " + log);
    }
  }

  private static void step(List<String> lines, Process target, Hostile.Canary canary, Hostile.Outcome o) {
    canary.awaitResults(3, Duration.ofSeconds(30));
    Hostile.Canary.Window w = canary.window();
    long heap = Heap.usedAfterGc(target.pid());
    String line = String.format("%s | canary %d results, p50 %d ms, p99 %d ms, unanswered %d | heap after GC %d MB | %s",
        o, w.latencies().size(), w.p50(), w.p99(), w.unanswered(), heap / (1024 * 1024), target.isAlive() ? "alive" : "DEAD");
    System.out.println(line);
    lines.add(line);
    if (!target.isAlive()) throw new IllegalStateException("the scheduler died during " + o.attack());
  }

  private static void awaitReady(int port) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    java.net.http.HttpClient c = java.net.http.HttpClient.newHttpClient();
    while (System.nanoTime() < deadline) {
      try {
        var r = c.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/ready"))
            .timeout(Duration.ofSeconds(2)).build(), java.net.http.HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) return;
      } catch (Exception notYet) {
        // starting
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    throw new IllegalStateException("the scheduler did not become ready within 60 s");
  }
}
