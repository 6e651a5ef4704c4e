package dev.polyglot.scheduler.dispatch;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import dev.polyglot.scheduler.node.NodeRouter;
import dev.polyglot.scheduler.api.ClusterMessage;
import dev.polyglot.scheduler.api.SchedulerClock;
import dev.polyglot.scheduler.config.SchedulerSettings;
import dev.polyglot.scheduler.ops.MetricCatalog;
import dev.polyglot.scheduler.ops.Metrics;
import dev.polyglot.scheduler.node.NodeEntity;
import dev.polyglot.scheduler.pool.PoolDirectory;
import dev.polyglot.scheduler.pool.PoolUpdate;
import dev.polyglot.scheduler.pool.PoolView;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.random.RandomGenerator;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.pubsub.Topic;

/**
 * Places attempts on nodes, one dispatcher per scheduler instance (spec/BEHAVIOUR.md §5). It holds the newest
 * PoolView (built from the directory's deltas), its own placements the view does not show yet, and the FIFO
 * queue of requests waiting for capacity. It never mutates node state: it asks the chosen node's entity to
 * {@link NodeEntity.Reserve}, with a timeout, and moves to the next candidate on a refusal or a timeout.
 *
 * <p>Answers go to the requesting session through sharding: {@link Placed}, {@link NoEligible}, or
 * {@link Queued} followed later by {@link Placed} (or nothing, if the session withdraws at its pending timeout).
 * A grant that arrives after the dispatcher moved on is released at once. The queue is bounded: a request that would
 * have to wait while {@code dispatch.max-queued} requests already wait is answered {@link QueueFull} at once (its
 * session fails the job with {@code NO_AVAILABLE_NODE}), logged and counted; a request that already waited keeps its
 * turn.
 *
 * <p>Lost when it stops: the queue and in-flight placements. Their sessions' pending timeouts fail those jobs
 * with {@code JOB_TIMEOUT}; unused grants expire by the nodes' reservation TTL.
 */
public final class Dispatcher extends AbstractBehavior<Dispatcher.Command> {

  public sealed interface Command extends ClusterMessage {}

  /**
   * Everything a placement needs; {@code excluded} holds every node that already got this job or its utterance slot.
   * {@code turnNode}, when set, holds the earlier jobs of this job's turn: while it is connected and eligible the job
   * goes there or waits for its slot (never elsewhere); once it is not, the request is placed as any other.
   */
  public record PlacementRequest(String jobId, int attemptId, String sessionId, int utteranceIndex, String pool,
                                 Set<String> requiredTypes, Set<String> excluded, String affinity, String turnNode)
      implements ClusterMessage {}

  public record Place(PlacementRequest request) implements Command {}

  /** The session gave up on this attempt (pending timeout, job completed elsewhere, session gone). */
  public record Withdraw(String jobId, int attemptId) implements Command {}

  /** How this dispatcher stands, for readiness and operators. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /** {@code hasView} is false until a view of the directory's current epoch arrived: placing before that fails. */
  public record Status(boolean hasView, long epoch, long version, int nodes, int queued, int inFlight)
      implements ClusterMessage {}

  /** The current pool view and the requests waiting per pool, for the admin API and the pool gauges (a local ask). */
  public record GetPools(ActorRef<Pools> replyTo) implements Command {}

  public record Pools(PoolView view, Map<String, Integer> pending) {}

