package dev.polyglot.scheduler.http;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.polyglot.scheduler.ops.InstanceReports;
import dev.polyglot.scheduler.bootstrap.SchedulerRuntime;
import dev.polyglot.scheduler.config.SchedulerSettings;
import dev.polyglot.scheduler.config.Secret;
import dev.polyglot.scheduler.dispatch.Dispatcher;
import dev.polyglot.scheduler.config.MemoryBudgets;
import dev.polyglot.scheduler.edge.Admission;
import dev.polyglot.scheduler.edge.InboundBudget;
import dev.polyglot.scheduler.edge.SocketLink;
import dev.polyglot.scheduler.edge.OpenSockets;
import dev.polyglot.scheduler.edge.SocketOut;
import dev.polyglot.scheduler.ops.Metrics;
import dev.polyglot.scheduler.node.NodeSocket;
import dev.polyglot.scheduler.wire.ErrorFrame;
import dev.polyglot.scheduler.wire.SessionOutbound;
import dev.polyglot.scheduler.session.SessionSocket;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.pekko.NotUsed;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RemoteAddress;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.TextMessage;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The one HTTP listener (PROTOCOL.md §1): {@code /ws/node}, {@code /ws/session}, {@code /health}, {@code /ready},
 * {@code /api/v1/cluster} and {@code /metrics}. Each WebSocket gets its own socket actor; nothing here decides
 * anything about nodes or sessions. It is the edge of admission control: a request head must arrive within
 * {@code http.request-header-timeout}; {@code /ws/node} needs the node credential when one is configured (401);
 * an upgrade over a connection cap is refused before it happens (429 with the reason), or, if the cap filled in the
 * meantime, answered with an {@code error} frame and closed; and every socket's place is given back when its stream
 * ends. The observability endpoints answer from snapshots refreshed on a timer, never by asking an actor per request.
 */
public final class SchedulerServer {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
  /** How often {@code /ready} learns whether the dispatcher holds a pool view (it never asks per request). */
  private static final Duration READINESS_REFRESH = Duration.ofMillis(500);

  private final SchedulerRuntime runtime;
  private final ActorSystem<?> system;
  private final SchedulerSettings settings;
  private final Admission admission;
  private final Metrics metrics;
  private final AtomicLong connections = new AtomicLong();
  private final ActorRef<OpenSockets.Command> openSockets;
  private final MemoryBudgets budgets;
  private final InboundBudget inboundBudget;
  /** How long a stopping instance waits for its WebSockets to close before it goes on without them. */
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(3);
  /** After that, connections still open are dropped at this deadline. */
  private static final Duration TERMINATE_DEADLINE = Duration.ofSeconds(5);
  /** {@code /metrics} as last rendered by the snapshot timer. */
  private final AtomicReference<String> metricsText = new AtomicReference<>("");
  /** {@code /api/v1/cluster} rendered from the newest published snapshot (re-rendered only when that changes). */
  private final AtomicReference<RenderedCluster> clusterJson = new AtomicReference<>();
  private volatile boolean dispatcherHasView;

  private record RenderedCluster(InstanceReports.Snapshot source, String json) {}

  public SchedulerServer(SchedulerRuntime runtime) {
    this.runtime = runtime;
    this.system = runtime.system();
    this.settings = runtime.settings();
    this.admission = runtime.admission();
    this.metrics = Metrics.get(system);
    this.openSockets = system.systemActorOf(OpenSockets.create(), "open-sockets", Props.empty());
    this.budgets = MemoryBudgets.of(settings.websocket(), Runtime.getRuntime().maxMemory());
    this.inboundBudget = new InboundBudget(budgets.partialMessages());
    system.log().info(budgets.describe());
    if (budgets.capOverBudget()) {
      system.log().warn("memory budgets: a per-connection message cap is larger than the partial-message budget ({});"
          + " such messages will always be refused: raise the heap (SCHEDULER_HEAP) or"
          + " scheduler.websocket.partial-message-budget", budgets.partialMessages());
    }
    system.scheduler().scheduleWithFixedDelay(Duration.ZERO, settings.snapshotInterval(), this::renderMetrics,
        system.executionContext());
    system.scheduler().scheduleWithFixedDelay(Duration.ZERO, READINESS_REFRESH, this::refreshReadiness,
        system.executionContext());
    if (!settings.nodes().token().isSet()) {
      system.log().warn("nodes are untrusted: scheduler.nodes.token is not set, so anything that reaches /ws/node can"
          + " register a node and receive users' audio; set it before exposing the scheduler (README: Running on the"
          + " public internet)");
    }
  }

