package dev.polyglot.scheduler.it;

import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 10: 186 unregistered node sockets each holding an unfinished 15.9 MB message took the heap to 5.4 GB and the
 * JVM to an OutOfMemoryError. Here, at CI scale against a scheduler JVM started with {@code -Xmx256m}: 40 session
 * sockets each stream 3 MiB of one message without its last frame, and 10 unregistered node sockets 1 MiB each,
 * while a canary session keeps speaking to a canary node. The budget for unfinished messages (1/8 of the heap) holds
 * what fits and refuses the rest; the JVM lives, the canary keeps getting results, and the heap after a full GC stays
 * under a stated bound.
 */
class PartialMessageFloodIT {
  static final int PART = 64 * 1024;
  static final int SESSION_ATTACKERS = 40;
  static final int NODE_ATTACKERS = 10;
  static final long SESSION_MESSAGE = 3L << 20;
  static final long NODE_MESSAGE = 1L << 20;
  /**
   * The heap the scheduler may keep after a full GC with the attackers still connected: half its max heap (the
   * budget's 31 MiB on top of ~20 MiB of its own measured 50 MiB in all).
   */
  static final long HEAP_BOUND = 128L << 20;
  static SchedulerProcess scheduler;

  @BeforeAll
  static void start() {
    scheduler = SchedulerProcess.start("budget-1", SchedulerProcess.Ports.free(), List.of());
    Server.await("the scheduler ready", () -> scheduler.ready() != null, Duration.ofSeconds(60));
  }

  @AfterAll
  static void stop() {
    if (scheduler != null) scheduler.close();
  }

