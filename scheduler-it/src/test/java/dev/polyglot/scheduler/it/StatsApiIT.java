package dev.polyglot.scheduler.it;

import static org.junit.jupiter.api.Assertions.*;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * lingua's {@code /api/v1/stats} and {@code /api/v1/metrics} (PROTOCOL.md §10.2, §10.4) with a live node and session,
 * and the job lines operators search by id (BEHAVIOUR.md §15).
 */
class StatsApiIT {
  static Server server;

  @BeforeAll
  static void start() {
    server = Server.start("scheduler.stats.snapshot-interval = 200ms\n");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void statsCountTheLiveSessionsLanguagesAndTheConnectedNodesInLinguasShape() {
    FakeNode node = FakeNode.ready(server.port, List.of("zh", "en"));
    node.keepHeartbeating(300); // as a real agent: the node's entity reports itself while it hears from it
    FakeClient client = FakeClient.connect(server.port);
    client.initOneWay("zh", "en");
    client.initTwoWay("zh", "ja");
    Server.await("two sessions and the node in /api/v1/stats", () -> {
      JsonNode s = Api.json(server.port, "/api/v1/stats");
      // the nodes of the other tests of this class have closed by now, and show so within a snapshot or two
      return s.path("nodes").path("connected_nodes").asInt() == 1 && s.toString().contains(node.nodeId)
          && s.path("web_clients").path("language_usage").path("ja").path("total").asInt() == 2;
    });
    JsonNode stats = Api.json(server.port, "/api/v1/stats");
    JsonNode web = stats.path("web_clients");
    assertEquals(1, web.path("active_users").asInt(), "one /ws/session connection: " + web);
    assertEquals(3, web.path("language_usage").path("zh").path("as_source").asInt() + web.path("language_usage")
        .path("zh").path("as_target").asInt(), "zh: source of one, source and target of the two-way: " + web);
    assertEquals(1, web.path("language_usage").path("en").path("as_target").asInt());
    assertEquals(0, web.path("language_usage").path("en").path("as_source").asInt());
    assertEquals("zh", web.path("top_languages").get(0).path("language").asText());
    assertEquals(3, web.path("top_languages").get(0).path("count").asInt());
    JsonNode nodes = stats.path("nodes");
    assertEquals(1, nodes.path("type_node_counts").path("Asr").asInt(), nodes.toString());
    assertEquals(1, nodes.path("type_in_use_counts").path("Asr").asInt());
    assertTrue(nodes.path("available_services").isArray() && nodes.path("available_services").isEmpty());
    assertEquals(0, nodes.path("total_services").asInt());
    JsonNode power = nodes.path("compute_power");
    assertEquals(16.0, power.path("total_cpu_power").asDouble(), 0.01);
    assertEquals(24.0, power.path("total_gpu_power").asDouble(), 0.01);
    assertEquals(64.0, power.path("total_memory_power").asDouble(), 0.01);
    JsonNode detail = power.path("node_power_details").get(0);
    assertEquals(node.nodeId, detail.path("node_id").asText());
    assertEquals(14.4, detail.path("cpu_power").asDouble(), 0.01, "16 cores at 10 % cpu");
    assertEquals(11.8, detail.path("service_efficiencies").path("faster-whisper-vad").asDouble(), 0.01);
    client.close();
    node.close();
  }

  @Test
  void apiMetricsHasLinguasEightKeysAndTheSchedulersOwnWithLatenciesOfRealJobs() {
    FakeNode node = FakeNode.ready(server.port, List.of("m1", "m2"));
    node.autoRespond(0);
    FakeClient client = FakeClient.connect(server.port);
    String sid = client.initOneWay("m1", "m2");
    for (int i = 0; i < 3; i++) {
      client.speak(sid, i);
      client.awaitResult(sid);
    }
    Server.await("three jobs in /api/v1/metrics", () -> Api.json(server.port, "/api/v1/metrics").path("asr")
        .path("e2e_latency").path("count").asInt() >= 3);
    JsonNode m = Api.json(server.port, "/api/v1/metrics");
    Set<String> keys = new TreeSet<>();
    m.fieldNames().forEachRemaining(keys::add);
    assertEquals(new TreeSet<>(List.of("stats", "service_catalog", "model_not_available", "dispatch_exclude",
        "web_task_segmentation", "observability", "rerun", "asr", "scheduler")), keys);
    assertTrue(m.path("stats").path("snapshot_updated_at_ms").asLong() > 0);
    assertEquals(7, m.path("dispatch_exclude").path("by_reason").size());
    assertTrue(m.path("web_task_segmentation").path("finalized_by_send_total").asInt() >= 3, m.toString());
    assertEquals(3000, m.path("web_task_segmentation").path("pause_ms").asInt());
    JsonNode e2e = m.path("asr").path("e2e_latency");
    assertTrue(e2e.path("p50_ms").asLong() <= e2e.path("p95_ms").asLong() && e2e.path("p95_ms").asLong() <= e2e
        .path("p99_ms").asLong(), e2e.toString());
    JsonNode s = m.path("scheduler");
    assertTrue(s.path("jobs_created_total").asInt() >= 3);
    assertTrue(s.path("jobs_by_outcome").path("completed").asInt() >= 3);
    assertTrue(s.path("attempts_by_reason").path("initial").asInt() >= 3);
    assertTrue(s.path("placements_by_outcome").path("placed").asInt() >= 3);
    for (String w : new String[] {"dispatch", "pending_wait", "job_latency", "end_to_end"}) {
      assertTrue(s.path("latency_ms").path(w).path("count").asInt() >= 3, w + ": " + s.path("latency_ms"));
    }
    assertEquals(1, s.path("instances").size());
    client.close();
    node.close();
  }

  @Test
  void jobLinesCarryTheTraceJobAttemptAndSessionIdsInTheMdc() {
    Logger jobs = (Logger) LoggerFactory.getLogger("dev.polyglot.scheduler.jobs");
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    Level before = jobs.getLevel();
    jobs.setLevel(Level.INFO);
    jobs.addAppender(lines);
    try {
      FakeNode node = FakeNode.ready(server.port, List.of("l1", "l2"));
      FakeClient client = FakeClient.connect(server.port);
      String sid = client.initOneWay("l1", "l2");
      client.speak(sid, 1);
      JsonNode job = node.awaitJob();
      node.succeed(job, "hi", "hallo");
      client.awaitResult(sid);
      Server.await("the job's finished line", () -> List.copyOf(lines.list).stream().anyMatch(e ->
          job.path("job_id").asText().equals(e.getMDCPropertyMap().get("job_id"))));
      ILoggingEvent e = List.copyOf(lines.list).stream().filter(x ->
          job.path("job_id").asText().equals(x.getMDCPropertyMap().get("job_id"))).findFirst().orElseThrow();
      assertTrue(e.getFormattedMessage().startsWith("job finished: completed"), e.getFormattedMessage());
      assertEquals(job.path("trace_id").asText(), e.getMDCPropertyMap().get("trace_id"));
      assertEquals("1", e.getMDCPropertyMap().get("attempt_id"));
      assertEquals(sid, e.getMDCPropertyMap().get("session_id"));
      assertEquals(node.nodeId, e.getMDCPropertyMap().get("node_id"));
      assertEquals(job.path("utterance_index").asText(), e.getMDCPropertyMap().get("utterance_index"));
      client.close();
      node.close();
    } finally {
      jobs.detachAppender(lines);
      jobs.setLevel(before);
    }
  }
}