  /**
   * Binds {@code host:port} from the settings (port 0 picks a free one), with the request-header deadline in front of
   * every connection, and stops with coordinated shutdown: no new connection from service-unbind on; in
   * service-requests-done every WebSocket is closed with a close frame (status 1000) and no {@code error} frame, so its
   * agent or client reconnects at once to another instance; in service-stop whatever connection is left is terminated.
   */
  public CompletionStage<ServerBinding> bind(String host, int port) {
    Flow<HttpRequest, HttpResponse, NotUsed> handler = RequestHeaderDeadline.around(routes().flow(system),
        settings.http().requestHeaderTimeout(), answered -> metrics.inc("http_request_header_timeouts_total",
            "waiting_for", answered ? "next_request" : "first_request"));
    return Http.get(system).newServerAt(host, port).bindFlow(handler).thenApply(this::stopOnShutdown);
  }

  private ServerBinding stopOnShutdown(ServerBinding b) {
    CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
    String at = b.localAddress().toString();
    shutdown.addTask(CoordinatedShutdown.PhaseServiceUnbind(), "http-unbind-" + at, b::unbind);
    // Before the shard hand-off (cluster-sharding-shutdown-region), not after it: every shard region of this
    // instance, proxies included, stops in that phase, and from then on a socket actor here reaches no entity.
    // Closed later, a node's SocketClosed would be lost (its entity elsewhere keeps a dead connection and the jobs
    // on it wait for their timeouts) and so would a client's (its session on another instance never ends).
    // Closed here, every entity hears it while the regions run; the sessions hosted here still move, and their
    // clients connected elsewhere keep receiving. (ServerBinding.addToCoordinatedShutdown ends the connections with
    // the listener in this phase: the peers saw them dropped, without a close frame.)
    shutdown.addTask(CoordinatedShutdown.PhaseServiceRequestsDone(), "websockets-close-" + at, this::closeSockets);
    shutdown.addTask(CoordinatedShutdown.PhaseServiceStop(), "http-terminate-" + at,
        () -> b.terminate(TERMINATE_DEADLINE).thenApply(t -> Done.getInstance()));
    return b;
  }

  /** Completes when every socket's connection has ended, or after {@link #CLOSE_TIMEOUT} with a warning. */
  private CompletionStage<Done> closeSockets() {
    return AskPattern.<OpenSockets.Command, OpenSockets.AllClosed>ask(openSockets, OpenSockets.CloseAll::new,
            CLOSE_TIMEOUT, system.scheduler())
        .handle((all, ex) -> {
          if (ex != null) system.log().warn("websockets still open after {}: dropped with the listener", CLOSE_TIMEOUT);
          return Done.getInstance();
        });
  }

  /** Registers a new socket actor with the message that closes it when this instance stops. */
  private <C> ActorRef<C> opened(ActorRef<C> socket, C close) {
    openSockets.tell(new OpenSockets.Opened<>(socket, close));
    return socket;
  }

