package dev.polyglot.scheduler.http;

import dev.polyglot.scheduler.api.NodeSummary;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.polyglot.scheduler.ops.InstanceReports;
import dev.polyglot.scheduler.node.NodeEntity;
import dev.polyglot.scheduler.api.NodeStatus;
import dev.polyglot.scheduler.api.CapabilityByType;
import dev.polyglot.scheduler.api.InstalledService;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** Renders {@code GET /api/v1/cluster} in lingua's shape (PROTOCOL.md §10.3) from the instance reports. */
final class ClusterJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private ClusterJson() {}

  static ObjectNode render(InstanceReports.Snapshot snapshot, String keyPrefix, long nowMs) {
    ObjectNode root = F.objectNode();
    ArrayNode instances = root.putArray("instances");
    ArrayNode nodes = F.arrayNode();
    int online = 0;
    int totalNodes = 0;
    int onlineNodes = 0;
    int readyNodes = 0;
    int sessions = 0;
    int pending = 0;
    int rooms = 0;
    int roomMembers = 0;
    List<InstanceReports.Report> reports = snapshot.reports().stream()
        .sorted(Comparator.comparing(InstanceReports.Report::instanceId)).toList();
    for (InstanceReports.Report r : reports) {
      boolean up = snapshot.upAddresses().contains(r.address());
      if (up) online++;
      ObjectNode i = instances.addObject();
      i.put("instance_id", r.instanceId());
      i.put("hostname", r.hostname());
      i.put("pid", r.pid());
      i.put("version", r.version());
      i.put("started_at_ms", r.startedAtMs());
      i.put("uptime_seconds", Math.max(0, (nowMs - r.startedAtMs()) / 1000));
      i.put("is_online", up);
      i.put("inbox_length", 0);
      i.put("inbox_pending", r.pending());
      i.put("dlq_length", 0);
      i.put("nodes_owned", r.nodesOwned());
      i.put("sessions_owned", r.sessionsOwned());
      i.put("rooms_owned", r.roomsOwned());
      i.put("room_members", r.roomMembers());
      sessions += r.sessionsOwned();
      rooms += r.roomsOwned();
      roomMembers += r.roomMembers();
      pending += r.pending();
      for (NodeSummary n : r.nodes()) {
        totalNodes++;
        if (n.connected()) onlineNodes++;
        if (n.status() == NodeStatus.READY) readyNodes++;
        nodes.add(node(n));
      }
    }
    root.put("total_instances", reports.size());
    root.put("online_instances", online);
    root.put("total_nodes", totalNodes);
    root.put("online_nodes", onlineNodes);
    root.put("ready_nodes", readyNodes);
    root.put("total_sessions", sessions);
    root.put("total_rooms", rooms);
    root.put("total_room_members", roomMembers);
    root.put("total_pending", pending);
    root.put("total_dlq", 0);
    root.put("redis_key_prefix", keyPrefix);
    root.set("nodes", nodes);
    return root;
  }

  private static ObjectNode node(NodeSummary n) {
    ObjectNode o = F.objectNode();
    o.put("node_id", n.nodeId());
    o.put("platform", n.platform() == null ? "" : n.platform());
    if (n.wireDialect() != null) o.put("wire_dialect", n.wireDialect());
    o.put("online", n.connected());
    o.put("status", n.status().display());
    o.put("cpu_usage", n.usage() == null ? 0.0 : n.usage().cpuPercent());
    if (n.usage() != null && n.usage().gpuPercent() != null) o.put("gpu_usage", n.usage().gpuPercent());
    o.put("memory_usage", n.usage() == null ? 0.0 : n.usage().memPercent());
    o.put("current_jobs", n.effectiveLoad());
    o.put("max_concurrent_jobs", n.maxSlots());
    o.put("last_heartbeat", n.lastHeartbeatMs());
    ArrayNode services = o.putArray("services");
    for (InstalledService s : n.services()) {
      ObjectNode so = services.addObject();
      so.put("service_id", s.serviceId());
      so.put("service_type", capitalised(s.type()));
      so.put("status", capitalised(s.status()));
    }
    ArrayNode caps = o.putArray("capabilities");
    for (CapabilityByType c : n.capabilities()) {
      ObjectNode co = caps.addObject();
      co.put("service_type", capitalised(c.type()));
      co.put("ready", c.ready());
      if (c.reason() != null) co.put("reason", c.reason());
      if (c.readyImplIds() != null) {
        ArrayNode ids = co.putArray("ready_impl_ids");
        c.readyImplIds().forEach(ids::add);
      }
    }
    return o;
  }

  /** {@code asr} → {@code Asr}, as lingua's dashboard expects. */
  static String capitalised(String s) {
    if (s == null || s.isEmpty()) return "";
    String lower = s.toLowerCase(Locale.ROOT);
    return Character.toUpperCase(lower.charAt(0)) + lower.substring(1);
  }
}
