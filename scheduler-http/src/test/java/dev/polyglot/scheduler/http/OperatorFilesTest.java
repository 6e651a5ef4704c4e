package dev.polyglot.scheduler.http;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.polyglot.scheduler.ops.MetricCatalog;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The operator files in conf/ reference only metrics that /metrics exports. */
class OperatorFilesTest {
  private static final Path CONF = Path.of("../conf");
  private static final Pattern METRIC = Pattern.compile("\\b((?:scheduler|jvm|process)_[a-z_]+)\\b");

  /** Names as exported: the catalogue's (prefixed) and the JVM collectors' (with their suffixes). */
  private static Set<String> exported() {
    Set<String> names = new TreeSet<>();
    for (String n : MetricCatalog.exportedNames()) names.add("scheduler_" + n);
    PrometheusRegistry jvm = new PrometheusRegistry();
    JvmMetrics.builder().register(jvm);
    for (MetricSnapshot s : jvm.scrape()) {
      String n = s.getMetadata().getPrometheusName();
      names.add(n);
      for (String suffix : new String[] {"_total", "_sum", "_count", "_bucket", "_created"}) names.add(n + suffix);
    }
    return names;
  }

  private static Set<String> referenced(String text) {
    Set<String> out = new TreeSet<>();
    Matcher m = METRIC.matcher(text);
    while (m.find()) out.add(m.group(1));
    return out;
  }

  @Test
  void everyMetricTheAlertRulesUseExists() throws Exception {
    String rules = Files.readString(CONF.resolve("prometheus/scheduler-alerts.yml"));
    Set<String> used = referenced(rules);
    assertTrue(used.size() >= 8, "the rules use the scheduler's metrics: " + used);
    used.removeAll(exported());
    assertEquals(Set.of(), used, "metrics in conf/prometheus/scheduler-alerts.yml that /metrics does not export");
    for (String alert : new String[] {"SchedulerNoReadyNodeInPool", "SchedulerJobsTimingOut", "SchedulerPendingQueueGrowing",
        "SchedulerRedisDegraded", "SchedulerInstanceUnreachable"}) {
      assertTrue(rules.contains("alert: " + alert), "the rules alert on " + alert);
    }
    assertEquals(count(rules, "- alert:"), count(rules, "expr:"), "every alert has an expression");
  }

  @Test
  void everyMetricTheGrafanaDashboardUsesExistsAndItIsValidJson() throws Exception {
    JsonNode dashboard = new ObjectMapper().readTree(CONF.resolve("grafana/scheduler-dashboard.json").toFile());
    Set<String> used = new TreeSet<>();
    int targets = 0;
    for (JsonNode panel : dashboard.path("panels")) {
      assertFalse(panel.path("title").asText().isEmpty(), "every panel has a title");
      for (JsonNode t : panel.path("targets")) {
        targets++;
        used.addAll(referenced(t.path("expr").asText()));
      }
    }
    assertTrue(targets >= 20, "the dashboard queries: " + targets);
    for (String needed : new String[] {"scheduler_dispatch_seconds_bucket", "scheduler_end_to_end_seconds_bucket",
        "scheduler_nodes", "scheduler_pool_free_slots", "scheduler_sessions_active", "jvm_memory_used_bytes"}) {
      assertTrue(used.contains(needed), "the dashboard shows " + needed);
    }
    used.removeAll(exported());
    assertEquals(Set.of(), used, "metrics in conf/grafana/scheduler-dashboard.json that /metrics does not export");
  }

  private static int count(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) n++;
    return n;
  }
}
