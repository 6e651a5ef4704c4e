package dev.polyglot.scheduler.http;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.polyglot.scheduler.cluster.InstanceReports;
import dev.polyglot.scheduler.cluster.SchedulerRuntime;
import dev.polyglot.scheduler.config.MemoryBudgets;
import dev.polyglot.scheduler.dispatch.Dispatcher;
import dev.polyglot.scheduler.edge.InboundBudget;
import dev.polyglot.scheduler.edge.SocketLink;
import dev.polyglot.scheduler.node.NodeSocket;
import dev.polyglot.scheduler.session.SessionSocket;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The one HTTP listener (PROTOCOL.md §1): {@code /ws/node}, {@code /ws/session}, {@code /health} and
 * {@code /ready}. Each WebSocket gets its own socket actor; nothing here decides anything. It owns the instance's
 * {@link MemoryBudgets} (fixed from the max heap when it is created, and logged then) and the one
 * {@link InboundBudget} all its connections share.
 */
public final class SchedulerServer {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SchedulerRuntime runtime;
  private final ActorSystem<?> system;
  private final AtomicLong connections = new AtomicLong();
  private final MemoryBudgets budgets;
  private final InboundBudget inboundBudget;

  public SchedulerServer(SchedulerRuntime runtime) {
    this.runtime = runtime;
    this.system = runtime.system();
    this.budgets = MemoryBudgets.of(runtime.settings().websocket(), Runtime.getRuntime().maxMemory());
    this.inboundBudget = new InboundBudget(budgets.partialMessages());
    system.log().info(budgets.describe());
    if (budgets.capOverBudget()) {
      system.log().warn("memory budgets: a per-connection message cap is larger than the partial-message budget ({});"
          + " such messages will always be refused: raise the heap (SCHEDULER_HEAP) or"
          + " scheduler.websocket.partial-message-budget", budgets.partialMessages());
    }
  }

  /** What this instance's connections may hold, as logged at start-up. */
  public MemoryBudgets budgets() {
    return budgets;
  }

  /** The budget for unfinished inbound messages that every connection of this listener shares. */
  public InboundBudget inboundBudget() {
    return inboundBudget;
  }

  /** Binds {@code host:port} from the settings (port 0 picks a free one) and unbinds on coordinated shutdown. */
  public CompletionStage<ServerBinding> bind(String host, int port) {
    return Http.get(system).newServerAt(host, port).bind(routes())
        .thenApply(b -> b.addToCoordinatedShutdown(Duration.ofSeconds(5), system));
  }