  @Test
  void manySocketsHoldingUnfinishedMessagesCannotExhaustTheHeapAndTheCanaryKeepsItsResults() throws Exception {
    int port = scheduler.httpPort;
    String line = scheduler.log.stream().filter(l -> l.contains("memory budgets: max heap")).findFirst()
        .orElseThrow(() -> new AssertionError("no memory budgets line at start-up: " + scheduler.log));
    System.out.println("start-up: " + line.substring(line.indexOf("memory budgets")));
    Matcher m = Pattern.compile("partial inbound messages ([0-9.]+) MiB").matcher(line);
    assertTrue(m.find(), line);
    long budget = (long) (Double.parseDouble(m.group(1)) * (1 << 20));
    assertTrue(budget > 16L << 20 && budget <= 32L << 20, "1/8 of a 256 MiB heap: " + budget);

    FakeNode node = FakeNode.ready(port, List.of("zh", "en"));
    node.autoRespond(10);
    FakeClient canary = FakeClient.connect(port);
    String sid = canary.initOneWay("zh", "en");
    canary.speak(sid, 1);
    canary.awaitResult(sid);

    List<Peer> sessions = new ArrayList<>();
    List<Peer> nodes = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> sending = new ArrayList<>();
      for (int i = 0; i < SESSION_ATTACKERS; i++) {
        Peer p = Peer.connect(port, "/ws/session");
        sessions.add(p);
        sending.add(pool.submit(() -> streamWithoutEnd(p, "{\"type\":\"audio_chunk\",\"payload\":\"", SESSION_MESSAGE)));
      }
      for (int i = 0; i < NODE_ATTACKERS; i++) {
        Peer p = Peer.connect(port, "/ws/node");
        nodes.add(p);
        sending.add(pool.submit(() -> streamWithoutEnd(p, "{\"type\":\"node_register\",\"pad\":\"", NODE_MESSAGE)));
      }
      int results = 0;
      long slowest = 0;
      for (int i = 0; i < 5; i++) { // the canary speaks while the attack runs
        long t0 = System.nanoTime();
        canary.speak(sid, 10 + i);
        canary.awaitResult(sid);
        slowest = Math.max(slowest, System.nanoTime() - t0);
        results++;
      }
      for (Future<?> f : sending) f.get(60, TimeUnit.SECONDS);
      Server.await("every refused attacker told and closed", () -> {
        for (Peer p : nodes) if (!p.closed.isDone()) return false;
        return refused(sessions) >= SESSION_ATTACKERS - budget / SESSION_MESSAGE;
      }, Duration.ofSeconds(30));
      for (Peer p : nodes) assertEquals("MESSAGE_TOO_BIG", p.await("error").path("code").asText());
      int refused = refused(sessions);
      int holding = (int) sessions.stream().filter(p -> !p.closed.isDone()).count();
      String metrics = get(port, "/metrics");
      long held = gauge(metrics, "scheduler_inbound_partial_bytes");
      System.out.printf("attack: %d session sockets x %d MiB unfinished: %d refused (MESSAGE_TOO_BIG, closed), %d holding"
              + " %.1f MiB of a %.1f MiB budget; %d unregistered node sockets x %d MiB: all refused at 64 KiB%n",
          SESSION_ATTACKERS, SESSION_MESSAGE >> 20, refused, holding, held / (double) (1 << 20), budget / (double) (1 << 20),
          NODE_ATTACKERS, NODE_MESSAGE >> 20);
      assertEquals(SESSION_ATTACKERS, refused + holding, "each attacker is either refused or holding its message");
      assertTrue(held <= budget, "held " + held + " of " + budget);
      assertTrue((long) holding * SESSION_MESSAGE <= budget + SESSION_MESSAGE, holding + " sockets holding");
      // /metrics is rendered on the snapshot timer (stats.snapshot-interval): the refusals show within an interval
      String[] later = {metrics};
      Server.await("the budget's refusals in /metrics", () -> {
        try {
          later[0] = get(port, "/metrics");
        } catch (Exception notYet) {
          return false;
        }
        return later[0].contains("scheduler_inbound_budget_refused_total{socket=\"session\"} ");
      }, Duration.ofSeconds(30));

      canary.speak(sid, 20);
      canary.awaitResult(sid);
      results++;
      long heap = heapAfterFullGc(scheduler.pid());
      System.out.printf("canary: %d results, slowest %d ms during the attack; heap after a full GC %.1f MiB (bound %d MiB)"
          + " with %d sockets still holding their messages%n", results, TimeUnit.NANOSECONDS.toMillis(slowest),
          heap / (double) (1 << 20), HEAP_BOUND >> 20, holding);
      assertTrue(scheduler.alive(), "the scheduler JVM lives");
      assertFalse(scheduler.logged("OutOfMemoryError"), "no OutOfMemoryError");
      assertTrue(heap < HEAP_BOUND, "heap after a full GC " + heap);
    } finally {
      pool.shutdownNow();
      for (Peer p : sessions) p.abort();
      for (Peer p : nodes) p.abort();
      canary.close();
      node.close();
    }
    Server.await("every reservation returned once the attackers left", () -> {
      try {
        return gauge(get(port, "/metrics"), "scheduler_inbound_partial_bytes") == 0;
      } catch (Exception e) {
        return false;
      }
    }, Duration.ofSeconds(20));
  }

  /** Sends {@code head}, then parts up to {@code size} bytes, never the last frame; stops when answered or closed. */
  private static Void streamWithoutEnd(Peer p, String head, long size) throws Exception {
    String part = "A".repeat(PART);
    p.sendPart(head, false).get(20, TimeUnit.SECONDS);
    for (long sent = head.length(); sent + PART <= size; sent += PART) {
      if (p.closed.isDone() || !p.all("error").isEmpty()) return null;
      try {
        p.sendPart(part, false).get(20, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException closed) {
        return null;
      }
    }
    return null;
  }

  private static int refused(List<Peer> peers) {
    int n = 0;
    for (Peer p : peers) {
      if (p.closed.isDone() && p.all("error").stream().anyMatch(e -> "MESSAGE_TOO_BIG".equals(e.path("code").asText()))) n++;
    }
    return n;
  }

  private static String get(int port, String path) throws Exception {
    return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
  }

  private static long gauge(String metrics, String name) {
    // the Prometheus client writes every value as a double (0.0, 1.34217728E8)
    Matcher m = Pattern.compile("(?m)^" + name + " (\\S+)$").matcher(metrics);
    if (!m.find()) throw new AssertionError("no " + name + " in /metrics");
    return (long) Double.parseDouble(m.group(1));
  }

  /** Used heap of the scheduler JVM after {@code jcmd GC.run} (young and old generations). */
  private static long heapAfterFullGc(long pid) throws Exception {
    String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    run(jcmd, Long.toString(pid), "GC.run");
    String info = run(jcmd, Long.toString(pid), "GC.heap_info");
    Matcher m = Pattern.compile("(?m)^\\s*(def new|tenured) generation\\s+total \\d+K, used (\\d+)K").matcher(info);
    long used = 0;
    int found = 0;
    while (m.find()) {
      used += Long.parseLong(m.group(2)) * 1024;
      found++;
    }
    if (found != 2) throw new AssertionError("unexpected GC.heap_info: " + info);
    return used;
  }

  private static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    StringBuilder out = new StringBuilder();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String l; (l = r.readLine()) != null; ) out.append(l).append('\n');
    }
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("jcmd did not finish");
    }
    return out.toString();
  }
}
