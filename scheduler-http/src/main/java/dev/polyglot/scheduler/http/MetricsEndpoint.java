package dev.polyglot.scheduler.http;

import dev.polyglot.scheduler.api.NodeStatus;
import dev.polyglot.scheduler.api.NodeSummary;
import dev.polyglot.scheduler.bootstrap.SchedulerRuntime;
import dev.polyglot.scheduler.edge.Admission;
import dev.polyglot.scheduler.edge.InboundBudget;
import dev.polyglot.scheduler.ops.InstanceReports;
import dev.polyglot.scheduler.ops.MetricCatalog;
import dev.polyglot.scheduler.ops.Metrics;
import dev.polyglot.scheduler.ops.OpsReports;
import dev.polyglot.scheduler.ops.PoolRow;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * {@code GET /metrics} (PROTOCOL.md §10.5): the instance's Prometheus registry in the text exposition format, rendered
 * by the Prometheus Java client's writer on the snapshot timer (a request never renders). It adds to the counters and
 * histograms of {@link Metrics} the gauges of {@link MetricCatalog#GAUGES}, read from the snapshots and the edge's
 * lock-free counts at render time, and the JVM's own metrics ({@code jvm_*}, {@code process_*}).
 *
 * <p>Label values come from closed sets: node statuses, socket kinds, member states. Pools are the exception (their
 * names come from the nodes' languages), so at most {@link #MAX_POOL_SERIES} pools, those with the most nodes, get
 * their own series; the rest are summed under {@code pool="other"}.
 */
final class MetricsEndpoint {
  static final int MAX_POOL_SERIES = 100;
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final PrometheusRegistry registry;
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
  private volatile String text = "";

  /** What the gauges read. */
  record Sources(SchedulerRuntime runtime, Admission admission, InboundBudget inboundBudget,
                 Supplier<OpsReports.Snapshot> ops, BooleanSupplier draining, BooleanSupplier ready) {}

  MetricsEndpoint(Metrics metrics, Sources s) {
    this.registry = metrics.registry();
    JvmMetrics.builder().register(registry);
    String self = Cluster.get(s.runtime().system()).selfMember().address().toString();
    gauge("sessions_active", List.of(), cb -> cb.call(selfReport(s, self).map(InstanceReports.Report::sessionsOwned)
        .orElse(0)));
    gauge("rooms_active", List.of(), cb -> cb.call(selfReport(s, self).map(InstanceReports.Report::roomsOwned)
        .orElse(0)));
    gauge("room_members", List.of(), cb -> cb.call(selfReport(s, self).map(InstanceReports.Report::roomMembers)
        .orElse(0)));
    gauge("session_connections", List.of(), cb -> cb.call(s.admission().openSockets(Admission.Kind.SESSION)));
    gauge("node_connections", List.of(), cb -> cb.call(s.admission().openSockets(Admission.Kind.NODE)));
    gauge("nodes", List.of("status"), cb -> {
      Map<NodeStatus, Integer> byStatus = new EnumMap<>(NodeStatus.class);
      for (NodeStatus st : NodeStatus.values()) byStatus.put(st, 0);
      selfReport(s, self).ifPresent(r -> {
        for (NodeSummary n : r.nodes()) byStatus.merge(n.status(), 1, Integer::sum);
      });
      byStatus.forEach((st, n) -> cb.call(n, st.wire()));
    });
    gauge("pool_nodes", List.of("pool", "state"), cb -> pools(s).forEach(p -> {
      cb.call(p.nodes(), p.pair(), "member");
      cb.call(p.eligibleNodes(), p.pair(), "eligible");
      cb.call(p.selectableNodes(), p.pair(), "selectable");
    }));
    gauge("pool_free_slots", List.of("pool"), cb -> pools(s).forEach(p -> cb.call(p.freeSlots(), p.pair())));
    gauge("pool_pending_jobs", List.of("pool"), cb -> pools(s).forEach(p -> cb.call(p.pendingJobs(), p.pair())));
    gauge("pending_jobs", List.of(), cb -> cb.call(s.ops().get().pools().stream().mapToInt(PoolRow::pendingJobs).sum()));
    gauge("sessions_admitted", List.of(), cb -> cb.call(s.admission().sessions()));
    gauge("open_sockets", List.of("socket"), cb -> {
      cb.call(s.admission().openSockets(Admission.Kind.NODE), "node");
      cb.call(s.admission().openSockets(Admission.Kind.SESSION), "session");
    });
    gauge("inbound_partial_bytes", List.of(), cb -> cb.call(s.inboundBudget().held()));
    gauge("inbound_partial_budget_bytes", List.of(), cb -> cb.call(s.inboundBudget().limit()));
    gauge("cluster_members", List.of("state"), cb -> {
      ClusterEvent.CurrentClusterState state = Cluster.get(s.runtime().system()).state();
      int up = 0;
      for (Member m : state.getMembers()) if (m.status() == MemberStatus.up()) up++;
      cb.call(up, "up");
      cb.call(state.getUnreachable().size(), "unreachable");
    });
    gauge("instance_draining", List.of(), cb -> cb.call(s.draining().getAsBoolean() ? 1 : 0));
    gauge("ready", List.of(), cb -> cb.call(s.ready().getAsBoolean() ? 1 : 0));
    if (s.runtime().ledger() instanceof dev.polyglot.scheduler.store.RedisLedger redis) {
      gauge("redis_up", List.of(), cb -> cb.call("down".equals(redis.serverState()) ? 0 : 1));
      CounterWithCallback.builder().name(Metrics.PREFIX + "redis_failed_operations_total")
          .help(MetricCatalog.help("redis_failed_operations_total")).callback(cb -> cb.call(redis.failures()))
          .register(registry);
    }
  }

  private void gauge(String name, List<String> labels, Consumer<GaugeWithCallback.Callback> callback) {
    GaugeWithCallback.builder().name(Metrics.PREFIX + name).help(MetricCatalog.GAUGES.get(name))
        .labelNames(labels.toArray(new String[0])).callback(callback).register(registry);
  }

  private static java.util.Optional<InstanceReports.Report> selfReport(Sources s, String self) {
    return s.runtime().clusterSnapshot().reports().stream().filter(r -> r.address().equals(self)).findFirst();
  }

  /** The pools with the most nodes, each on its own; the rest summed as {@code other}. */
  static List<PoolRow> pools(Sources s) {
    return capped(s.ops().get().pools(), MAX_POOL_SERIES);
  }

  static List<PoolRow> capped(List<PoolRow> rows, int max) {
    if (rows.size() <= max) return rows;
    List<PoolRow> sorted = new ArrayList<>(rows);
    sorted.sort(Comparator.comparingInt(PoolRow::nodes).reversed().thenComparing(PoolRow::pair));
    List<PoolRow> out = new ArrayList<>(sorted.subList(0, max));
    int nodes = 0, eligible = 0, selectable = 0, free = 0, pending = 0;
    for (PoolRow r : sorted.subList(max, sorted.size())) {
      nodes += r.nodes();
      eligible += r.eligibleNodes();
      selectable += r.selectableNodes();
      free += r.freeSlots();
      pending += r.pendingJobs();
    }
    out.add(new PoolRow("other", "", "", nodes, eligible, selectable, free, pending, List.of()));
    return out;
  }

  /** Renders the registry now (the snapshot timer calls this). */
  void render() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
    try {
      writer.write(out, registry.scrape());
      text = out.toString(StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      // keep the previous rendering; a collector that failed must not empty /metrics
      org.slf4j.LoggerFactory.getLogger(MetricsEndpoint.class).warn("rendering /metrics failed: {}", e.toString());
    }
  }

  /** The last rendering. */
  String text() {
    return text;
  }

}
