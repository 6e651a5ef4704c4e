package dev.polyglot.scheduler.http;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.polyglot.scheduler.cluster.InstanceReports;
import dev.polyglot.scheduler.cluster.SchedulerRuntime;
import dev.polyglot.scheduler.dispatch.Dispatcher;
import dev.polyglot.scheduler.edge.OpenSockets;
import dev.polyglot.scheduler.edge.SocketOut;
import dev.polyglot.scheduler.node.NodeSocket;
import dev.polyglot.scheduler.session.SessionSocket;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
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
 * {@code /ready}. Each WebSocket gets its own socket actor; nothing here decides anything.
 */
public final class SchedulerServer {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** How long a stopping instance waits for its WebSockets to close before it goes on without them. */
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(3);
  /** After that, connections still open are dropped at this deadline. */
  private static final Duration TERMINATE_DEADLINE = Duration.ofSeconds(5);

  private final SchedulerRuntime runtime;
  private final ActorSystem<?> system;
  private final AtomicLong connections = new AtomicLong();
  private final ActorRef<OpenSockets.Command> openSockets;

  public SchedulerServer(SchedulerRuntime runtime) {
    this.runtime = runtime;
    this.system = runtime.system();
    this.openSockets = system.systemActorOf(OpenSockets.create(), "open-sockets", Props.empty());
  }

  /**
   * Binds {@code host:port} from the settings (port 0 picks a free one) and stops with coordinated shutdown:
   * no new connection from service-unbind on; in service-requests-done every WebSocket is closed with a close
   * frame (status 1000) and no {@code error} frame, so its agent or client reconnects at once to another
   * instance; in service-stop whatever connection is left is terminated.
   */
  public CompletionStage<ServerBinding> bind(String host, int port) {
    return Http.get(system).newServerAt(host, port).bind(routes()).thenApply(this::stopOnShutdown);
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
    // clients connected elsewhere keep receiving. (ServerBinding.addToCoordinatedShutdown, used before, ends the
    // connections with the listener in this phase: the peers saw them dropped, without a close frame.)
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
    return WebSocketBridge.flow(system, runtime.settings().websocket().nodeMaxMessage(),
        runtime.settings().websocket().outboundQueueSize(),
        new WebSocketBridge.Adapter<>((ack, in) -> new NodeSocket.Frame(in, ack), NodeSocket.Started::new, NodeSocket.StreamEnded.INSTANCE),
        (ActorRef<SocketOut> out) -> opened(system.systemActorOf(NodeSocket.create(out, deps),
            "node-socket-" + connections.incrementAndGet(), Props.empty()), NodeSocket.InstanceStopping.INSTANCE));
  }

  private org.apache.pekko.stream.javadsl.Flow<org.apache.pekko.http.javadsl.model.ws.Message,
      org.apache.pekko.http.javadsl.model.ws.Message, org.apache.pekko.NotUsed> sessionFlow() {
    SessionSocket.Deps deps = new SessionSocket.Deps(runtime.settings(), runtime.clock(), runtime.entities(), runtime.codec());
    return WebSocketBridge.flow(system, runtime.settings().websocket().sessionMaxMessage(),
        runtime.settings().websocket().outboundQueueSize(),
        new WebSocketBridge.Adapter<>((ack, in) -> new SessionSocket.Frame(in, ack), SessionSocket.Started::new, SessionSocket.StreamEnded.INSTANCE),
        (ActorRef<SocketOut> out) -> opened(system.systemActorOf(SessionSocket.create(out, deps),
            "session-socket-" + connections.incrementAndGet(), Props.empty()),
            SessionSocket.InstanceStopping.INSTANCE));
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