  public Route routes() {
    return concat(
        path(PathMatchers.segment("ws").slash("node"), () -> handleWebSocketMessages(nodeFlow())),
        path(PathMatchers.segment("ws").slash("session"), () -> handleWebSocketMessages(sessionFlow())),
        path("health", () -> get(() -> complete(HttpResponse.create().withStatus(StatusCodes.OK)
            .withEntity(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, "OK"))))),
        path("ready", () -> get(this::ready)),
        path(PathMatchers.segment("api").slash("v1").slash("cluster"), () -> get(this::cluster)),
        path("metrics", () -> get(this::metrics)));
  }

  private org.apache.pekko.stream.javadsl.Flow<org.apache.pekko.http.javadsl.model.ws.Message,
      org.apache.pekko.http.javadsl.model.ws.Message, org.apache.pekko.NotUsed> nodeFlow() {
    NodeSocket.Deps deps = new NodeSocket.Deps(runtime.settings(), runtime.clock(), runtime.entities(), runtime.codec());
    // a node socket accepts small messages only until its node_register succeeded (the socket raises its limit)
    return WebSocketBridge.flow(system, new WebSocketBridge.Limits(budgets.unregisteredNodeMaxMessage(),
            budgets.outboundFrames(), budgets.outboundBytes()), inboundBudget,
        new WebSocketBridge.Adapter<>((ack, in) -> new NodeSocket.Frame(in, ack), NodeSocket.Started::new, NodeSocket.StreamEnded.INSTANCE),
        (SocketLink link) -> system.systemActorOf(NodeSocket.create(link, deps),
            "node-socket-" + connections.incrementAndGet(), Props.empty()));
  }

  private org.apache.pekko.stream.javadsl.Flow<org.apache.pekko.http.javadsl.model.ws.Message,
      org.apache.pekko.http.javadsl.model.ws.Message, org.apache.pekko.NotUsed> sessionFlow() {
    SessionSocket.Deps deps = new SessionSocket.Deps(runtime.settings(), runtime.clock(), runtime.entities(), runtime.codec());
    return WebSocketBridge.flow(system, new WebSocketBridge.Limits(budgets.sessionMaxMessage(),
            budgets.outboundFrames(), budgets.outboundBytes()), inboundBudget,
        new WebSocketBridge.Adapter<>((ack, in) -> new SessionSocket.Frame(in, ack), SessionSocket.Started::new, SessionSocket.StreamEnded.INSTANCE),
        (SocketLink link) -> system.systemActorOf(SessionSocket.create(link, deps),
            "session-socket-" + connections.incrementAndGet(), Props.empty()));
  }

  /**
   * {@code /metrics}: this instance's counters in the Prometheus text format, every name prefixed
   * {@code scheduler_} (PROTOCOL.md §10.5; counters only in this version).
   */
  private Route metrics() {
    StringBuilder b = new StringBuilder();
    String lastName = null;
    for (var e : dev.polyglot.scheduler.metrics.Metrics.get(system).snapshot().entrySet()) {
      String series = "scheduler_" + e.getKey();
      int brace = series.indexOf('{');
      String name = brace < 0 ? series : series.substring(0, brace);
      if (!name.equals(lastName)) b.append("# TYPE ").append(name).append(" counter\n");
      lastName = name;
      b.append(series).append(' ').append(e.getValue()).append('\n');
    }
    b.append("# TYPE scheduler_inbound_partial_bytes gauge\n");
    b.append("scheduler_inbound_partial_bytes ").append(inboundBudget.held()).append('\n');
    b.append("# TYPE scheduler_inbound_partial_budget_bytes gauge\n");
    b.append("scheduler_inbound_partial_budget_bytes ").append(inboundBudget.limit()).append('\n');
    if (runtime.ledger() instanceof dev.polyglot.scheduler.store.RedisLedger redis) {
      b.append("# TYPE scheduler_redis_failed_operations_total counter\n");
      b.append("scheduler_redis_failed_operations_total ").append(redis.failures()).append('\n');
    }
    return complete(HttpResponse.create().withStatus(StatusCodes.OK).withEntity(HttpEntities.create(
        ContentTypes.TEXT_PLAIN_UTF8, b.toString())));
  }

  /** {@code /api/v1/cluster}: always 200, from the instance's in-memory snapshot (PROTOCOL.md §10.3). */
  private Route cluster() {
    CompletionStage<ObjectNode> body = AskPattern.<InstanceReports.Command, InstanceReports.Snapshot>ask(
            runtime.instanceReports(), InstanceReports.Get::new, Duration.ofSeconds(2), system.scheduler())
        .thenApply(snap -> ClusterJson.render(snap, runtime.settings().keyPrefix(), runtime.clock().wallMillis()));
    return onSuccess(body, json -> complete(HttpResponse.create().withStatus(StatusCodes.OK)
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, json.toString()))));
  }

  /**
   * {@code /ready}: 200 once this instance is an Up member of its cluster and its dispatcher holds a pool view
   * from the directory (before that it cannot place anything); 503 with the same body before (PROTOCOL.md §10.1).
   */
  private Route ready() {
    CompletionStage<Boolean> placing = AskPattern.<Dispatcher.Command, Dispatcher.Status>ask(runtime.dispatcher(),
            Dispatcher.GetStatus::new, Duration.ofSeconds(1), system.scheduler())
        .thenApply(Dispatcher.Status::hasView)
        .exceptionally(ex -> false);
    return onSuccess(placing, hasView -> {
      int members = runtime.upMembers();
      boolean up = org.apache.pekko.cluster.typed.Cluster.get(system).selfMember().status()
          == org.apache.pekko.cluster.MemberStatus.up();
      ObjectNode body = JSON.createObjectNode();
      String redis = runtime.ledger().serverState();
      body.put("status", "down".equals(redis) ? "degraded" : "ready");
      body.put("store", runtime.ledger().kind());
      body.put("redis", redis);
      body.put("cluster_members", members);
      return complete(HttpResponse.create().withStatus(up && hasView ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE)
          .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, body.toString())));
    });
  }
}
