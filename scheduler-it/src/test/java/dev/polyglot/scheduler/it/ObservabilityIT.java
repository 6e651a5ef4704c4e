package dev.polyglot.scheduler.it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The observability endpoints are cheap (issue 10): they answer from snapshots, so a flood of requests does not slow
 * a session down; and what a node sends cannot create metric series or corrupt the Prometheus text.
 */
class ObservabilityIT {
  static Server server;

  @BeforeAll
  static void start() {
    server = Server.start("scheduler.stats.snapshot-interval = 300ms\n");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** Issue 10: /api/v1/cluster at 1,000 requests/s put a canary session's p95 at 530 ms and its max at 1.03 s. */
  @Test
  void aThousandClusterRequestsFromFourThreadsDoNotDelayACanarySessionsResults() throws Exception {
    FakeNode node = FakeNode.ready(server.port, List.of("o1", "o2"));
    node.autoRespond(0);
    FakeClient canary = FakeClient.connect(server.port);
    String sid = canary.initOneWay("o1", "o2");
    List<Long> quiet = canaryLatencies(canary, sid, 5, 0);

    long rendersBefore = server.metrics().value("api_cluster_renders_total");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    AtomicInteger ok = new AtomicInteger();
    List<Future<?>> flood = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int t = 0; t < 4; t++) {
      flood.add(pool.submit(() -> {
        HttpClient http = HttpClient.newHttpClient();
        for (int i = 0; i < 250; i++) {
          try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port + "/api/v1/cluster")).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200 && r.body().contains("\"instances\"")) ok.incrementAndGet();
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        }
        return null;
      }));
    }
    List<Long> loaded = canaryLatencies(canary, sid, 10, 100);
    for (Future<?> f : flood) f.get(60, TimeUnit.SECONDS);
    long floodMs = (System.nanoTime() - t0) / 1_000_000;
    pool.shutdown();
    assertEquals(1_000, ok.get(), "every request answered 200 with the cluster JSON");
    long renders = server.metrics().value("api_cluster_renders_total") - rendersBefore;
    System.out.printf("/api/v1/cluster rendered %d times for 1,000 requests (once per snapshot, every 300 ms)%n", renders);
    assertTrue(renders <= floodMs / 300 + 5, "rendered per snapshot, not per request: " + renders);
    long[] q = sorted(quiet);
    long[] l = sorted(loaded);
    System.out.printf("canary result latency: quiet p50 %d ms p99 %d ms; during 1,000 /api/v1/cluster requests from 4"
        + " threads (%d ms, %.0f req/s) p50 %d ms p99 %d ms%n", q[q.length / 2], q[q.length - 1], floodMs,
        1_000_000.0 / Math.max(1, floodMs), l[l.length / 2], l[l.length - 1]);
    assertTrue(l[l.length - 1] < 2_000, "a generous bound: the canary's slowest result took " + l[l.length - 1] + " ms");
    canary.close();
    node.close();
  }

  /** Utterances one after another; each latency is from the final chunk to its translation_result. */
  private static List<Long> canaryLatencies(FakeClient c, String sid, int n, long gapMs) throws InterruptedException {
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      c.chunk(sid, FakeClient.opusFrame(i));
      long t0 = System.nanoTime();
      c.finalChunk(sid);
      c.awaitResult(sid);
      out.add((System.nanoTime() - t0) / 1_000_000);
      Thread.sleep(gapMs);
    }
    return out;
  }

  private static long[] sorted(List<Long> xs) {
    long[] a = xs.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(a);
    return a;
  }

  /** Issue 10: node error codes and extra.reason became label values as sent, newlines and quotes included. */
  @Test
  void aNodeErrorCodeWithQuotesNewlinesAndBracesAppearsInMetricsOnlyAsOther() throws Exception {
    FakeNode node = FakeNode.ready(server.port, List.of("o3", "o4"));
    FakeClient client = FakeClient.connect(server.port);
    String sid = client.initOneWay("o3", "o4");
    client.speak(sid, 1);
    JsonNode job = node.awaitJob();
    node.fail(job, "X\\\"\\n{evil}", "hostile code"); // JSON for the code X"<newline>{evil}
    client.peer.await("error");
    client.speak(sid, 2);
    JsonNode second = node.awaitJob();
    node.empty(second, "R\\\"\\n}{evil_reason", second.path("attempt_id").asInt());
    String series = "scheduler_jobs_finished_total{code=\"other\",outcome=\"failed\"}";
    String[] body = new String[1];
    Server.await("the failed job in /metrics as code other", () -> {
      body[0] = metricsText();
      return body[0].contains(series) && body[0].contains("scheduler_jobs_finished_total{code=\"other\",outcome=\"empty\"}");
    });
    assertFalse(body[0].contains("evil"), "no value a node chose appears:\n" + body[0]);
    for (String line : body[0].split("\n")) {
      if (!line.contains("scheduler_")) continue; // the JVM's own metrics (jvm_*, process_*)
      assertTrue(line.matches("# (TYPE|HELP) scheduler_[a-z_]+ .+")
              || line.matches("scheduler_[a-z_]+(\\{[^{}\\n]*})? -?[0-9.E+-]+|scheduler_[a-z_]+\\{le=\"\\+Inf\"} [0-9.E+-]+"),
          "every line is a valid sample: " + line);
    }
    client.close();
    node.close();
  }

  private static String metricsText() {
    try {
      return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port + "/metrics"))
          .build(), HttpResponse.BodyHandlers.ofString()).body();
    } catch (Exception e) {
      return "";
    }
  }
}
