package dev.polyglot.scheduler.node;

import com.fasterxml.jackson.databind.JsonNode;
import dev.polyglot.scheduler.cluster.ClusterMessage;
import dev.polyglot.scheduler.cluster.Entities;
import dev.polyglot.scheduler.cluster.InstanceReports;
import dev.polyglot.scheduler.config.SchedulerClock;
import dev.polyglot.scheduler.config.SchedulerSettings;
import dev.polyglot.scheduler.job.JobOrder;
import dev.polyglot.scheduler.job.NodeResult;
import dev.polyglot.scheduler.job.SessionBound;
import dev.polyglot.scheduler.metrics.MetricCatalog;
import dev.polyglot.scheduler.metrics.Metrics;
import dev.polyglot.scheduler.ops.JobMdc;
import dev.polyglot.scheduler.pool.NodeView;
import dev.polyglot.scheduler.pool.PoolDirectory;
import dev.polyglot.scheduler.protocol.CapabilityByType;
import dev.polyglot.scheduler.protocol.InstalledModel;
import dev.polyglot.scheduler.protocol.InstalledService;
import dev.polyglot.scheduler.protocol.LanguageCapabilities;
import dev.polyglot.scheduler.protocol.ResourceUsage;
import dev.polyglot.scheduler.store.Ledger;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * One GPU node, sharded by node id: its registration, health state machine, capacity slots and reservations,
 * the jobs it was given, and its current connection. It is the only authority on its capacity; every other
 * actor asks it to {@link Reserve}. It announces a {@link NodeView} to the PoolDirectory only when something
 * that matters for placement changed, never per heartbeat.
 *
 * <p>Lost when it stops, crashes or moves: its reservations, the jobs it gave the node and its connection (passivation
 * is off). Its registration is in the ledger (with Redis: also across instances), so a re-created entity serves the
 * node's next heartbeat and re-learns the connection from it, or the open socket registers again; the socket sends
 * results the lost incarnation did not confirm again, and they go to the session they name, which checks that the
 * node really received the job. A job whose result never comes is failed over by its session's timers.
 */
