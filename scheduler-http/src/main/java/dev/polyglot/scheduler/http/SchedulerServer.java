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
import dev.polyglot.scheduler.ops.OpsReports;
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
import org.apache.pekko.actor.typed.pubsub.Topic;
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
 * {@code /api/v1/cluster}, {@code /metrics}, and through {@link OpsRoutes} {@code /api/v1/stats},
 * {@code /api/v1/metrics}, the admin API, the instance drain and {@code /dashboard}. Each WebSocket gets its own socket actor; nothing here decides
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
  /** {@code /metrics}: the registry, rendered by the snapshot timer. */
  private final MetricsEndpoint metricsEndpoint;
  /** The operators' snapshot every instance shares, set by this instance's {@link OpsReports}. */
  private final AtomicReference<OpsReports.Snapshot> opsSnapshot = new AtomicReference<>(OpsReports.Snapshot.EMPTY);
  private final InstanceDrain drain;
  private final OpsRoutes opsRoutes;
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
    this.drain = new InstanceDrain(system, system.settings().config().getDuration("scheduler.admin.instance-drain-grace"),
        openSockets, admission, this::sessionsHosted, runtime.clock()::wallMillis);
    ActorRef<Topic.Command<OpsReports.Report>> opsTopic = system.systemActorOf(
        Topic.create(OpsReports.Report.class, "ops-reports"), "ops-reports-topic", Props.empty());
    system.systemActorOf(OpsReports.create(runtime.identity().instanceId(), settings.snapshotInterval(),
        opsSources(), opsTopic, runtime.clock(), opsSnapshot), "ops-reports", Props.empty());
    this.metricsEndpoint = new MetricsEndpoint(metrics, new MetricsEndpoint.Sources(runtime, admission, inboundBudget,
        opsSnapshot::get, drain::refusing, this::isReady));
    this.opsRoutes = new OpsRoutes(runtime, opsSnapshot::get, drain, this::apiToken);
    system.scheduler().scheduleWithFixedDelay(Duration.ZERO, settings.snapshotInterval(), metricsEndpoint::render,
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
        path(PathMatchers.segment("ws").slash("node"), () -> notDraining(() -> clientAddress(address ->
            nodeCredential(() -> admitted(Admission.Kind.NODE, address,
                () -> handleWebSocketMessages(nodeFlow(address))))))),
        path(PathMatchers.segment("ws").slash("session"), () -> notDraining(() -> clientAddress(address ->
            admitted(Admission.Kind.SESSION, address, () -> handleWebSocketMessages(sessionFlow(address)))))),
        path("health", () -> get(() -> complete(HttpResponse.create().withStatus(StatusCodes.OK)
            .withEntity(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, "OK"))))),
        path("ready", () -> get(this::ready)),
        path(PathMatchers.segment("api").slash("v1").slash("cluster"), () -> get(() -> apiToken("cluster", this::cluster))),
        path("metrics", () -> get(() -> apiToken("metrics", this::metrics))),
        opsRoutes.routes());
  }

  /** A draining instance takes no new WebSocket: 503, so that the peer reconnects through the load balancer. */
  private Route notDraining(Supplier<Route> inner) {
    if (!drain.refusing()) return inner.get();
    return complete(json(StatusCodes.SERVICE_UNAVAILABLE, "INSTANCE_DRAINING",
        "this instance is draining for maintenance; connect to another one")
        .addHeader(RawHeader.create("Retry-After", "5")));
  }

  /** What {@link OpsReports} reads of this instance: the dispatcher's pools (through the runtime) and its edge. */
  private OpsReports.Sources opsSources() {
    return new OpsReports.Sources() {
      @Override public CompletionStage<OpsReports.Pools> pools(Duration timeout) { return runtime.pools(timeout); }

      @Override public OpsReports.Local local() {
        return new OpsReports.Local(drain.refusing(), admission.openSockets(Admission.Kind.SESSION),
            admission.openSockets(Admission.Kind.NODE));
      }
    };
  }

  /** Session entities this instance hosts (as its last report counted them). */
  private int sessionsHosted() {
    String self = org.apache.pekko.cluster.typed.Cluster.get(system).selfMember().address().toString();
    for (InstanceReports.Report r : runtime.clusterSnapshot().reports()) {
      if (r.address().equals(self)) return r.sessionsOwned();
    }
    return 0;
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
  Route apiToken(String what, Supplier<Route> inner) {
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
   * {@code /metrics}: this instance's registry in the Prometheus text format, every name of ours prefixed
   * {@code scheduler_} (PROTOCOL.md §10.5), as rendered by the last snapshot round ({@link MetricsEndpoint}).
   */
  private Route metrics() {
    return complete(HttpResponse.create().withStatus(StatusCodes.OK).withEntity(HttpEntities.create(
        ContentTypes.TEXT_PLAIN_UTF8, metricsEndpoint.text())));
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
    int members = runtime.upMembers();
    ObjectNode body = JSON.createObjectNode();
    String redis = runtime.ledger().serverState();
    body.put("status", drain.refusing() ? "draining" : "down".equals(redis) ? "degraded" : "ready");
    body.put("store", runtime.ledger().kind());
    body.put("redis", redis);
    body.put("cluster_members", members);
    return complete(HttpResponse.create().withStatus(isReady() ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE)
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, body.toString())));
  }

  /** Up member, dispatcher holding a view, not draining: what {@code /ready} answers 200 for. */
  private boolean isReady() {
    boolean up = org.apache.pekko.cluster.typed.Cluster.get(system).selfMember().status()
        == org.apache.pekko.cluster.MemberStatus.up();
    return up && dispatcherHasView && !drain.refusing();
  }
}
