package dev.polyglot.scheduler.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.polyglot.scheduler.api.NodeSummary;
import dev.polyglot.scheduler.node.NodeEntity;
import dev.polyglot.scheduler.ops.InstanceReports;
import dev.polyglot.scheduler.ops.LiveSessions;
import dev.polyglot.scheduler.ops.OpsReports;
import dev.polyglot.scheduler.ops.PoolRow;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** The admin API's JSON shapes (spec/BEHAVIOUR.md §14) from node summaries and the operators' snapshot. Pure. */
final class AdminJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private AdminJson() {}

  /** One node with the instance hosting its entity, from the instance reports. */
  record HostedNode(NodeSummary summary, String instanceId) {}

  static List<HostedNode> nodes(InstanceReports.Snapshot snapshot) {
    Map<String, HostedNode> byId = new HashMap<>();
    for (InstanceReports.Report r : snapshot.reports()) {
      for (NodeSummary n : r.nodes()) {
        HostedNode old = byId.get(n.nodeId());
        // a node that moved may be reported twice for a moment: the more recently heard of wins
        if (old == null || n.lastHeartbeatMs() >= old.summary().lastHeartbeatMs()) {
          byId.put(n.nodeId(), new HostedNode(n, r.instanceId()));
        }
      }
    }
    List<HostedNode> out = new ArrayList<>(byId.values());
    out.sort(Comparator.comparing(h -> h.summary().nodeId()));
    return out;
  }

  static ObjectNode nodeList(InstanceReports.Snapshot snapshot) {
    ObjectNode root = F.objectNode();
    ArrayNode list = root.putArray("nodes");
    for (HostedNode h : nodes(snapshot)) list.add(summary(h.summary(), h.instanceId()));
    return root;
  }

  /** NodeSummary; {@code instanceId} (the instance hosting the node's entity) is added when known. */
  static ObjectNode summary(NodeSummary n, String instanceId) {
    ObjectNode o = F.objectNode();
    o.put("node_id", n.nodeId());
    o.put("status", n.status().wire());
    o.put("connected", n.connected());
    o.put("draining", n.draining());
    if (n.platform() != null) o.put("platform", n.platform());
    if (n.figures() != null && n.figures().version() != null) o.put("version", n.figures().version());
    if (n.wireDialect() != null) o.put("wire_dialect", n.wireDialect());
    if (instanceId != null) o.put("instance_id", instanceId);
    o.put("registered_at_ms", n.registeredAtMs());
    o.put("last_heartbeat_ms", n.lastHeartbeatMs());
    o.put("gpu_count", n.figures() == null ? 0 : n.figures().hardware().gpuCount());
    ObjectNode usage = o.putObject("usage");
    usage.put("cpu_percent", n.usage() == null ? 0.0 : n.usage().cpuPercent());
    if (n.usage() != null && n.usage().gpuPercent() != null) usage.put("gpu_percent", n.usage().gpuPercent());
    if (n.usage() != null && n.usage().gpuMemPercent() != null) usage.put("gpu_mem_percent", n.usage().gpuMemPercent());
    usage.put("mem_percent", n.usage() == null ? 0.0 : n.usage().memPercent());
    o.put("running_jobs", n.runningJobs());
    o.put("reservations", n.reservations());
    o.put("effective_load", n.effectiveLoad());
    o.put("max_concurrent_jobs", n.maxSlots());
    o.put("free_slots", n.freeSlots());
    o.put("over_threshold", n.overThreshold());
    ArrayNode pools = o.putArray("pools");
    new TreeSet<>(n.pools()).forEach(pools::add);
    ArrayNode types = o.putArray("ready_types");
    new TreeSet<>(n.readyTypes()).forEach(types::add);
    return o;
  }

  /** NodeDetail: the summary and what only the node's entity knows. */
  static ObjectNode detail(NodeEntity.Detail d, String instanceId) {
    ObjectNode o = summary(d.summary(), instanceId);
    if (d.extras() instanceof ObjectNode extras) o.setAll(extras);
    return o;
  }

  /** The pools as this instance's view shows them, with the jobs waiting for each on every instance. */
  static ObjectNode pools(OpsReports.Snapshot ops) {
    Map<String, Integer> pending = pendingByPool(ops);
    ObjectNode root = F.objectNode();
    ArrayNode list = root.putArray("pools");
    TreeSet<String> seen = new TreeSet<>();
    for (PoolRow r : ops.pools()) {
      seen.add(r.pair());
      list.add(pool(r, pending.getOrDefault(r.pair(), 0)));
    }
    pending.forEach((pair, n) -> {
      if (seen.contains(pair)) return;
      int colon = pair.indexOf(':');
      list.add(pool(new PoolRow(pair, colon < 0 ? pair : pair.substring(0, colon),
          colon < 0 ? "" : pair.substring(colon + 1), 0, 0, 0, 0, n, List.of()), n));
    });
    root.put("view_version", ops.poolViewVersion());
    return root;
  }

  private static ObjectNode pool(PoolRow r, int pending) {
    ObjectNode o = F.objectNode();
    o.put("pair", r.pair());
    o.put("src", r.src());
    o.put("tgt", r.tgt());
    o.put("nodes", r.nodes());
    o.put("eligible_nodes", r.eligibleNodes());
    o.put("selectable_nodes", r.selectableNodes());
    o.put("free_slots", r.freeSlots());
    o.put("pending_jobs", pending);
    ArrayNode ids = o.putArray("node_ids");
    r.nodeIds().forEach(ids::add);
    return o;
  }

  static Map<String, Integer> pendingByPool(OpsReports.Snapshot ops) {
    Map<String, Integer> out = new java.util.TreeMap<>();
    for (OpsReports.Report r : ops.reports()) r.pendingByPool().forEach((k, v) -> out.merge(k, v, Integer::sum));
    return out;
  }

  /** The live sessions of every instance (at most 200 listed per instance), newest first. */
  static ObjectNode sessions(OpsReports.Snapshot ops) {
    ObjectNode root = F.objectNode();
    int total = 0;
    List<Object[]> rows = new ArrayList<>();
    for (OpsReports.Report r : ops.reports()) {
      total += r.liveSessions();
      for (LiveSessions.Info s : r.sessions()) rows.add(new Object[] {s, r.instanceId()});
    }
    rows.sort(Comparator.comparingLong((Object[] x) -> ((LiveSessions.Info) x[0]).openedAtMs()).reversed());
    root.put("total", total);
    ArrayNode list = root.putArray("sessions");
    for (Object[] x : rows) {
      LiveSessions.Info s = (LiveSessions.Info) x[0];
      ObjectNode o = list.addObject();
      o.put("session_id", s.sessionId());
      o.put("instance_id", (String) x[1]);
      put(o, "src_lang", s.srcLang());
      put(o, "tgt_lang", s.tgtLang());
      put(o, "mode", s.mode());
      put(o, "lang_a", s.langA());
      put(o, "lang_b", s.langB());
      put(o, "platform", s.platform());
      put(o, "client_version", s.clientVersion());
      put(o, "trace_id", s.traceId());
      o.put("opened_at_ms", s.openedAtMs());
    }
    return root;
  }

  static ObjectNode error(String code, String message) {
    ObjectNode o = F.objectNode();
    o.put("error", code);
    o.put("message", message);
    return o;
  }

  static JsonNode orEmpty(JsonNode n) {
    return n == null ? F.objectNode() : n;
  }

  private static void put(ObjectNode o, String field, String value) {
    if (value != null && !value.isEmpty()) o.put(field, value);
  }
}