public final class NodeEntity extends AbstractBehavior<NodeEntity.Command> {

  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "Node");

  public sealed interface Command extends ClusterMessage {}

  /**
   * A registration the socket has validated (schema, GPU). {@code trusted}: the connection presented the node
   * credential, so it may take over the id from a live connection at once; an untrusted one must wait and see
   * whether the live connection is still heartbeating ({@code nodes.takeover-wait}).
   */
  public record Register(NodeFacts facts, boolean generatedId, boolean trusted, ActorRef<NodeSocket.Command> socket)
      implements Command {}

  /** A heartbeat from the connection; {@code null} lists mean "unchanged". */
  public record Heartbeat(ResourceUsage usage, List<InstalledService> installedServices,
                          List<CapabilityByType> capabilityByType, List<InstalledModel> installedModels,
                          LanguageCapabilities languageCapabilities, JsonNode metrics,
                          ActorRef<NodeSocket.Command> socket) implements Command {}

  public record SocketClosed(ActorRef<NodeSocket.Command> socket) implements Command {}

  /** Grant one slot for one attempt, or say why not. */
  public record Reserve(String jobId, int attemptId, String sessionId, int utteranceIndex, Set<String> requiredTypes,
                        Set<String> excluded, ActorRef<ReserveReply> replyTo) implements Command {}

  public sealed interface ReserveReply extends ClusterMessage {
    String nodeId();
    String jobId();
    int attemptId();
  }

  public record Reserved(String nodeId, String jobId, int attemptId, long seq) implements ReserveReply {}

  public record Refused(String nodeId, String jobId, int attemptId, String reason) implements ReserveReply {}

  /** Write the job to the node for a granted reservation. The session hears {@link AttemptDispatched} or {@link AttemptLost}. */
  public record Assign(JobOrder order, long createdAtMs) implements Command {
    public Assign(JobOrder order) {
      this(order, 0);
    }
  }

  /** Free a slot without telling the node (a grant nobody will use). */
  public record Release(String jobId, int attemptId) implements Command {}

  /** The attempt ended without an answer the scheduler waits for (the agent absorbed it): free its slot, no job_cancel. */
  public record Forget(String jobId, int attemptId) implements Command {}

  /** Flow control: confirm to {@code socket} every message it sent before this one. */
  public record Mark(long seq, ActorRef<NodeSocket.Command> socket) implements Command {}

  /** End an attempt: free its slot and, if it was dispatched, send {@code job_cancel} with the reason. */
  public record Cancel(String jobId, int attemptId, String traceId, String reason) implements Command {}

  /**
   * A {@code job_result} from the agent. {@code claimedSessionId} is the message's own {@code session_id}: used only by
   * an entity re-created after a crash for a job it never heard of, and checked by that session (P9).
   */
  public record ResultFromNode(NodeResult result, ActorRef<NodeSocket.Command> socket, String claimedSessionId)
      implements Command {
    public ResultFromNode(NodeResult result, ActorRef<NodeSocket.Command> socket) {
      this(result, socket, null);
    }
  }

  public record PartialFromNode(String jobId, String text, boolean isFinal, ActorRef<NodeSocket.Command> socket)
      implements Command {}

  public record AckFromNode(String jobId, int attemptId, boolean started, ActorRef<NodeSocket.Command> socket)
      implements Command {}

  public record Drain(ActorRef<Summary> replyTo) implements Command {}

  public record Undrain(ActorRef<Summary> replyTo) implements Command {}

  public record GetSummary(ActorRef<Summary> replyTo) implements Command {}

  /** The admin API's NodeDetail; an id nobody registered answers {@code known == false} and its entity stops. */
  public record GetDetail(ActorRef<Detail> replyTo) implements Command {}

  public record Detail(Summary summary, com.fasterxml.jackson.databind.JsonNode extras) implements ClusterMessage {}

  /** Re-send the current view (a new PoolDirectory incarnation asks for it). */
  public enum Reannounce implements Command { INSTANCE }

  /** What operators and tests read about a node. */
  public record Summary(String nodeId, boolean known, NodeStatus status, boolean connected, boolean draining,
                        int runningJobs, int reservations, int effectiveLoad, int freeSlots, boolean overThreshold,
                        Set<String> pools, Set<String> readyTypes, int consecutiveUnhealthy, List<String> healthReasons,
                        long registeredAtMs, long lastHeartbeatMs, int maxSlots, String platform, ResourceUsage usage,
                        List<InstalledService> services, List<CapabilityByType> capabilities, String wireDialect,
                        NodeFigures figures)
      implements ClusterMessage {}

  // ---- to sessions (through sharding, by the session id recorded with the attempt)

  public record AttemptDispatched(String jobId, int attemptId, String nodeId, long dispatchedAtMs) implements SessionBound {}

  public record AttemptLost(String jobId, int attemptId, String nodeId, String reason) implements SessionBound {}

  public record ResultReceived(String jobId, String nodeId, NodeResult result) implements SessionBound {}

  public record PartialReceived(String jobId, String nodeId, String text, boolean isFinal) implements SessionBound {}

  public record AckReceived(String jobId, int attemptId, String nodeId, boolean started) implements SessionBound {}

  // ---- private

  private enum HeartbeatTimeout implements Command { INSTANCE }

  private enum WarmupTimeout implements Command { INSTANCE }

  private enum ForgetOffline implements Command { INSTANCE }

  /** The live connection did not heartbeat while an untrusted second connection waited for the id. */
  private enum TakeoverWait implements Command { INSTANCE }

  /** While a claim waits: is the live connection's instance still there? */
  private enum RecheckClaim implements Command { INSTANCE }

  private static final java.time.Duration RECHECK_CLAIM = java.time.Duration.ofSeconds(1);

  /** The shard's stop message after this entity asked to be passivated (its record was forgotten). */
  public enum Stop implements Command { INSTANCE }

  private record ReservationExpired(String jobId, int attemptId) implements Command {}

  /** What the ledger held for this node; empty (never null) when the read failed. */
  private record Loaded(Optional<Ledger.NodeSnapshot> snapshot, Throwable failure) implements Command {
    Loaded {
      snapshot = snapshot == null ? Optional.empty() : snapshot;
    }
  }

  /** What the entity needs from its instance. */
  public record Deps(SchedulerSettings.Nodes settings, SchedulerClock clock, ActorRef<PoolDirectory.Command> directory,
                     Entities entities, Ledger ledger, ActorRef<InstanceReports.Command> reports,
                     java.time.Duration reportInterval) {}

  private static final int STASH_CAPACITY = 1_000;

  /**
   * Starts by reading the node's registration snapshot from the ledger (messages wait in a bounded stash): an
   * entity re-created after its instance died then serves the node's heartbeats without a new registration.
   */
  public static Behavior<Command> create(String nodeId, Deps deps, ActorRef<ClusterSharding.ShardCommand> shard) {
    return Behaviors.withMdc(Command.class, java.util.Map.of(JobMdc.NODE_ID, nodeId), JobMdc::of,
        loading(nodeId, deps, shard));
  }

  private static Behavior<Command> loading(String nodeId, Deps deps, ActorRef<ClusterSharding.ShardCommand> shard) {
    return Behaviors.withStash(STASH_CAPACITY, stash -> Behaviors.setup(ctx -> {
      ctx.pipeToSelf(deps.ledger().loadNode(nodeId), Loaded::new);
      return Behaviors.receive(Command.class)
          .onMessage(Loaded.class, l -> stash.unstashAll(
              Behaviors.withTimers(timers -> new NodeEntity(ctx, timers, nodeId, deps, shard, l))))
          .onAnyMessage(m -> {
            if (stash.isFull()) Metrics.get(ctx.getSystem()).inc("node_stash_overflow_total");
            else stash.stash(m);
            return Behaviors.same();
          })
          .build();
    }));
  }

  private final TimerScheduler<Command> timers;
  private final Deps deps;
  private final ActorRef<ClusterSharding.ShardCommand> shard;
  private final Metrics metrics;
  private NodeState state;
  private ActorRef<NodeSocket.Command> socket;
  /** The connection under death watch (the current one, or the last one). */
  private ActorRef<NodeSocket.Command> watched;
  private NodeView announced;
  private long viewVersion;
  private long lastHeartbeatMono;
  private long lastReportMono = Long.MIN_VALUE / 2;
  /** Tells this incarnation from an earlier one that died: the node socket sends kept results again when it changes. */
  private final long incarnation = java.util.concurrent.ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
  /** Started from the ledger after an earlier incarnation died: it never saw the jobs that one gave the node. */
  private boolean inherited;
  /** An untrusted second connection that registered this id while the live one is connected, and its facts. */
  private ActorRef<NodeSocket.Command> contender;
  private NodeFacts contenderFacts;

  private NodeEntity(ActorContext<Command> ctx, TimerScheduler<Command> timers, String nodeId, Deps deps,
                     ActorRef<ClusterSharding.ShardCommand> shard, Loaded loaded) {
    super(ctx);
    this.timers = timers;
    this.deps = deps;
    this.shard = shard;
    this.metrics = Metrics.get(ctx.getSystem());
    SchedulerSettings.Nodes s = deps.settings();
    this.state = NodeState.unknown(nodeId, new NodeState.Limits(s.requireGpu(), s.maxConcurrentJobs(),
        s.resourceThresholdPercent(), s.unhealthyHeartbeatsToDegrade(), s.givenJobsRetained()));
    // versions grow across incarnations of this entity, so the directory never mistakes a new view for an old one
    this.viewVersion = deps.clock().wallMillis() << 16;
    if (loaded.failure() != null) metrics.inc("ledger_write_failed_total", "op", "load_node");
    loaded.snapshot().ifPresent(snap -> {
      state = state.restore(snap.facts(), snap.draining(), snap.registeredAtMs());
      inherited = true;
      ctx.getLog().info("node {} known from the ledger; waiting for its connection", nodeId);
    });
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Register.class, this::onRegister)
        .onMessage(Heartbeat.class, this::onHeartbeat)
        .onMessage(SocketClosed.class, this::onSocketClosed)
        .onMessage(Mark.class, m -> {
          m.socket().tell(new NodeSocket.Taken(m.seq(), incarnation));
          return this;
        })
        .onMessage(Reserve.class, this::onReserve)
        .onMessage(Assign.class, this::onAssign)
        .onMessage(Release.class, this::onRelease)
        .onMessage(Forget.class, m -> apply(state.release(m.jobId(), m.attemptId())))
        .onMessage(Cancel.class, this::onCancel)
        .onMessage(ResultFromNode.class, this::onResult)
        .onMessage(PartialFromNode.class, this::onPartial)
        .onMessage(AckFromNode.class, this::onAck)
        .onMessage(Drain.class, m -> { replySummary(m.replyTo(), state.drain(now())); saveSnapshot(); return this; })
        .onMessage(Undrain.class, m -> { replySummary(m.replyTo(), state.undrain(now())); saveSnapshot(); return this; })
        .onMessage(GetSummary.class, m -> replySummary(m.replyTo(), state))
        .onMessage(GetDetail.class, this::onGetDetail)
        .onMessageEquals(Reannounce.INSTANCE, this::onReannounce)
        .onMessageEquals(HeartbeatTimeout.INSTANCE, this::onHeartbeatTimeout)
        .onMessageEquals(WarmupTimeout.INSTANCE, () -> apply(state.warmupExpired(now())))
        .onMessageEquals(ForgetOffline.INSTANCE, this::onForget)
        .onMessageEquals(TakeoverWait.INSTANCE, this::onTakeoverWait)
        .onMessageEquals(RecheckClaim.INSTANCE, this::onRecheckClaim)
        .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
        .onMessage(ReservationExpired.class, this::onReservationExpired)
        .build();
  }

  // ---------------------------------------------------------------- connection

  private Behavior<Command> onRegister(Register m) {
    if (m.generatedId() && state.known() && !m.socket().equals(socket)) {
      m.socket().tell(new NodeSocket.IdTaken(state.nodeId()));
      return this;
    }
    if (m.socket().equals(socket) && state.connected()) {
      state = state.refresh(m.facts());
      m.socket().tell(new NodeSocket.Registered(state.nodeId(), state.status()));
      announce();
      return this;
    }
    if (socket != null && state.connected()) {
      if (!m.trusted()) return contend(m);
      replaceLiveConnection();
    }
    accept(m.socket(), m.facts());
    return this;
  }

  /** Registers the connection: it becomes this node's one connection. */
  private void accept(ActorRef<NodeSocket.Command> connection, NodeFacts facts) {
    if (contender != null && !contender.equals(connection)) refuseContender("another connection registered this node id");
    clearContender();
    socket = connection;
    watchSocket(connection);
    timers.cancel(ForgetOffline.INSTANCE);
    NodeState before = state;
    state = state.register(facts, now());
    socket.tell(new NodeSocket.Registered(state.nodeId(), NodeStatus.REGISTERING));
    saveSnapshot();
    restartHeartbeatTimer();
    timers.startSingleTimer(WarmupTimeout.INSTANCE, WarmupTimeout.INSTANCE, deps.settings().warmupTimeout());
    afterChange(before);
  }

  /** The live connection is closed for a newer one; reservations and live attempts are kept (B§2.1 step 5). */
  private void replaceLiveConnection() {
    getContext().getLog().info("node connection replaced by a newer one; keeping {} reservations",
        state.reservations().size());
    socket.tell(new NodeSocket.CloseWith("NODE_CONNECTION_REPLACED", "a newer connection registered this node id"));
    metrics.inc("node_connection_replaced_total");
  }

  /**
   * An untrusted connection claims the id of a live one. It could be the agent itself after a reconnect whose old
   * connection is dead but not yet closed, or someone who read the id from {@code /api/v1/cluster}: it waits. The
   * live connection heartbeating meanwhile proves it alive and the claim is refused; a silent one is taken over when
   * {@code nodes.takeover-wait} has passed, and a closed one at once. One claim at a time.
   */
  private Behavior<Command> contend(Register m) {
    if (contender != null && !contender.equals(m.socket())) {
      metrics.inc("node_takeover_refused_total");
      m.socket().tell(new NodeSocket.CloseWith("NODE_ID_CONFLICT", "node id " + state.nodeId()
          + " is held by a live connection and another connection is already waiting for it"));
      return this;
    }
    if (contender == null && connectionInstanceLost()) {
      // the live connection's instance is unreachable or gone (it crashed): its agent is reconnecting elsewhere
      getContext().getLog().info("node id claimed while its connection's instance is unreachable; the newer one takes over");
      replaceLiveConnection();
      accept(m.socket(), m.facts());
      return this;
    }
    if (contender == null) {
      contender = m.socket();
      metrics.inc("node_takeover_contested_total");
      getContext().getLog().info("node id claimed by a second connection while the live one is connected; waiting {}"
          + " for the live one to heartbeat", deps.settings().takeoverWait());
      timers.startSingleTimer(TakeoverWait.INSTANCE, TakeoverWait.INSTANCE, deps.settings().takeoverWait());
      timers.startTimerWithFixedDelay(RecheckClaim.INSTANCE, RecheckClaim.INSTANCE, RECHECK_CLAIM);
    }
    contenderFacts = m.facts();
    return this;
  }

  /**
   * Whether the live connection's socket actor is on another instance that the cluster sees as unreachable, or that
   * left it: then nothing will come from that connection again. (During a partition the agent may still be connected
   * there; the claim wins then, as it would have before node credentials existed.)
   */
  private boolean connectionInstanceLost() {
    org.apache.pekko.actor.Address address = socket.path().address();
    if (address.hasLocalScope()) return false;
    var cluster = org.apache.pekko.cluster.typed.Cluster.get(getContext().getSystem()).state();
    for (org.apache.pekko.cluster.Member m : cluster.getUnreachable()) if (m.address().equals(address)) return true;
    for (org.apache.pekko.cluster.Member m : cluster.getMembers()) if (m.address().equals(address)) return false;
    return true;
  }

  /** The live connection stayed silent while the claim waited: the claimant takes over. */
  private Behavior<Command> onTakeoverWait() {
    if (contender == null) return this;
    getContext().getLog().info("node takeover: the live connection did not heartbeat within {}; the newer one takes over",
        deps.settings().takeoverWait());
    ActorRef<NodeSocket.Command> next = contender;
    NodeFacts facts = contenderFacts;
    clearContender();
    if (socket != null && state.connected()) replaceLiveConnection();
    accept(next, facts);
    return this;
  }

  private void refuseContender(String why) {
    metrics.inc("node_takeover_refused_total");
    getContext().getLog().info("node takeover refused: {}", why);
    contender.tell(new NodeSocket.CloseWith("NODE_ID_CONFLICT", "node id " + state.nodeId() + " is held by a live"
        + " connection (" + why + ")"));
    clearContender();
  }

  private void clearContender() {
    contender = null;
    contenderFacts = null;
    timers.cancel(TakeoverWait.INSTANCE);
    timers.cancel(RecheckClaim.INSTANCE);
  }

  /** The live connection's instance became unreachable while the claim waited (it crashed): the claimant takes over. */
  private Behavior<Command> onRecheckClaim() {
    if (contender == null || socket == null || !state.connected() || !connectionInstanceLost()) return this;
    getContext().getLog().info("node takeover: the live connection's instance became unreachable; the newer one takes over");
    ActorRef<NodeSocket.Command> next = contender;
    NodeFacts facts = contenderFacts;
    clearContender();
    replaceLiveConnection();
    accept(next, facts);
    return this;
  }

  /** The live connection went away while a claim waited: the claimant registers now. */
  private void promoteContender() {
    if (contender == null) return;
    ActorRef<NodeSocket.Command> next = contender;
    NodeFacts facts = contenderFacts;
    clearContender();
    getContext().getLog().info("node takeover: the live connection went away; the waiting one registers");
    accept(next, facts);
  }

  private Behavior<Command> onHeartbeat(Heartbeat m) {
    if (socket == null && !state.connected() && state.known() && state.registeredAtMs() > 0 && restoredFromLedger()) {
      // re-created after its instance died: the node's live connection is adopted from its heartbeat
      getContext().getLog().info("node connection re-learnt from a heartbeat");
      metrics.inc("node_connection_relearnt_total");
      socket = m.socket();
      watchSocket(socket);
      NodeState before = state;
      state = state.register(state.facts(), now());
      timers.startSingleTimer(WarmupTimeout.INSTANCE, WarmupTimeout.INSTANCE, deps.settings().warmupTimeout());
      afterChange(before);
    }
    if (!state.connected() || !m.socket().equals(socket)) {
      metrics.inc("node_heartbeat_unregistered_total");
      if (socket != null && state.connected()) {
        // replaced by a newer connection of the same node: this one is stale
        m.socket().tell(new NodeSocket.CloseWith("NODE_NOT_REGISTERED", "node is not registered; reconnect and register"));
      } else {
        // this entity has no connection (re-created, or it forgot the node): the open socket registers again
        m.socket().tell(new NodeSocket.RegisterAgain("the node entity had no connection"));
      }
      return this;
    }
    metrics.inc("node_heartbeats_total");
    if (contender != null) refuseContender("the live connection is still heartbeating");
    restartHeartbeatTimer();
    NodeFacts facts = state.facts().withHeartbeat(m.installedServices(), m.capabilityByType(), m.installedModels(),
        m.languageCapabilities(), m.metrics());
    return apply(state.heartbeat(m.usage(), facts, now()));
  }

  /**
   * Death watch on the connection: when the instance hosting the node's socket dies, no StreamEnded ever comes, and
   * the node goes Offline as soon as the cluster removes that instance (instead of at the heartbeat timeout).
   */
  private void watchSocket(ActorRef<NodeSocket.Command> s) {
    if (s.equals(watched)) return;
    if (watched != null) getContext().unwatch(watched);
    watched = s;
    getContext().watchWith(s, new SocketClosed(s));
  }

  private Behavior<Command> onSocketClosed(SocketClosed m) {
    if (m.socket().equals(contender)) {
      clearContender();
      return this;
    }
    if (!m.socket().equals(socket) || !state.connected()) return this;
    goOffline("socket closed");
    socket = null;
    promoteContender();
    return this;
  }

  private Behavior<Command> onHeartbeatTimeout() {
    if (!state.connected()) return this;
    long left = deps.settings().heartbeatTimeout().toMillis() - (deps.clock().monoMillis() - lastHeartbeatMono);
    if (left > 0) {
      timers.startSingleTimer(HeartbeatTimeout.INSTANCE, HeartbeatTimeout.INSTANCE, java.time.Duration.ofMillis(left));
      return this;
    }
    metrics.inc("node_heartbeat_timeouts_total");
    getContext().getLog().info("node heartbeat timeout after {}", deps.settings().heartbeatTimeout());
    ActorRef<NodeSocket.Command> s = socket;
    goOffline("heartbeat timeout");
    if (s != null) s.tell(new NodeSocket.CloseWith("NODE_HEARTBEAT_TIMEOUT", "no heartbeat for "
        + deps.settings().heartbeatTimeout().toSeconds() + " s"));
    socket = null;
    promoteContender();
    return this;
  }

  /** Offline now: status first while the socket is open, then every dispatched attempt is lost and fails over. */
  private void goOffline(String reason) {
    List<NodeState.Reservation> lost = state.dispatchedAttempts();
    NodeState before = state;
    state = state.disconnect(reason, now());
    timers.cancel(HeartbeatTimeout.INSTANCE);
    timers.cancel(WarmupTimeout.INSTANCE);
    timers.startSingleTimer(ForgetOffline.INSTANCE, ForgetOffline.INSTANCE, deps.settings().forgetOfflineAfter());
    afterChange(before);
    for (NodeState.Reservation r : lost) {
      deps.entities().tellSession(r.sessionId(), new AttemptLost(r.jobId(), r.attemptId(), state.nodeId(), reason));
    }
  }

  /** Known but never connected in this incarnation: the state came from the ledger snapshot. */
  private boolean restoredFromLedger() {
    return state.history().isEmpty();
  }

  private void saveSnapshot() {
    if (!state.known() || state.facts() == null) return;
    deps.ledger().saveNode(new Ledger.NodeSnapshot(state.nodeId(), state.facts(), state.draining(), state.registeredAtMs()))
        .whenComplete((ok, ex) -> {
          if (ex != null) metrics.inc("ledger_write_failed_total", "op", "save_node");
        });
  }

  private Behavior<Command> onForget() {
    if (state.connected()) return this;
    getContext().getLog().info("forgetting offline node record");
    deps.ledger().forgetNode(state.nodeId());
    deps.directory().tell(new PoolDirectory.NodeForgotten(state.nodeId()));
    deps.reports().tell(new InstanceReports.NodeGone(state.nodeId()));
    // through the shard, which buffers what arrives for this id meanwhile and starts a fresh entity for it: an
    // entity that stopped itself would lose a registration racing with the forgetting
    shard.tell(new ClusterSharding.Passivate<>(getContext().getSelf()));
    return this;
  }

  // ---------------------------------------------------------------- capacity

  private Behavior<Command> onReserve(Reserve m) {
    NodeState.ReserveDecision d = state.reserve(m.jobId(), m.attemptId(), m.sessionId(), m.utteranceIndex(),
        m.requiredTypes(), m.excluded());
    if (d instanceof NodeState.ReserveDecision.Granted g) {
      NodeState before = state;
      state = g.next();
      timers.startSingleTimer(ttlKey(m.jobId(), m.attemptId()), new ReservationExpired(m.jobId(), m.attemptId()),
          deps.settings().reservationTtl());
      afterChange(before);
      m.replyTo().tell(new Reserved(state.nodeId(), m.jobId(), m.attemptId(), g.seq()));
    } else {
      String reason = ((NodeState.ReserveDecision.Refused) d).reason();
      metrics.inc("dispatch_exclude_total", "reason", reason);
      m.replyTo().tell(new Refused(state.nodeId(), m.jobId(), m.attemptId(), reason));
      if (!state.known() || !state.connected()) announce();
    }
    return this;
  }

  private Behavior<Command> onAssign(Assign m) {
    JobOrder o = m.order();
    Optional<NodeState> next = socket == null ? Optional.empty() : state.dispatch(o.jobId(), o.attemptId(), now());
    if (next.isEmpty()) {
      deps.entities().tellSession(o.sessionId(), new AttemptLost(o.jobId(), o.attemptId(), state.nodeId(),
          "reservation gone before dispatch"));
      return this;
    }
    state = next.get();
    timers.cancel(ttlKey(o.jobId(), o.attemptId()));
    socket.tell(new NodeSocket.SendJob(o, m.createdAtMs()));
    deps.entities().tellSession(o.sessionId(), new AttemptDispatched(o.jobId(), o.attemptId(), state.nodeId(), now()));
    return this;
  }

  /**
   * Frees a grant nobody will use. A reservation already dispatched is kept: a repeated Reserve for the same
   * attempt is granted again, and the dispatcher releasing that duplicate must not free the running job's slot.
   */
  private Behavior<Command> onRelease(Release m) {
    if (!state.reservedNotDispatched(m.jobId(), m.attemptId())) return this;
    timers.cancel(ttlKey(m.jobId(), m.attemptId()));
    return apply(state.release(m.jobId(), m.attemptId()));
  }

  private Behavior<Command> onCancel(Cancel m) {
    boolean dispatched = state.reservation(m.jobId(), m.attemptId()).map(NodeState.Reservation::dispatched).orElse(false);
    if (dispatched && socket != null) socket.tell(new NodeSocket.SendCancel(m.jobId(), m.traceId(), m.reason()));
    timers.cancel(ttlKey(m.jobId(), m.attemptId()));
    return apply(state.release(m.jobId(), m.attemptId()));
  }

  private Behavior<Command> onReservationExpired(ReservationExpired m) {
    if (state.reservedNotDispatched(m.jobId(), m.attemptId())) {
      getContext().getLog().debug("reservation expired undispatched job {} attempt {}", m.jobId(), m.attemptId());
      metrics.inc("reservation_expired_total");
      return apply(state.release(m.jobId(), m.attemptId()));
    }
    return this;
  }

  // ---------------------------------------------------------------- results

  private Behavior<Command> onResult(ResultFromNode m) {
    NodeResult r = m.result();
    Optional<NodeState.Given> given = state.given(r.jobId());
    if (given.isEmpty()) {
      if (inherited && m.claimedSessionId() != null) {
        // the job was given by the incarnation that died: its session checks that this node really got it
        metrics.inc("result_inherited_total");
        getContext().getLog().info("result for job {} given by an earlier incarnation passed to session {}", r.jobId(),
            m.claimedSessionId());
        deps.entities().tellSession(m.claimedSessionId(), new ResultReceived(r.jobId(), state.nodeId(), r));
        return this;
      }
      getContext().getLog().warn("result dropped: foreign_node job {} attempt {} was never given to this node",
          r.jobId(), r.attemptId());
      metrics.inc("result_dropped_total", "reason", "foreign_node");
      return this;
    }
    if (r.processingTimeMs() != null) metrics.observe(MetricCatalog.NODE_PROCESSING, r.processingTimeMs() / 1000.0);
    if (r.success()) apply(state.releaseJob(r.jobId()));
    else apply(state.release(r.jobId(), r.attemptId()));
    deps.entities().tellSession(given.get().sessionId(), new ResultReceived(r.jobId(), state.nodeId(), r));
    return this;
  }

  private Behavior<Command> onPartial(PartialFromNode m) {
    state.given(m.jobId()).ifPresentOrElse(
        g -> deps.entities().tellSession(g.sessionId(), new PartialReceived(m.jobId(), state.nodeId(), m.text(), m.isFinal())),
        () -> metrics.inc("partial_dropped_total", "reason", "foreign_node"));
    return this;
  }

  private Behavior<Command> onAck(AckFromNode m) {
    state.given(m.jobId()).ifPresent(g -> deps.entities().tellSession(g.sessionId(),
        new AckReceived(m.jobId(), m.attemptId(), state.nodeId(), m.started())));
    return this;
  }

  // ---------------------------------------------------------------- views and status

  private Behavior<Command> apply(NodeState next) {
    NodeState before = state;
    state = next;
    afterChange(before);
    return this;
  }

  private Behavior<Command> replySummary(ActorRef<Summary> replyTo, NodeState next) {
    apply(next);
    replyTo.tell(summary());
    return this;
  }

  /** Logs and reports a status transition, then announces the view if placement facts changed. */
  private void afterChange(NodeState before) {
    boolean statusChanged = before.status() != state.status() || !before.known();
    report(statusChanged);
    if (statusChanged) {
      state.lastTransition().ifPresent(t -> {
        getContext().getLog().info("node status {} -> {} ({})", t.from(), t.to(), t.reason());
        if (socket != null && state.connected()) socket.tell(new NodeSocket.SendStatus(t.to(), t.reason(), t.atMs()));
      });
      if (state.status() == NodeStatus.OFFLINE && socket != null) {
        socket.tell(new NodeSocket.SendStatus(NodeStatus.OFFLINE, state.lastTransition().map(NodeState.Transition::reason).orElse(""), now()));
      }
    }
    announce();
  }

  /** Tells this instance's reports about the node: on a status change, else at most once per report interval. */
  private void report(boolean now) {
    long t = deps.clock().monoMillis();
    if (!state.known() || (!now && t - lastReportMono < deps.reportInterval().toMillis())) return;
    lastReportMono = t;
    deps.reports().tell(new InstanceReports.NodeRow(summary(), t));
  }

  private void announce() {
    NodeView v = state.view(viewVersion + 1);
    if (v.samePlacementFacts(announced)) return;
    viewVersion++;
    announced = v;
    deps.directory().tell(new PoolDirectory.NodeChanged(v));
  }

  private Behavior<Command> onReannounce() {
    if (announced != null) {
      viewVersion++;
      announced = state.view(viewVersion);
      deps.directory().tell(new PoolDirectory.NodeChanged(announced));
    }
    return this;
  }

  private Behavior<Command> onGetDetail(GetDetail m) {
    m.replyTo().tell(new Detail(summary(), NodeDetails.extras(state)));
    if (!state.known() && socket == null && contender == null && shard != null) {
      shard.tell(new ClusterSharding.Passivate<>(getContext().getSelf())); // asked about an id nobody registered
    }
    return this;
  }

  private Summary summary() {
    NodeState s = state;
    return new Summary(s.nodeId(), s.known(), s.status(), s.connected(), s.draining(), s.runningJobs(),
        s.reservations().size(), s.effectiveLoad(), s.freeSlots(), s.overThreshold(), s.pools(),
        s.facts() == null ? Set.of() : s.facts().readyTypes(), s.consecutiveUnhealthy(), s.healthReasons(),
        s.registeredAtMs(), s.lastHeartbeatMs(), s.limits().maxSlots(), s.facts() == null ? null : s.facts().platform(),
        s.usage().orElse(null), s.facts() == null ? List.of() : s.facts().installedServices(),
        s.facts() == null ? List.of() : s.facts().capabilityByType(), s.facts() == null ? null : s.facts().wireDialect(),
        s.facts() == null ? null : NodeFigures.of(s.facts()));
  }

  /**
   * Notes a valid heartbeat. The timeout timer is armed once and, when it fires early, re-armed for the time
   * left since the last heartbeat: a heartbeat storm does not reschedule a timer per heartbeat.
   */
  private void restartHeartbeatTimer() {
    lastHeartbeatMono = deps.clock().monoMillis();
    if (!timers.isTimerActive(HeartbeatTimeout.INSTANCE)) {
      timers.startSingleTimer(HeartbeatTimeout.INSTANCE, HeartbeatTimeout.INSTANCE, deps.settings().heartbeatTimeout());
    }
  }

  private static String ttlKey(String jobId, int attemptId) {
    return "ttl:" + jobId + '#' + attemptId;
  }

  private long now() {
    return deps.clock().wallMillis();
  }
}
