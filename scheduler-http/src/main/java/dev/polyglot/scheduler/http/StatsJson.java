package dev.polyglot.scheduler.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.polyglot.scheduler.api.CapabilityByType;
import dev.polyglot.scheduler.api.InstalledService;
import dev.polyglot.scheduler.api.NodeFigures;
import dev.polyglot.scheduler.api.NodeStatus;
import dev.polyglot.scheduler.api.NodeSummary;
import dev.polyglot.scheduler.ops.InstanceReports;
import dev.polyglot.scheduler.ops.MetricCatalog;
import dev.polyglot.scheduler.ops.OpsReports;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * lingua's {@code /api/v1/stats} (PROTOCOL.md §10.2) and {@code /api/v1/metrics} (§10.4) from the instance reports
 * (nodes) and the operators' snapshot (sessions, counters and latencies of every instance). Pure: what lingua had and
 * this scheduler does not track is 0 or empty, as §10.4 allows.
 */
final class StatsJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  static final List<String> EXCLUDE_REASONS = List.of("not_ready", "draining", "capability_not_ready",
      "over_threshold", "full", "excluded", "ask_timeout");

  private StatsJson() {}

  // ---------------------------------------------------------------- /api/v1/stats

  static ObjectNode stats(InstanceReports.Snapshot cluster, OpsReports.Snapshot ops) {
    ObjectNode root = F.objectNode();
    ObjectNode web = root.putObject("web_clients");
    int users = 0;
    Map<String, int[]> use = new TreeMap<>();
    for (OpsReports.Report r : ops.reports()) {
      users += r.sessionConnections();
      r.languages().forEach((lang, u) -> {
        int[] x = use.computeIfAbsent(lang, k -> new int[2]);
        x[0] += u.asSource();
        x[1] += u.asTarget();
      });
    }
    web.put("active_users", users);
    List<Map.Entry<String, int[]>> top = new ArrayList<>(use.entrySet());
    top.sort(Comparator.comparingInt((Map.Entry<String, int[]> e) -> -(e.getValue()[0] + e.getValue()[1]))
        .thenComparing(Map.Entry::getKey));
    ArrayNode topLanguages = web.putArray("top_languages");
    for (Map.Entry<String, int[]> e : top.subList(0, Math.min(10, top.size()))) {
      topLanguages.addObject().put("language", e.getKey()).put("count", e.getValue()[0] + e.getValue()[1]);
    }
    ObjectNode usage = web.putObject("language_usage");
    use.forEach((lang, x) -> usage.putObject(lang).put("as_source", x[0]).put("as_target", x[1]).put("total", x[0] + x[1]));

    ObjectNode nodes = root.putObject("nodes");
    List<NodeSummary> connected = new ArrayList<>();
    for (AdminJson.HostedNode h : AdminJson.nodes(cluster)) if (h.summary().connected()) connected.add(h.summary());
    nodes.put("connected_nodes", connected.size());
    Map<String, Integer> installed = new TreeMap<>();
    Map<String, Integer> inUse = new TreeMap<>();
    for (NodeSummary n : connected) {
      Set<String> types = new LinkedHashSet<>();
      for (InstalledService s : n.services()) if (s.type() != null) types.add(ClusterJson.capitalised(s.type()));
      types.forEach(t -> installed.merge(t, 1, Integer::sum));
      Set<String> ready = new LinkedHashSet<>();
      for (CapabilityByType c : n.capabilities()) if (c.ready() && c.type() != null) ready.add(ClusterJson.capitalised(c.type()));
      ready.forEach(t -> inUse.merge(t, 1, Integer::sum));
    }
    ObjectNode typeCounts = nodes.putObject("type_node_counts");
    installed.forEach(typeCounts::put);
    nodes.putArray("available_services");
    nodes.put("total_services", 0);
    ObjectNode inUseCounts = nodes.putObject("type_in_use_counts");
    inUse.forEach(inUseCounts::put);
    ObjectNode power = nodes.putObject("compute_power");
    double cpu = 0, gpu = 0, mem = 0;
    ArrayNode details = F.arrayNode();
    for (NodeSummary n : connected) {
      NodeFigures f = n.figures();
      double cores = f == null || f.hardware().cpuCores() == null ? 0 : f.hardware().cpuCores();
      double gpuGb = f == null ? 0 : f.gpuMemoryGb();
      double memGb = f == null || f.hardware().memoryGb() == null ? 0 : f.hardware().memoryGb();
      cpu += cores;
      gpu += gpuGb;
      mem += memGb;
      double cpuPct = n.usage() == null ? 0 : n.usage().cpuPercent();
      double gpuPct = n.usage() == null || n.usage().gpuPercent() == null ? 0 : n.usage().gpuPercent();
      double memPct = n.usage() == null ? 0 : n.usage().memPercent();
      ObjectNode d = details.addObject();
      d.put("node_id", n.nodeId());
      d.put("node_name", n.nodeId());
      d.put("cpu_power", round(cores * (1 - cpuPct / 100)));
      d.put("gpu_power", round(gpuGb * (1 - gpuPct / 100)));
      d.put("memory_power", round(memGb * (1 - memPct / 100)));
      if (f != null && !f.serviceEfficiencies().isEmpty()) {
        ObjectNode eff = d.putObject("service_efficiencies");
        f.serviceEfficiencies().forEach(eff::put);
      }
    }
    power.put("total_cpu_power", round(cpu));
    power.put("total_gpu_power", round(gpu));
    power.put("total_memory_power", round(mem));
    power.set("node_power_details", details);
    return root;
  }

  private static double round(double v) {
    return Math.round(v * 10) / 10.0;
  }

  // ---------------------------------------------------------------- /api/v1/metrics

  /** Counter series summed over every instance, by series key ({@code name{labels}}). */
  static Map<String, Long> counters(OpsReports.Snapshot ops) {
    Map<String, Long> out = new TreeMap<>();
    for (OpsReports.Report r : ops.reports()) r.counters().forEach((k, v) -> out.merge(k, v, Long::sum));
    return out;
  }

  /** The sum of the series of {@code name} whose labels contain every given {@code label="value"}. */
  static long sum(Map<String, Long> counters, String name, String... labels) {
    long total = 0;
    for (Map.Entry<String, Long> e : counters.entrySet()) {
      String k = e.getKey();
      if (!(k.equals(name) || k.startsWith(name + "{"))) continue;
      boolean all = true;
      for (String l : labels) all &= k.contains(l);
      if (all) total += e.getValue();
    }
    return total;
  }

  /** The values of one label of a counter and their sums. */
  static Map<String, Long> byLabel(Map<String, Long> counters, String name, String label) {
    Map<String, Long> out = new TreeMap<>();
    String marker = label + "=\"";
    for (Map.Entry<String, Long> e : counters.entrySet()) {
      String k = e.getKey();
      if (!k.startsWith(name + "{")) continue;
      int i = k.indexOf(marker);
      if (i < 0) continue;
      int end = k.indexOf('"', i + marker.length());
      out.merge(k.substring(i + marker.length(), end), e.getValue(), Long::sum);
    }
    return out;
  }

  /** Percentiles over every instance's recent values (each instance's samples weighted by its count). */
  static ObjectNode latency(OpsReports.Snapshot ops, String window) {
    List<double[]> weighted = new ArrayList<>();
    long count = 0;
    long max = 0;
    for (OpsReports.Report r : ops.reports()) {
      OpsReports.Latency l = r.latencies().get(window);
      if (l == null || l.count() == 0 || l.samples().isEmpty()) continue;
      count += l.count();
      max = Math.max(max, l.max());
      double w = (double) l.count() / l.samples().size();
      for (long v : l.samples()) weighted.add(new double[] {v, w});
    }
    weighted.sort(Comparator.comparingDouble(x -> x[0]));
    ObjectNode o = F.objectNode();
    o.put("p50_ms", quantile(weighted, 0.50));
    o.put("p95_ms", quantile(weighted, 0.95));
    o.put("p99_ms", quantile(weighted, 0.99));
    o.put("max_ms", max);
    o.put("count", count);
    return o;
  }

  private static long quantile(List<double[]> sorted, double q) {
    double total = 0;
    for (double[] x : sorted) total += x[1];
    if (total == 0) return 0;
    double acc = 0;
    for (double[] x : sorted) {
      acc += x[1];
      if (acc >= q * total - 1e-9) return (long) x[0];
    }
    return (long) sorted.get(sorted.size() - 1)[0];
  }

  static ObjectNode metrics(InstanceReports.Snapshot cluster, OpsReports.Snapshot ops, long statsRequests,
                            long pauseMs) {
    Map<String, Long> c = counters(ops);
    ObjectNode root = F.objectNode();
    root.putObject("stats").put("requests_total", statsRequests).put("stale_total", 0)
        .put("snapshot_updated_at_ms", ops.atMs());
    root.putObject("service_catalog").put("fetched_at_ms", 0).put("last_success_at_ms", 0).put("fail_count", 0);
    ObjectNode mna = root.putObject("model_not_available");
    mna.put("received_total", sum(c, "jobs_finished_total", "code=\"MODEL_NOT_AVAILABLE\""));
    mna.put("rate_limited_total", 0);
    mna.put("marked_total", 0);
    for (String k : List.of("by_service_top", "by_reason_top", "rate_limited_by_node_top", "marked_by_node_top")) {
      mna.putArray(k);
    }
    for (String k : List.of("other_service_total", "other_reason_total", "other_rate_limited_node_total",
        "other_marked_node_total")) {
      mna.put(k, 0);
    }
    ArrayNode exclude = root.putObject("dispatch_exclude").putArray("by_reason");
    Map<String, Long> excluded = byLabel(c, "dispatch_exclude_total", "reason");
    for (String reason : EXCLUDE_REASONS) {
      ObjectNode e = exclude.addObject();
      e.put("reason", reason);
      e.put("total", excluded.getOrDefault(reason, 0L));
      e.putArray("sample_node_ids");
    }
    ObjectNode seg = root.putObject("web_task_segmentation");
    seg.put("finalized_total", sum(c, "finalize_total"));
    seg.put("finalized_by_send_total", sum(c, "finalize_total", "reason=\"manual\""));
    seg.put("finalized_by_pause_total", sum(c, "finalize_total", "reason=\"pause_gap\"")
        + sum(c, "finalize_total", "reason=\"pause_timer\""));
    seg.put("pause_ms", pauseMs);
    seg.put("empty_finalize_total", sum(c, "empty_finalize_total"));
    seg.put("index_gap_total", 0);
    ObjectNode obs = root.putObject("observability");
    obs.put("slow_lock_wait_total", 0);
    obs.put("slow_path_total", 0);
    obs.put("lock_wait_warn_ms", 0);
    obs.put("path_warn_ms", 0);
    obs.putObject("slow_lock_wait_by_lock");
    obs.putObject("slow_path_by_path");
    ObjectNode rerun = root.putObject("rerun");
    Map<String, Double> reruns = new TreeMap<>();
    for (AdminJson.HostedNode h : AdminJson.nodes(cluster)) {
      if (h.summary().figures() != null) h.summary().figures().rerun().forEach((k, v) -> reruns.merge(k, v, Double::sum));
    }
    for (String k : List.of("trigger_count", "success_count", "timeout_count", "quality_improvements",
        "context_reset_count")) {
      rerun.put(k, Math.round(reruns.getOrDefault(k, 0.0)));
    }
    ObjectNode asr = root.putObject("asr");
    ObjectNode e2e = latency(ops, MetricCatalog.JOB_LATENCY);
    asr.putObject("e2e_latency").put("p50_ms", e2e.get("p50_ms").asLong()).put("p95_ms", e2e.get("p95_ms").asLong())
        .put("p99_ms", e2e.get("p99_ms").asLong()).put("count", e2e.get("count").asLong());
    asr.putArray("lang_prob_distribution");
    asr.put("bad_segment_rate", 0.0);
    long jobs = sum(c, "jobs_created_total");
    asr.put("rerun_trigger_rate", jobs == 0 ? 0.0 : reruns.getOrDefault("trigger_count", 0.0) / jobs);
    root.set("scheduler", scheduler(cluster, ops, c));
    return root;
  }

  /** This scheduler's own figures: jobs, attempts, placements, results, backpressure, latencies, instances. */
  static ObjectNode scheduler(InstanceReports.Snapshot cluster, OpsReports.Snapshot ops, Map<String, Long> c) {
    ObjectNode s = F.objectNode();
    s.put("jobs_created_total", sum(c, "jobs_created_total"));
    ObjectNode created = s.putObject("jobs_created_by_path");
    byLabel(c, "jobs_created_total", "path").forEach(created::put);
    ObjectNode outcomes = s.putObject("jobs_by_outcome");
    for (String o : List.of("completed", "empty", "failed", "cancelled")) {
      outcomes.put(o, sum(c, "jobs_finished_total", "outcome=\"" + o + "\""));
    }
    ObjectNode codes = s.putObject("jobs_by_code");
    byLabel(c, "jobs_finished_total", "code").forEach((k, v) -> {
      if (!k.isEmpty()) codes.put(k, v);
    });
    ObjectNode attempts = s.putObject("attempts_by_reason");
    byLabel(c, "job_attempts_total", "reason").forEach(attempts::put);
    ObjectNode placements = s.putObject("placements_by_outcome");
    byLabel(c, "placements_total", "outcome").forEach(placements::put);
    ObjectNode dropped = s.putObject("results_dropped_by_reason");
    byLabel(c, "result_dropped_total", "reason").forEach(dropped::put);
    s.put("backpressure_sent_total", sum(c, "backpressure_sent_total"));
    s.put("pending_jobs", AdminJson.pendingByPool(ops).values().stream().mapToInt(Integer::intValue).sum());
    ObjectNode lat = s.putObject("latency_ms");
    for (String w : OpsReports.WINDOWS) lat.set(w.replace("_seconds", ""), latency(ops, w));
    int sessions = 0;
    int connections = 0;
    for (OpsReports.Report r : ops.reports()) {
      sessions += r.liveSessions();
      connections += r.sessionConnections();
    }
    s.put("live_sessions", sessions);
    s.put("session_connections", connections);
    ObjectNode nodes = s.putObject("nodes_by_status");
    for (NodeStatus st : NodeStatus.values()) nodes.put(st.wire(), 0);
    for (AdminJson.HostedNode h : AdminJson.nodes(cluster)) {
      String st = h.summary().status().wire();
      nodes.put(st, nodes.get(st).asInt() + 1);
    }
    ArrayNode instances = s.putArray("instances");
    for (OpsReports.Report r : ops.reports()) {
      ObjectNode i = instances.addObject();
      i.put("instance_id", r.instanceId());
      i.put("draining", r.draining());
      i.put("session_connections", r.sessionConnections());
      i.put("node_connections", r.nodeConnections());
      i.put("live_sessions", r.liveSessions());
      i.put("reported_at_ms", r.reportedAtMs());
    }
    return s;
  }
}