  /** Replies to the session. */
  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "@type")
  @JsonSubTypes({
      @JsonSubTypes.Type(value = Placed.class, name = "placed"),
      @JsonSubTypes.Type(value = NoEligible.class, name = "no-eligible"),
      @JsonSubTypes.Type(value = Queued.class, name = "queued"),
      @JsonSubTypes.Type(value = QueueFull.class, name = "queue-full")})
  public sealed interface Reply extends ClusterMessage {
    String jobId();

    int attemptId();
  }

  public record Placed(String jobId, int attemptId, String nodeId, long seq) implements Reply {}

  public record NoEligible(String jobId, int attemptId, String pool) implements Reply {}

  public record Queued(String jobId, int attemptId, String pool) implements Reply {}

  /** No free slot now and {@code maxQueued} requests already wait on this instance: the request is refused. */
  public record QueueFull(String jobId, int attemptId, String pool, int maxQueued) implements Reply {}

  private record ViewUpdate(PoolUpdate update) implements Command {}

  /** The directory's answer to {@link PoolDirectory.GetFull}, through the singleton proxy. */
  private record FullReply(PoolUpdate update, Throwable failure) implements Command {}

  private enum AskFull implements Command { INSTANCE }

  private record ReserveAnswer(NodeEntity.ReserveReply reply) implements Command {}

  private record AskTimedOut(String key, String nodeId) implements Command {}

  private enum RetryTick implements Command { INSTANCE }

  public record Deps(SchedulerSettings.Dispatch settings, SchedulerClock clock, NodeRouter nodes, SessionReplies replies,
                     ActorRef<PoolDirectory.Command> directory, ActorRef<Topic.Command<PoolUpdate>> topic,
                     RandomGenerator random) {}

  public static Behavior<Command> create(Deps deps) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(t -> new Dispatcher(ctx, t, deps)));
  }

  /** A placement being tried: its candidates in order and the one asked now. */
  private static final class InFlight {
    final PlacementRequest req;
    final long queueSeq;
    final List<String> candidates;
    final long deadline;
    int next;
    String asking;

    InFlight(PlacementRequest req, long queueSeq, List<String> candidates, long deadline) {
      this.req = req;
      this.queueSeq = queueSeq;
      this.candidates = candidates;
      this.deadline = deadline;
    }
  }

  private record Waiting(PlacementRequest req, long seq) {}

  private final TimerScheduler<Command> timers;
  private final Deps deps;
  private final Metrics metrics;
  private final ActorRef<NodeEntity.ReserveReply> reserveAdapter;
  private final Map<String, InFlight> inFlight = new HashMap<>();
  private final TreeMap<Long, Waiting> queue = new TreeMap<>();
  private final Map<String, Long> queuedByKey = new HashMap<>();
  /** Requests already told {@link Queued}: the reply goes out once, the first time a request waits. */
  private final Set<String> announcedQueued = new HashSet<>();
  private static final java.time.Duration FULL_VIEW_TIMEOUT = java.time.Duration.ofSeconds(3);
  private static final java.time.Duration FULL_VIEW_RETRY = java.time.Duration.ofMillis(500);

  private PoolView view = PoolView.empty(Long.MIN_VALUE);
  private boolean directoryReached;
  private OwnPlacements own;
  private long nextSeq;
  /** The queue reached its bound and that was logged; logged again once it has room and fills again. */
  private boolean fullLogged;

  private Dispatcher(ActorContext<Command> ctx, TimerScheduler<Command> timers, Deps deps) {
    super(ctx);
    this.timers = timers;
    this.deps = deps;
    this.metrics = Metrics.get(ctx.getSystem());
    this.reserveAdapter = ctx.messageAdapter(NodeEntity.ReserveReply.class, ReserveAnswer::new);
    this.own = OwnPlacements.empty(deps.settings().ownGrantTtl().toMillis());
    ActorRef<PoolUpdate> updates = ctx.messageAdapter(PoolUpdate.class, ViewUpdate::new);
    deps.topic().tell(Topic.subscribe(updates));
    requestFull();
  }

  /** Asks the directory for every view; until one answer arrived through the proxy this instance is not ready. */
  private Behavior<Command> requestFull() {
    getContext().ask(PoolUpdate.class, deps.directory(), FULL_VIEW_TIMEOUT, PoolDirectory.GetFull::new, FullReply::new);
    return this;
  }

  private Behavior<Command> onFullReply(FullReply r) {
    if (r.failure() != null) {
      getContext().getLog().debug("pool directory did not answer yet: {}", r.failure().getMessage());
      timers.startSingleTimer(AskFull.INSTANCE, AskFull.INSTANCE, FULL_VIEW_RETRY);
      return this;
    }
    directoryReached = true;
    return onViewUpdate(new ViewUpdate(r.update()));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Place.class, m -> { start(m.request(), nextSeq++); return this; })
        .onMessage(Withdraw.class, this::onWithdraw)
        .onMessage(ViewUpdate.class, this::onViewUpdate)
        .onMessage(ReserveAnswer.class, this::onReserveAnswer)
        .onMessage(AskTimedOut.class, this::onAskTimedOut)
        .onMessageEquals(RetryTick.INSTANCE, this::retryQueue)
        .onMessage(FullReply.class, this::onFullReply)
        .onMessageEquals(AskFull.INSTANCE, this::requestFull)
        .onMessage(GetPools.class, this::onGetPools)
        .onMessage(GetStatus.class, m -> {
          m.replyTo().tell(new Status(directoryReached && view.epoch() != Long.MIN_VALUE, view.epoch(), view.version(), view.nodeCount(),
              queue.size(), inFlight.size()));
          return this;
        })
        .build();
  }

  private Behavior<Command> onGetPools(GetPools m) {
    Map<String, Integer> pending = new TreeMap<>();
    for (Waiting w : queue.values()) pending.merge(w.req().pool(), 1, Integer::sum);
    m.replyTo().tell(new Pools(view, pending));
    return this;
  }

  /** Seconds since a placement started (its deadline is the start plus the placement budget). */
  private double sinceStart(InFlight f) {
    long start = f.deadline - deps.settings().placementDeadline().toMillis();
    return Math.max(0, deps.clock().monoMillis() - start) / 1000.0;
  }

  // ---------------------------------------------------------------- placing

  /** Runs the selection and either starts asking candidates, queues, or fails; returns false when the pool has no capacity. */
  private boolean start(PlacementRequest req, long seq) {
    long selectionStart = System.nanoTime();
    Selection.Outcome outcome = Selection.select(view,
        new Selection.Request(req.pool(), req.requiredTypes(), req.excluded(), req.affinity(), req.turnNode()),
        id -> own.own(id, view, deps.clock().monoMillis()), deps.random(), deps.settings().maxCandidates(), deps.settings().sampleSize());
    getContext().getLog().debug("placing job {} attempt {} in {}: {}", req.jobId(), req.attemptId(), req.pool(),
        outcome);
    if (outcome instanceof Selection.Outcome.Candidates c) {
      InFlight f = new InFlight(req, seq, c.nodeIds(), deps.clock().monoMillis() + deps.settings().placementDeadline().toMillis());
      inFlight.put(key(req.jobId(), req.attemptId()), f);
      askNext(f);
      return true;
    }
    if (outcome instanceof Selection.Outcome.NoEligible) {
      getContext().getLog().debug("no eligible node for job {} attempt {} in pool {} (view {}/{} with {} nodes)",
          req.jobId(), req.attemptId(), req.pool(), view.epoch(), view.version(), view.nodeCount());
      metrics.inc("placements_total", "outcome", "no_eligible");
      metrics.observe(MetricCatalog.PLACEMENT, (System.nanoTime() - selectionStart) / 1e9, "no_eligible");
      reply(req, new NoEligible(req.jobId(), req.attemptId(), req.pool()));
      return true;
    }
    enqueue(req, seq);
    return false;
  }

  private void askNext(InFlight f) {
    String k = key(f.req.jobId(), f.req.attemptId());
    if (f.next >= f.candidates.size() || deps.clock().monoMillis() >= f.deadline) {
      inFlight.remove(k);
      metrics.observe(MetricCatalog.PLACEMENT, sinceStart(f), "no_capacity");
      enqueue(f.req, f.queueSeq);
      return;
    }
    String nodeId = f.candidates.get(f.next++);
    f.asking = nodeId;
    own = own.asked(nodeId);
    PlacementRequest r = f.req;
    deps.nodes().node(nodeId).tell(new NodeEntity.Reserve(r.jobId(), r.attemptId(), r.sessionId(),
        r.utteranceIndex(), r.requiredTypes(), r.excluded(), reserveAdapter));
    timers.startSingleTimer(k, new AskTimedOut(k, nodeId), deps.settings().reserveAskTimeout());
  }

  private Behavior<Command> onReserveAnswer(ReserveAnswer a) {
    NodeEntity.ReserveReply r = a.reply();
    String k = key(r.jobId(), r.attemptId());
    InFlight f = inFlight.get(k);
    if (f == null || !r.nodeId().equals(f.asking)) {
      if (r instanceof NodeEntity.Reserved) {
        getContext().getLog().debug("late grant released: job {} attempt {} on {}", r.jobId(), r.attemptId(), r.nodeId());
        metrics.inc("late_grant_released_total");
        deps.nodes().node(r.nodeId()).tell(new NodeEntity.Release(r.jobId(), r.attemptId()));
      }
      return this;
    }
    timers.cancel(k);
    f.asking = null;
    if (r instanceof NodeEntity.Reserved g) {
      own = own.answered(g.nodeId(), g.seq(), deps.clock().monoMillis());
      inFlight.remove(k);
      metrics.inc("placements_total", "outcome", "placed");
      metrics.observe(MetricCatalog.PLACEMENT, sinceStart(f), "placed");
      reply(f.req, new Placed(g.jobId(), g.attemptId(), g.nodeId(), g.seq()));
    } else {
      own = own.answered(r.nodeId(), null, deps.clock().monoMillis());
      askNext(f);
    }
    return this;
  }

  private Behavior<Command> onAskTimedOut(AskTimedOut t) {
    InFlight f = inFlight.get(t.key());
    if (f == null || !t.nodeId().equals(f.asking)) return this;
    metrics.inc("dispatch_exclude_total", "reason", "ask_timeout");
    own = own.answered(t.nodeId(), null, deps.clock().monoMillis());
    f.asking = null;
    askNext(f);
    return this;
  }

  private Behavior<Command> onWithdraw(Withdraw m) {
    String k = key(m.jobId(), m.attemptId());
    Long seq = queuedByKey.remove(k);
    if (seq != null) queue.remove(seq);
    announcedQueued.remove(k);
    InFlight f = inFlight.remove(k);
    if (f != null && f.asking != null) {
      own = own.answered(f.asking, null, deps.clock().monoMillis());
      timers.cancel(k);
    }
    return this;
  }

  // ---------------------------------------------------------------- the queue

  private void enqueue(PlacementRequest req, long seq) {
    String k = key(req.jobId(), req.attemptId());
    int max = deps.settings().maxQueued();
    if (!announcedQueued.contains(k) && queue.size() >= max) {
      refuseQueueFull(req, max);
      return;
    }
    if (queue.size() < max) fullLogged = false;
    boolean first = announcedQueued.add(k);
    queue.put(seq, new Waiting(req, seq));
    queuedByKey.put(k, seq);
    if (first) {
      metrics.inc("placements_total", "outcome", "no_capacity");
      reply(req, new Queued(req.jobId(), req.attemptId(), req.pool()));
    }
    if (!timers.isTimerActive(RetryTick.INSTANCE)) {
      timers.startTimerWithFixedDelay(RetryTick.INSTANCE, RetryTick.INSTANCE, deps.settings().pendingRetryInterval());
    }
  }

  /** A deliberate refusal: counted every time, logged as a warning once each time the queue fills up. */
  private void refuseQueueFull(PlacementRequest req, int max) {
    metrics.inc("placements_total", "outcome", "queue_full");
    if (!fullLogged) {
      fullLogged = true;
      getContext().getLog().warn("placement queue full: {} requests wait for capacity; new ones are refused "
          + "(NO_AVAILABLE_NODE) until one leaves", max);
    }
    getContext().getLog().debug("placement queue full: job {} attempt {} in {} refused", req.jobId(), req.attemptId(),
        req.pool());
    reply(req, new QueueFull(req.jobId(), req.attemptId(), req.pool(), max));
  }

  /**
   * Retries waiting requests in FIFO order. The first request of a pool that still finds no capacity stops that
   * pool for this round (it keeps its place), so one freed slot costs one selection per pool, not one per request. A
   * request bound to its turn's node waits for that node only, so it never stops the rest of its pool.
   */
  private Behavior<Command> retryQueue() {
    if (queue.isEmpty()) {
      timers.cancel(RetryTick.INSTANCE);
      return this;
    }
    Set<String> full = new HashSet<>();
    for (Waiting w : List.copyOf(queue.values())) {
      if (full.contains(w.req().pool())) continue;
      queue.remove(w.seq());
      queuedByKey.remove(key(w.req().jobId(), w.req().attemptId()));
      if (!start(w.req(), w.seq()) && w.req().turnNode() == null) full.add(w.req().pool());
    }
    if (queue.isEmpty()) timers.cancel(RetryTick.INSTANCE);
    return this;
  }

  // ---------------------------------------------------------------- views

  private Behavior<Command> onViewUpdate(ViewUpdate m) {
    PoolUpdate u = m.update();
    getContext().getLog().debug("pool update {}/{} full={} with {} changed; holding {}/{}", u.epoch(), u.version(),
        u.full(), u.changed().size(), view.epoch(), view.version());
    if (u.epoch() < view.epoch()) return this;
    if (u.full()) {
      if (u.epoch() == view.epoch() && u.version() <= view.version() && view.version() > 0) return this;
      if (u.epoch() > view.epoch() && view.epoch() != Long.MIN_VALUE) {
        view = newDirectoryIncarnation(u);
      } else {
        view = PoolView.empty(u.epoch()).apply(u.changed(), u.version());
      }
    } else if (u.epoch() > view.epoch() || u.version() > view.version() + 1) {
      return requestFull();
    } else if (u.version() <= view.version()) {
      metrics.inc("pool_view_stale_ignored_total");
      return this;
    } else {
      view = view.apply(u.changed(), u.version()).remove(u.removed(), u.version());
    }
    own = own.prune(view, deps.clock().monoMillis());
    if (!queue.isEmpty()) retryQueue();
    return this;
  }

  /**
   * A new PoolDirectory incarnation (its instance died or it restarted) starts empty: every node this
   * dispatcher knew is asked to announce itself again, and placement goes on from the old view meanwhile.
   */
  private PoolView newDirectoryIncarnation(PoolUpdate u) {
    List<dev.polyglot.scheduler.pool.NodeView> known = view.allNodes();
    getContext().getLog().info("pool directory epoch {} replaced {}: asking {} nodes to re-announce", u.epoch(),
        view.epoch(), known.size());
    metrics.inc("pool_directory_epochs_total");
    for (var v : known) {
      if (v.connected()) deps.nodes().node(v.nodeId()).tell(NodeEntity.Reannounce.INSTANCE);
    }
    return view.rebase(u.epoch(), u.version()).apply(u.changed(), u.version());
  }

  private void reply(PlacementRequest req, Reply r) {
    if (!(r instanceof Queued)) announcedQueued.remove(key(req.jobId(), req.attemptId()));
    deps.replies().tell(req.sessionId(), r);
  }

  private static String key(String jobId, int attemptId) {
    return jobId + '#' + attemptId;
  }
}