  public Route routes() {
    return concat(
        path(PathMatchers.segment("ws").slash("node"), () -> clientAddress(address -> nodeCredential(() ->
            admitted(Admission.Kind.NODE, address, () -> handleWebSocketMessages(nodeFlow(address)))))),
        path(PathMatchers.segment("ws").slash("session"), () -> clientAddress(address ->
            admitted(Admission.Kind.SESSION, address, () -> handleWebSocketMessages(sessionFlow(address))))),
        path("health", () -> get(() -> complete(HttpResponse.create().withStatus(StatusCodes.OK)
            .withEntity(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, "OK"))))),
        path("ready", () -> get(this::ready)),
        path(PathMatchers.segment("api").slash("v1").slash("cluster"), () -> get(() -> apiToken("cluster", this::cluster))),
        path("metrics", () -> get(() -> apiToken("metrics", this::metrics))));
  }

  /** What this instance's connections may hold, as logged at start-up. */
  public MemoryBudgets budgets() {
    return budgets;
  }

  /** The budget for unfinished inbound messages that every connection of this listener shares. */
  public InboundBudget inboundBudget() {
    return inboundBudget;
  }

  // ---------------------------------------------------------------- WebSockets

  private Flow<Message, Message, ?> nodeFlow(String address) {
    NodeSocket.Deps deps = new NodeSocket.Deps(settings, runtime.clock(), runtime.entities(), runtime.codec(), admission);
    // a node socket accepts small messages only until its node_register succeeded (the socket raises its limit)
    return placed(Admission.Kind.NODE, address, () -> WebSocketBridge.flow(system,
        new WebSocketBridge.Limits(budgets.unregisteredNodeMaxMessage(), budgets.outboundFrames(), budgets.outboundBytes()),
        inboundBudget,
        new WebSocketBridge.Adapter<>((ack, in) -> new NodeSocket.Frame(in, ack), NodeSocket.Started::new, NodeSocket.StreamEnded.INSTANCE),
        (SocketLink link) -> opened(system.systemActorOf(NodeSocket.create(link, deps, address),
            "node-socket-" + connections.incrementAndGet(), Props.empty()), NodeSocket.InstanceStopping.INSTANCE)));
  }

  private Flow<Message, Message, ?> sessionFlow(String address) {
    SessionSocket.Deps deps = new SessionSocket.Deps(settings, runtime.clock(), runtime.entities(), runtime.codec(), admission);
    return placed(Admission.Kind.SESSION, address, () -> WebSocketBridge.flow(system,
        new WebSocketBridge.Limits(budgets.sessionMaxMessage(), budgets.outboundFrames(), budgets.outboundBytes()),
        inboundBudget,
        new WebSocketBridge.Adapter<>((ack, in) -> new SessionSocket.Frame(in, ack), SessionSocket.Started::new, SessionSocket.StreamEnded.INSTANCE),
        (SocketLink link) -> opened(system.systemActorOf(SessionSocket.create(link, deps),
            "session-socket-" + connections.incrementAndGet(), Props.empty()), SessionSocket.InstanceStopping.INSTANCE)));
  }

  /**
   * The socket's flow, built when the upgraded connection materializes it: only then is its place taken (so a
   * response that never went out takes none), and the place is given back when the stream ends, however it ends. If
   * the caps filled between the check before the upgrade and now, the peer gets an {@code error} frame and a close.
   */
  private Flow<Message, Message, ?> placed(Admission.Kind kind, String address,
                                           Supplier<Flow<Message, Message, NotUsed>> socket) {
    return Flow.fromMaterializer((mat, attributes) -> {
      Admission.Decision decision = admission.open(kind, address);
      if (decision instanceof Admission.Refusal refusal) {
        refused(kind, refusal);
        String frame = runtime.codec().encode((SessionOutbound) ErrorFrame.of(refusal.code(), refusal.message()));
        return Flow.fromSinkAndSourceCoupled(Sink.<Message>ignore(), Source.<Message>single(TextMessage.create(frame)));
      }
      Admission.Ticket ticket = (Admission.Ticket) decision;
      try {
        return socket.get().watchTermination((notUsed, done) -> {
          done.whenComplete((d, failure) -> ticket.close());
          return notUsed;
        });
      } catch (RuntimeException e) {
        ticket.close();
        throw e;
      }
    });
  }

  /** 429 with the reason before the upgrade when the caps are full. */
  private Route admitted(Admission.Kind kind, String address, Supplier<Route> inner) {
    Optional<Admission.Refusal> refusal = admission.check(kind, address);
    if (refusal.isEmpty()) return inner.get();
    refused(kind, refusal.get());
    return complete(json(StatusCodes.TOO_MANY_REQUESTS, refusal.get().code(), refusal.get().message())
        .addHeader(RawHeader.create("Retry-After", "5")));
  }

  private void refused(Admission.Kind kind, Admission.Refusal refusal) {
    metrics.inc("admission_refused_total", "what", kind == Admission.Kind.NODE ? "node_socket" : "session_socket",
        "code", refusal.code());
    system.log().debug("connection refused: {} {}", refusal.code(), refusal.message());
  }

  /**
   * The client's address as admission counts it: the TCP peer (IPv6 by its /64), or, behind a trusted proxy, the last
   * address in {@code admission.client-ip-header} (the one that proxy added).
   */
  private Route clientAddress(Function<String, Route> inner) {
    String header = settings.admission().clientIpHeader();
    return extractRequest(request -> {
      String key = header.isEmpty() ? null : request.getHeader(header).map(h -> fromHeader(h.value())).orElse(null);
      if (key == null) {
        key = request.getAttribute(AttributeKeys.remoteAddress).flatMap(RemoteAddress::getAddress)
            .map(Admission::key).orElse("unknown");
      }
      return inner.apply(key);
    });
  }

  /** An address literal from a proxy's header; never resolved through DNS (only literals are parsed). */
  static String fromHeader(String value) {
    String last = value.substring(value.lastIndexOf(',') + 1).trim();
    if (last.isEmpty()) return null;
    if (IPV4.matcher(last).matches() || (last.indexOf(':') >= 0 && IPV6.matcher(last).matches())) {
      try {
        return Admission.key(InetAddress.getByName(last));
      } catch (java.io.IOException notALiteral) {
        // fall through: counted under its text
      }
    }
    return last.length() > 64 ? last.substring(0, 64) : last;
  }

  // ---------------------------------------------------------------- credentials

  /** With {@code nodes.token} set, {@code /ws/node} needs it as a bearer header or as {@code ?token=}: else 401. */
  private Route nodeCredential(Supplier<Route> inner) {
    Secret token = settings.nodes().token();
    if (!token.isSet()) return inner.get();
    return extractRequest(request -> {
      if (token.matches(bearer(request)) || token.matches(request.getUri().query().get("token").orElse(null))) {
        return inner.get();
      }
      return unauthorized("ws_node");
    });
  }

  /** With {@code http.api-token} set, the observability endpoints need it as a bearer header: else 401. */
  private Route apiToken(String what, Supplier<Route> inner) {
    Secret token = settings.http().apiToken();
    if (!token.isSet()) return inner.get();
    return extractRequest(request -> token.matches(bearer(request)) ? inner.get() : unauthorized(what));
  }

  private Route unauthorized(String what) {
    metrics.inc("http_unauthorized_total", "path", what);
    system.log().debug("request without a valid credential refused: {}", what);
    return complete(json(StatusCodes.UNAUTHORIZED, "UNAUTHORIZED", "a valid bearer token is required")
        .addHeader(RawHeader.create("WWW-Authenticate", "Bearer")));
  }

  private static String bearer(HttpRequest request) {
    return request.getHeader("Authorization").map(h -> h.value().trim())
        .filter(v -> v.regionMatches(true, 0, "Bearer ", 0, 7)).map(v -> v.substring(7).trim()).orElse(null);
  }

  private static HttpResponse json(StatusCode status, String error, String message) {
    ObjectNode body = JSON.createObjectNode();
    body.put("error", error);
    body.put("message", message);
    return HttpResponse.create().withStatus(status)
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, body.toString()));
  }

  // ---------------------------------------------------------------- observability

  /**
   * {@code /metrics}: this instance's counters in the Prometheus text format, every name prefixed
   * {@code scheduler_} (PROTOCOL.md §10.5; counters only in this version), as rendered by the last snapshot round.
   */
  private Route metrics() {
    return complete(HttpResponse.create().withStatus(StatusCodes.OK).withEntity(HttpEntities.create(
        ContentTypes.TEXT_PLAIN_UTF8, metricsText.get())));
  }

  private void renderMetrics() {
    StringBuilder b = new StringBuilder();
    String lastName = null;
    for (var e : metrics.snapshot().entrySet()) {
      String series = "scheduler_" + e.getKey();
      int brace = series.indexOf('{');
      String name = brace < 0 ? series : series.substring(0, brace);
      if (!name.equals(lastName)) b.append("# TYPE ").append(name).append(" counter\n");
      lastName = name;
      b.append(series).append(' ').append(e.getValue()).append('\n');
    }
    b.append("# TYPE scheduler_open_sockets gauge\n");
    b.append("scheduler_open_sockets{socket=\"node\"} ").append(admission.openSockets(Admission.Kind.NODE)).append('\n');
    b.append("scheduler_open_sockets{socket=\"session\"} ").append(admission.openSockets(Admission.Kind.SESSION)).append('\n');
    b.append("# TYPE scheduler_inbound_partial_bytes gauge\n");
    b.append("scheduler_inbound_partial_bytes ").append(inboundBudget.held()).append('\n');
    b.append("# TYPE scheduler_inbound_partial_budget_bytes gauge\n");
    b.append("scheduler_inbound_partial_budget_bytes ").append(inboundBudget.limit()).append('\n');
    b.append("# TYPE scheduler_sessions_admitted gauge\n");
    b.append("scheduler_sessions_admitted ").append(admission.sessions()).append('\n');
    var own = runtime.clusterSnapshot().reports().stream()
        .filter(r -> r.instanceId().equals(runtime.identity().instanceId())).findFirst();
    b.append("# TYPE scheduler_rooms_active gauge\n");
    b.append("scheduler_rooms_active ").append(own.map(InstanceReports.Report::roomsOwned).orElse(0)).append('\n');
    b.append("# TYPE scheduler_room_members gauge\n");
    b.append("scheduler_room_members ").append(own.map(InstanceReports.Report::roomMembers).orElse(0)).append('\n');
    if (runtime.ledger() instanceof dev.polyglot.scheduler.store.RedisLedger redis) {
      b.append("# TYPE scheduler_redis_failed_operations_total counter\n");
      b.append("scheduler_redis_failed_operations_total ").append(redis.failures()).append('\n');
    }
    metricsText.set(b.toString());
  }

  /**
   * {@code /api/v1/cluster}: always 200, from the snapshot InstanceReports publishes each interval (PROTOCOL.md
   * §10.3); rendered once per new snapshot, whatever the number of requests.
   */
  private Route cluster() {
    InstanceReports.Snapshot snapshot = runtime.clusterSnapshot();
    RenderedCluster rendered = clusterJson.get();
    if (rendered == null || rendered.source() != snapshot) {
      metrics.inc("api_cluster_renders_total");
      rendered = new RenderedCluster(snapshot,
          ClusterJson.render(snapshot, settings.keyPrefix(), runtime.clock().wallMillis()).toString());
      clusterJson.set(rendered);
    }
    return complete(HttpResponse.create().withStatus(StatusCodes.OK)
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, rendered.json())));
  }

  private void refreshReadiness() {
    AskPattern.<Dispatcher.Command, Dispatcher.Status>ask(runtime.dispatcher(), Dispatcher.GetStatus::new,
            Duration.ofSeconds(1), system.scheduler())
        .whenComplete((status, failure) -> dispatcherHasView = failure == null && status.hasView());
  }

  /**
   * {@code /ready}: 200 once this instance is an Up member of its cluster and its dispatcher holds a pool view
   * from the directory (before that it cannot place anything); 503 with the same body before (PROTOCOL.md §10.1).
   * The dispatcher's answer is refreshed every {@link #READINESS_REFRESH}, never asked per request.
   */
  private Route ready() {
    boolean hasView = dispatcherHasView;
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
  }
}
