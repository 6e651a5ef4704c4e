package dev.polyglot.scheduler.http;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.polyglot.scheduler.api.NodeSummary;
import dev.polyglot.scheduler.bootstrap.SchedulerRuntime;
import dev.polyglot.scheduler.config.Secret;
import dev.polyglot.scheduler.node.NodeEntity;
import dev.polyglot.scheduler.ops.InstanceReports;
import dev.polyglot.scheduler.ops.JobIndex;
import dev.polyglot.scheduler.ops.Metrics;
import dev.polyglot.scheduler.ops.OpsReports;
import dev.polyglot.scheduler.session.SessionEntity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The operators' HTTP surface besides {@code /metrics}: lingua's {@code /api/v1/stats} and {@code /api/v1/metrics}
 * (PROTOCOL.md §10.2, §10.4), the admin API (spec/BEHAVIOUR.md §14: nodes, node detail, drain and undrain, pools,
 * sessions, session and job detail), the instance drain for rolling updates, and the dashboard's static files.
 *
 * <p>Lists and figures come from snapshots refreshed on the snapshot timer (a request asks nothing); a detail, a drain
 * or an undrain asks the one entity concerned through sharding, with a timeout ({@value #ASK_SECONDS} s: 503 when it
 * does not answer). With {@code admin.token} set every {@code POST} needs it as a bearer token (401 otherwise); the
 * {@code GET}s are guarded by {@code http.api-token} like {@code /api/v1/cluster}. {@code admin.enabled = false} takes
 * the admin API and the instance drain away (404); the stats, the JSON metrics and the dashboard stay.
 */
final class OpsRoutes {
  static final int ASK_SECONDS = 3;
  private static final Duration ASK = Duration.ofSeconds(ASK_SECONDS);
  /** What an id may be (PROTOCOL.md input limits): anything else is not a known id and is answered 404 at once. */
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:@/+=~-]{1,128}");
  private static final Set<String> DASHBOARD_FILES = Set.of("index.html", "app.js", "style.css");

  private final SchedulerRuntime runtime;
  private final ActorSystem<?> system;
  private final Metrics metrics;
  private final Supplier<OpsReports.Snapshot> ops;
  private final InstanceDrain drain;
  private final BiFunction<String, Supplier<Route>, Route> apiToken;
  private final boolean adminEnabled;
  private final Secret adminToken;
  private final String self;
  private final AtomicLong statsRequests = new AtomicLong();
  private final AtomicReference<Rendered> stats = new AtomicReference<>();
  private final AtomicReference<Rendered> apiMetrics = new AtomicReference<>();
  private final AtomicReference<Rendered> nodes = new AtomicReference<>();
  private final AtomicReference<Rendered> pools = new AtomicReference<>();
  private final AtomicReference<Rendered> sessions = new AtomicReference<>();

  /** A JSON body rendered from one pair of snapshots: rendered again only when either changed. */
  private record Rendered(Object cluster, Object ops, String json) {}

  OpsRoutes(SchedulerRuntime runtime, Supplier<OpsReports.Snapshot> ops, InstanceDrain drain,
            BiFunction<String, Supplier<Route>, Route> apiToken) {
    this.runtime = runtime;
    this.system = runtime.system();
    this.metrics = Metrics.get(system);
    this.ops = ops;
    this.drain = drain;
    this.apiToken = apiToken;
    var config = system.settings().config();
    this.adminEnabled = config.getBoolean("scheduler.admin.enabled");
    this.adminToken = new Secret(config.getString("scheduler.admin.token"));
    this.self = org.apache.pekko.cluster.typed.Cluster.get(system).selfMember().address().toString();
  }

  Route routes() {
    List<Route> routes = new ArrayList<>();
    routes.add(path(api("stats"), () -> get(() -> apiToken.apply("stats", this::stats))));
    routes.add(path(api("metrics"), () -> get(() -> apiToken.apply("api_metrics", this::apiMetrics))));
    routes.add(pathPrefix("dashboard", () -> concat(
        pathEndOrSingleSlash(() -> get(() -> getFromResource("dashboard/index.html"))),
        path(PathMatchers.segment(), file -> get(() -> DASHBOARD_FILES.contains(file)
            ? getFromResource("dashboard/" + file) : complete(StatusCodes.NOT_FOUND))))));
    if (adminEnabled) {
      routes.add(path(api("nodes"), () -> get(() -> apiToken.apply("admin", () -> cached(nodes,
          (c, o) -> AdminJson.nodeList(c))))));
      routes.add(path(api("nodes").slash(PathMatchers.segment()), id -> get(() -> apiToken.apply("admin",
          () -> completeWithFuture(nodeDetail(id))))));
      routes.add(path(api("nodes").slash(PathMatchers.segment()).slash("drain"), id -> post(() ->
          admin(() -> completeWithFuture(drainNode(id, true))))));
      routes.add(path(api("nodes").slash(PathMatchers.segment()).slash("undrain"), id -> post(() ->
          admin(() -> completeWithFuture(drainNode(id, false))))));
      routes.add(path(api("pools"), () -> get(() -> apiToken.apply("admin", () -> cached(pools,
          (c, o) -> AdminJson.pools(o))))));
      routes.add(path(api("sessions"), () -> get(() -> apiToken.apply("admin", () -> cached(sessions,
          (c, o) -> AdminJson.sessions(o))))));
      routes.add(path(api("sessions").slash(PathMatchers.segment()), id -> get(() -> apiToken.apply("admin",
          () -> completeWithFuture(sessionDetail(id))))));
      routes.add(path(api("jobs").slash(PathMatchers.segment()), id -> get(() -> apiToken.apply("admin",
          () -> completeWithFuture(jobDetail(id))))));
      routes.add(path(api("instance"), () -> get(() -> apiToken.apply("admin", this::instanceStatus))));
      routes.add(path(api("instance").slash("drain"), () -> concat(
          post(() -> admin(this::drainInstance)),
          get(() -> apiToken.apply("admin", this::instanceStatus)))));
    }
    return concat(routes.get(0), routes.subList(1, routes.size()).toArray(new Route[0]));
  }

  private static org.apache.pekko.http.javadsl.server.PathMatcher0 api(String what) {
    return PathMatchers.segment("api").slash("v1").slash(what);
  }

  /** With {@code admin.token} set, a {@code POST} needs it as a bearer token. */
  private Route admin(Supplier<Route> inner) {
    if (!adminToken.isSet()) return inner.get();
    return extractRequest(request -> {
      String bearer = request.getHeader("Authorization").map(h -> h.value().trim())
          .filter(v -> v.regionMatches(true, 0, "Bearer ", 0, 7)).map(v -> v.substring(7).trim()).orElse(null);
      if (adminToken.matches(bearer)) return inner.get();
      metrics.inc("http_unauthorized_total", "path", "admin");
      return complete(response(StatusCodes.UNAUTHORIZED, AdminJson.error("UNAUTHORIZED",
          "a valid admin bearer token is required")).addHeader(RawHeader.create("WWW-Authenticate", "Bearer")));
    });
  }

  // ---------------------------------------------------------------- lingua's shapes

  private Route stats() {
    statsRequests.incrementAndGet();
    return cached(stats, StatsJson::stats);
  }

  private Route apiMetrics() {
    return cached(apiMetrics, (c, o) -> StatsJson.metrics(c, o, statsRequests.get(),
        runtime.settings().segmentation().pause().toMillis()));
  }

  /**
   * A body rendered from the newest snapshots, once per new snapshot whatever the number of requests (a flood of
   * requests for a list of 10,000 nodes renders it once per interval).
   */
  private Route cached(AtomicReference<Rendered> slot,
                       BiFunction<InstanceReports.Snapshot, OpsReports.Snapshot, JsonNode> render) {
    InstanceReports.Snapshot c = runtime.clusterSnapshot();
    OpsReports.Snapshot o = ops.get();
    Rendered r = slot.get();
    if (r == null || r.cluster() != c || r.ops() != o) {
      r = new Rendered(c, o, render.apply(c, o).toString());
      slot.set(r);
    }
    return completeJson(r.json());
  }

  // ---------------------------------------------------------------- nodes

  private CompletionStage<HttpResponse> nodeDetail(String id) {
    if (!ID.matcher(id).matches()) return done(notFound("node", id));
    return askDetail(id).thenApply(d -> d.summary().known()
        ? response(StatusCodes.OK, AdminJson.detail(d, hostOf(id))) : notFound("node", id))
        .exceptionally(this::unavailable);
  }

  /** Drain or undrain a known node: idempotent, answered with its summary (B§2.3, §14). */
  private CompletionStage<HttpResponse> drainNode(String id, boolean drain) {
    if (!ID.matcher(id).matches()) return done(notFound("node", id));
    return askDetail(id).thenCompose(d -> {
      if (!d.summary().known()) return done(notFound("node", id));
      metrics.inc("admin_node_actions_total", "action", drain ? "drain" : "undrain");
      system.log().info("admin API: {} node {}", drain ? "drain" : "undrain", id);
      return AskPattern.<NodeEntity.Command, NodeSummary>ask(runtime.entities().node(id),
              replyTo -> drain ? new NodeEntity.Drain(replyTo) : new NodeEntity.Undrain(replyTo), ASK, system.scheduler())
          .thenApply(s -> response(StatusCodes.OK, AdminJson.summary(s, hostOf(id))));
    }).exceptionally(this::unavailable);
  }

  private CompletionStage<NodeEntity.Detail> askDetail(String id) {
    return AskPattern.ask(runtime.entities().node(id), NodeEntity.GetDetail::new, ASK, system.scheduler());
  }

  private String hostOf(String nodeId) {
    for (AdminJson.HostedNode h : AdminJson.nodes(runtime.clusterSnapshot())) {
      if (h.summary().nodeId().equals(nodeId)) return h.instanceId();
    }
    return null;
  }

  // ---------------------------------------------------------------- sessions and jobs

  private CompletionStage<HttpResponse> sessionDetail(String id) {
    if (!ID.matcher(id).matches()) return done(notFound("session", id));
    return AskPattern.<SessionEntity.Command, SessionEntity.Detail>ask(runtime.entities().session(id),
            SessionEntity.GetDetail::new, ASK, system.scheduler())
        .thenApply(d -> d.found() ? response(StatusCodes.OK, d.body()) : notFound("session", id))
        .exceptionally(this::unavailable);
  }

  private CompletionStage<HttpResponse> jobDetail(String id) {
    if (!ID.matcher(id).matches()) return done(notFound("job", id));
    return locate(id).thenCompose(session -> {
      if (session.isEmpty()) return done(notFound("job", id));
      return AskPattern.<SessionEntity.Command, SessionEntity.Detail>ask(runtime.entities().session(session.get()),
              replyTo -> new SessionEntity.GetJob(id, replyTo), ASK, system.scheduler())
          .thenApply(d -> d.found() ? response(StatusCodes.OK, d.body()) : notFound("job", id));
    }).exceptionally(this::unavailable);
  }

  /** The session owning a job: this instance's index, else every other instance's, asked at once (first answer wins). */
  private CompletionStage<Optional<String>> locate(String jobId) {
    Optional<String> here = JobIndex.get(system).sessionOf(jobId);
    if (here.isPresent()) return done(here);
    List<CompletableFuture<String>> asks = new ArrayList<>();
    for (OpsReports.Report r : ops.get().reports()) {
      if (r.address().equals(self)) continue;
      asks.add(AskPattern.<OpsReports.Command, OpsReports.JobFound>ask(r.ref(),
              replyTo -> new OpsReports.FindJob(jobId, replyTo), ASK, system.scheduler())
          .thenApply(OpsReports.JobFound::sessionId).exceptionally(ex -> null).toCompletableFuture());
    }
    return CompletableFuture.allOf(asks.toArray(new CompletableFuture[0])).thenApply(v -> asks.stream()
        .map(CompletableFuture::join).filter(java.util.Objects::nonNull).findFirst());
  }

  // ---------------------------------------------------------------- the instance

  private Route instanceStatus() {
    return json(StatusCodes.OK, drain.status(runtime.identity().instanceId(), runtime.ledger().kind()));
  }

  private Route drainInstance() {
    if (drain.start()) metrics.inc("instance_drains_total");
    return json(StatusCodes.ACCEPTED, drain.status(runtime.identity().instanceId(), runtime.ledger().kind()));
  }

  // ---------------------------------------------------------------- responses

  private HttpResponse notFound(String what, String id) {
    String shown = id.length() > 128 ? id.substring(0, 128) : id;
    return response(StatusCodes.NOT_FOUND, AdminJson.error("NOT_FOUND", "no " + what + " " + shown));
  }

  private HttpResponse unavailable(Throwable ex) {
    Throwable cause = ex instanceof java.util.concurrent.CompletionException && ex.getCause() != null ? ex.getCause() : ex;
    system.log().info("admin API request failed: {}", cause.toString());
    return response(StatusCodes.SERVICE_UNAVAILABLE, AdminJson.error("UNAVAILABLE",
        "no answer within " + ASK_SECONDS + " s; try again"));
  }

  private static <T> CompletionStage<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }

  static HttpResponse response(StatusCode status, JsonNode body) {
    return HttpResponse.create().withStatus(status)
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, AdminJson.orEmpty(body).toString()));
  }

  private static Route json(StatusCode status, JsonNode body) {
    return complete(response(status, body));
  }

  private static Route completeJson(String json) {
    return complete(HttpResponse.create().withStatus(StatusCodes.OK)
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, json)));
  }
}
