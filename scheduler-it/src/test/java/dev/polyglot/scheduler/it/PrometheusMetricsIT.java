package dev.polyglot.scheduler.it;

import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.ops.MetricCatalog;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code /metrics} through the Prometheus client: HELP everywhere, gauges, histograms of real jobs, JVM metrics. */
class PrometheusMetricsIT {
  static Server server;

  @BeforeAll
  static void start() {
    server = Server.start("scheduler.stats.snapshot-interval = 200ms\n");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String metrics() {
    return Api.get(server.port, "/metrics").body();
  }

  private static double value(String text, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
    return m.find() ? Double.parseDouble(m.group(1)) : -1;
  }

  @Test
  void afterAJobTheHistogramsGaugesAndJvmMetricsAreExposedWithHelp() {
    FakeNode node = FakeNode.ready(server.port, List.of("q1", "q2"));
    node.keepHeartbeating(300); // as a real agent: the node's entity reports itself while it hears from it
    node.autoRespond(0);
    FakeClient client = FakeClient.connect(server.port);
    String sid = client.initOneWay("q1", "q2");
    client.speak(sid, 1);
    client.awaitResult(sid);
    Server.await("the job's histograms and the live session in /metrics", () -> {
      String t = metrics();
      return value(t, "scheduler_end_to_end_seconds_count") >= 1 && value(t, "scheduler_sessions_active") == 1
          && value(t, "scheduler_nodes{status=\"ready\"}") == 1 && value(t, "scheduler_dispatch_seconds_count") >= 1
          && value(t, "scheduler_pool_free_slots{pool=\"q1:q2\"}") == 4;
    });
    String text = metrics();
    for (String h : new String[] {"dispatch_seconds", "end_to_end_seconds", "job_latency_seconds", "pending_wait_seconds",
        "node_processing_seconds", "result_hold_seconds"}) {
      assertTrue(text.contains("# TYPE scheduler_" + h + " histogram"), h);
      assertTrue(value(text, "scheduler_" + h + "_count") >= 1, h + " observed the job:\n" + text);
      assertTrue(text.contains("scheduler_" + h + "_bucket{le=\"0.005\"}"), h + " has buckets");
    }
    assertTrue(value(text, "scheduler_placement_seconds_count{outcome=\"placed\"}") >= 1);
    assertEquals(1, value(text, "scheduler_session_connections"));
    assertEquals(1, value(text, "scheduler_node_connections"));
    assertEquals(0, value(text, "scheduler_nodes{status=\"offline\"}"), "every status is a series");
    assertEquals(1, value(text, "scheduler_pool_nodes{pool=\"q1:q2\",state=\"selectable\"}"));
    assertEquals(0, value(text, "scheduler_pending_jobs"));
    assertEquals(1, value(text, "scheduler_cluster_members{state=\"up\"}"));
    assertEquals(1, value(text, "scheduler_ready"));
    assertEquals(1, value(text, "scheduler_jobs_created_total{path=\"stream\"}"));
    assertEquals(1, value(text, "scheduler_finalize_total{reason=\"manual\"}"), "named as PROTOCOL.md §10.5");
    assertTrue(value(text, "jvm_memory_used_bytes{area=\"heap\"}") > 0, "the JVM's metrics");
    assertTrue(text.contains("# TYPE process_cpu_seconds_total counter"));

    Set<String> withoutHelp = new TreeSet<>();
    Set<String> uncatalogued = new TreeSet<>();
    Matcher type = Pattern.compile("(?m)^# TYPE (scheduler_[a-z_]+) ").matcher(text);
    while (type.find()) {
      String name = type.group(1);
      if (!text.contains("# HELP " + name + " ")) withoutHelp.add(name);
      if (!MetricCatalog.exportedNames().contains(name.substring("scheduler_".length()))) uncatalogued.add(name);
    }
    assertEquals(Set.of(), withoutHelp);
    assertEquals(Set.of(), uncatalogued);
    client.close();
    node.close();
  }
}
