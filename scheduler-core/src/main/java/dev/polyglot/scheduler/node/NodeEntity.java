package dev.polyglot.scheduler.node;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import dev.polyglot.scheduler.api.CapabilityByType;
import dev.polyglot.scheduler.api.ClusterMessage;
import dev.polyglot.scheduler.api.InstalledModel;
import dev.polyglot.scheduler.api.InstalledService;
import dev.polyglot.scheduler.api.JobOrder;
import dev.polyglot.scheduler.api.LanguageCapabilities;
import dev.polyglot.scheduler.api.NodeFacts;
import dev.polyglot.scheduler.api.NodeResult;
import dev.polyglot.scheduler.api.NodeStatus;
import dev.polyglot.scheduler.api.NodeSummary;
import dev.polyglot.scheduler.api.ResourceUsage;
import dev.polyglot.scheduler.api.SchedulerClock;
import dev.polyglot.scheduler.config.SchedulerSettings;
import dev.polyglot.scheduler.ops.InstanceReports;
import dev.polyglot.scheduler.ops.JobMdc;
import dev.polyglot.scheduler.ops.Metrics;
import dev.polyglot.scheduler.pool.NodeView;
import dev.polyglot.scheduler.pool.PoolDirectory;
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
 * that matters for placement changed, never per heartbeat. It holds one {@link NodeState} and orchestrates: what
 * others are told after a change is {@link NodeNews}, the connection and its liveness {@link NodeLink}, the
 * reservations and where job news goes {@link NodeJobs}, the ledger record {@link NodeRecord}.
 *
 * <p>Lost when it stops, crashes or moves: its reservations, the jobs it gave the node and its connection (passivation
 * is off). Its registration is in the ledger (with Redis: also across instances), so a re-created entity serves the
 * node's next heartbeat and re-learns the connection from it, or the open socket registers again; the socket sends
 * results the lost incarnation did not confirm again, and they go to the session they name, which checks that the
 * node really received the job. A job whose result never comes is failed over by its session's timers.
 */
public final class NodeEntity extends AbstractBehavior<NodeEntity.Command> implements NodeLink.Host, NodeJobs.Host {

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
  public record Assign(JobOrder order, long createdAtMs) implements Command {} // created: wall clock, 0 = unknown

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

  public record Drain(ActorRef<NodeSummary> replyTo) implements Command {}

  public record Undrain(ActorRef<NodeSummary> replyTo) implements Command {}

  public record GetSummary(ActorRef<NodeSummary> replyTo) implements Command {}

  /** The admin API's NodeDetail; an id nobody registered answers {@code known == false} and its entity stops. */
  public record GetDetail(ActorRef<Detail> replyTo) implements Command {}

  public record Detail(NodeSummary summary, JsonNode extras) implements ClusterMessage {}

  /** Re-send the current view (a new PoolDirectory incarnation asks for it). */
  public enum Reannounce implements Command { INSTANCE }

  // ---- to sessions (through the SessionRouter port, by the session id recorded with the attempt)

  /** What a node entity tells the session that owns a job. */
  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "@type")
  @JsonSubTypes({
      @JsonSubTypes.Type(value = AttemptDispatched.class, name = "attempt-dispatched"),
      @JsonSubTypes.Type(value = AttemptLost.class, name = "attempt-lost"),
      @JsonSubTypes.Type(value = ResultReceived.class, name = "result-received"),
      @JsonSubTypes.Type(value = PartialReceived.class, name = "partial-received"),
      @JsonSubTypes.Type(value = AckReceived.class, name = "ack-received")})
  public sealed interface ToSession extends ClusterMessage {
    String jobId();
  }

  public record AttemptDispatched(String jobId, int attemptId, String nodeId, long dispatchedAtMs) implements ToSession {}

  public record AttemptLost(String jobId, int attemptId, String nodeId, String reason) implements ToSession {}

  public record ResultReceived(String jobId, String nodeId, NodeResult result) implements ToSession {}

  public record PartialReceived(String jobId, String nodeId, String text, boolean isFinal) implements ToSession {}

  public record AckReceived(String jobId, int attemptId, String nodeId, boolean started) implements ToSession {}

  // ---- private

  private enum HeartbeatTimeout implements Command { INSTANCE }

  private enum WarmupTimeout implements Command { INSTANCE }

  private enum ForgetOffline implements Command { INSTANCE }

  /** The live connection did not heartbeat while an untrusted second connection waited for the id. */
  private enum TakeoverWait implements Command { INSTANCE }

  /** While a claim waits: is the live connection's instance still there? */
  private enum RecheckClaim implements Command { INSTANCE }

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
                     SessionRouter sessions, Ledger ledger, ActorRef<InstanceReports.Command> reports,
                     java.time.Duration reportInterval) {}

  private static final int STASH_CAPACITY = 1_000;

  /**
   * Starts by reading the node's registration snapshot from the ledger (messages wait in a bounded stash): an
   * entity re-created after its instance died then serves the node's heartbeats without a new registration.
   */
  public static Behavior<Command> create(String nodeId, Deps deps, ActorRef<ClusterSharding.ShardCommand> shard) {
    return Behaviors.withMdc(Command.class, java.util.Map.of(JobMdc.NODE_ID, nodeId), JobMdc::of, loading(nodeId, deps, shard));
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
  private final NodeLink link;
  private final NodeJobs jobs;
  private final NodeRecord record;
  private NodeState state;
  private NodeNews news;
  /** The last heartbeat applied, and the facts right after it. */
  private Heartbeat previous;
  private NodeFacts factsAfterPrevious;
  /** Tells this incarnation from an earlier one that died: the node socket sends kept results again when it changes. */
  private final long incarnation = java.util.concurrent.ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);

  private NodeEntity(ActorContext<Command> ctx, TimerScheduler<Command> timers, String nodeId, Deps deps,
                     ActorRef<ClusterSharding.ShardCommand> shard, Loaded loaded) {
    super(ctx);
    this.timers = timers;
    this.deps = deps;
    this.shard = shard;
    this.metrics = Metrics.get(ctx.getSystem());
    this.record = new NodeRecord(deps.ledger(), metrics);
    SchedulerSettings.Nodes s = deps.settings();
    this.link = new NodeLink(ctx, timers, new NodeLink.Ticks(HeartbeatTimeout.INSTANCE, TakeoverWait.INSTANCE,
        RecheckClaim.INSTANCE), s, deps.clock(), nodeId, this);
    // started from the ledger after an earlier incarnation died: it never saw the jobs that one gave the node
    boolean inherited = loaded.snapshot().isPresent();
    this.jobs = new NodeJobs(ctx, timers, ReservationExpired::new, s.reservationTtl(), link, this, inherited);
    this.state = NodeState.unknown(nodeId, new NodeState.Limits(s.requireGpu(), s.maxConcurrentJobs(),
        s.resourceThresholdPercent(), s.unhealthyHeartbeatsToDegrade(), s.givenJobsRetained()));
    // versions grow across incarnations of this entity, so the directory never mistakes a new view for an old one
    this.news = NodeNews.start(deps.clock().wallMillis() << 16);
    if (loaded.failure() != null) metrics.inc("ledger_write_failed_total", "op", "load_node");
    loaded.snapshot().ifPresent(snap -> {
      state = state.restore(snap.facts(), snap.draining(), snap.registeredAtMs());
      ctx.getLog().info("node {} known from the ledger; waiting for its connection", nodeId);
    });
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Register.class, this::onRegister)
        .onMessage(Heartbeat.class, this::onHeartbeat)
        .onMessage(SocketClosed.class, m -> { link.closed(m.socket()); return this; })
        .onMessage(Mark.class, m -> { m.socket().tell(new NodeSocket.Taken(m.seq(), incarnation)); return this; })
        .onMessage(Reserve.class, m -> { jobs.reserve(m); return this; })
        .onMessage(Assign.class, m -> { jobs.assign(m.order(), m.createdAtMs(), now()); return this; })
        .onMessage(Release.class, m -> { jobs.release(m.jobId(), m.attemptId()); return this; })
        .onMessage(Forget.class, m -> applied(state.release(m.jobId(), m.attemptId())))
        .onMessage(Cancel.class, m -> { jobs.cancel(m); return this; })
        .onMessage(ResultFromNode.class, m -> { jobs.result(m); return this; })
        .onMessage(PartialFromNode.class, m -> { jobs.partial(m); return this; })
        .onMessage(AckFromNode.class, m -> { jobs.ack(m); return this; })
        .onMessage(Drain.class, m -> replySummary(m.replyTo(), state.drain(now()), true))
        .onMessage(Undrain.class, m -> replySummary(m.replyTo(), state.undrain(now()), true))
        .onMessage(GetSummary.class, m -> replySummary(m.replyTo(), state, false))
        .onMessage(GetDetail.class, m -> { m.replyTo().tell(NodeDetails.detail(state)); // an unknown id is not kept
          return state.known() || !link.idle() ? this : passivate(); })
        .onMessageEquals(Reannounce.INSTANCE, () -> { tell(news.reannounce(state)); return this; })
        .onMessageEquals(HeartbeatTimeout.INSTANCE, () -> { link.heartbeatTimeout(); return this; })
        .onMessageEquals(WarmupTimeout.INSTANCE, () -> applied(state.warmupExpired(now())))
        .onMessageEquals(ForgetOffline.INSTANCE, this::onForget)
        .onMessageEquals(TakeoverWait.INSTANCE, () -> { link.takeoverWaitPassed(); return this; })
        .onMessageEquals(RecheckClaim.INSTANCE, () -> { link.recheckClaim(); return this; })
        .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
        .onMessage(ReservationExpired.class, m -> { jobs.expired(m.jobId(), m.attemptId()); return this; })
        .build();
  }

  // ---------------------------------------------------------------- connection

  private Behavior<Command> onRegister(Register m) {
    ActorRef<NodeSocket.Command> s = m.socket();
    if (m.generatedId() && state.known() && !link.is(s)) {
      s.tell(new NodeSocket.IdTaken(state.nodeId()));
    } else if (link.is(s) && state.connected()) {
      state = state.refresh(m.facts());
      s.tell(new NodeSocket.Registered(state.nodeId(), state.status()));
      announce();
    } else if (link.socket() != null && state.connected() && !m.trusted()) {
      link.claim(m);
    } else {
      if (link.socket() != null && state.connected()) link.replaceLive();
      accept(s, m.facts());
    }
    return this;
  }

  /** Registers the connection: it becomes this node's one connection. */
  @Override
  public void accept(ActorRef<NodeSocket.Command> connection, NodeFacts facts) {
    link.take(connection);
    timers.cancel(ForgetOffline.INSTANCE);
    NodeState before = state;
    state = state.register(facts, now());
    connection.tell(new NodeSocket.Registered(state.nodeId(), NodeStatus.REGISTERING));
    record.save(state);
    timers.startSingleTimer(WarmupTimeout.INSTANCE, WarmupTimeout.INSTANCE, deps.settings().warmupTimeout());
    afterChange(before);
  }

  private Behavior<Command> onHeartbeat(Heartbeat m) {
    if (!link.heartbeat(m.socket(), restoredFromLedger())) return this;
    NodeFacts before = state.facts();
    // the lists and metrics of the previous heartbeat, handed on as the same objects (the socket's decoder reuses
    // what it decoded from unchanged text), were applied already: unchanged, without comparing them again
    boolean same = previous != null && before == factsAfterPrevious;
    NodeFacts facts = before.withHeartbeat(
        same && m.installedServices() == previous.installedServices() ? null : m.installedServices(),
        same && m.capabilityByType() == previous.capabilityByType() ? null : m.capabilityByType(),
        same && m.installedModels() == previous.installedModels() ? null : m.installedModels(),
        same && m.languageCapabilities() == previous.languageCapabilities() ? null : m.languageCapabilities(),
        same && m.metrics() == previous.metrics() ? null : m.metrics());
    applied(state.heartbeat(m.usage(), facts, now()));
    previous = m;
    factsAfterPrevious = state.facts();
    return this;
  }

  /** Offline now: status first while the socket is open, then every dispatched attempt is lost and fails over. */
  @Override
  public void offline(String reason) {
    NodeWork.Offline offline = NodeWork.offline(state, reason, now());
    timers.cancel(WarmupTimeout.INSTANCE);
    timers.startSingleTimer(ForgetOffline.INSTANCE, ForgetOffline.INSTANCE, deps.settings().forgetOfflineAfter());
    apply(offline.next());
    offline.lost().forEach(this::tell);
  }

  /** Known but never connected in this incarnation: the state came from the ledger snapshot. */
  private boolean restoredFromLedger() {
    return !state.connected() && state.known() && state.registeredAtMs() > 0 && state.history().isEmpty();
  }

  /** Re-created after its instance died: the node's live connection was adopted from its heartbeat. */
  @Override
  public void relearnt() {
    NodeState before = state;
    state = state.register(state.facts(), now());
    timers.startSingleTimer(WarmupTimeout.INSTANCE, WarmupTimeout.INSTANCE, deps.settings().warmupTimeout());
    afterChange(before);
  }

  private Behavior<Command> onForget() {
    if (state.connected()) return this;
    getContext().getLog().info("forgetting offline node record");
    record.forget(state.nodeId());
    deps.directory().tell(new PoolDirectory.NodeForgotten(state.nodeId()));
    deps.reports().tell(new InstanceReports.NodeGone(state.nodeId()));
    // through the shard, which buffers what arrives for this id meanwhile and starts a fresh entity for it: an
    // entity that stopped itself would lose a registration racing with the forgetting
    return passivate();
  }

  private Behavior<Command> passivate() {
    if (shard != null) shard.tell(new ClusterSharding.Passivate<>(getContext().getSelf()));
    return this;
  }

  @Override
  public void tell(NodeWork.Tell t) {
    deps.sessions().tell(t.sessionId(), t.event());
  }

  // ---------------------------------------------------------------- views and status

  @Override
  public NodeState state() {
    return state;
  }

  @Override
  public void apply(NodeState next) {
    NodeState before = state;
    state = next;
    afterChange(before);
  }

  @Override
  public void dispatched(NodeState next) {
    state = next;
  }

  @Override
  public void announce() {
    tell(news.announce(state));
  }

  private Behavior<Command> applied(NodeState next) {
    apply(next);
    return this;
  }

  /** Applies {@code next} and answers with the summary; {@code save}: draining or not changed the ledger record. */
  private Behavior<Command> replySummary(ActorRef<NodeSummary> replyTo, NodeState next, boolean save) {
    apply(next);
    replyTo.tell(NodeNews.summary(state));
    if (save) record.save(state);
    return this;
  }

  /** Reports and logs a status change, tells the agent, and announces the view if placement facts changed. */
  private void afterChange(NodeState before) {
    tell(news.changed(before, state, link.socket() != null, now(), deps.clock().monoMillis(),
        deps.reportInterval().toMillis()));
  }

  private void tell(NodeNews.Step step) {
    news = step.next();
    if (step.report() != null) deps.reports().tell(new InstanceReports.NodeRow(step.report(), step.reportedAtMono()));
    NodeState.Transition t = step.transition();
    if (t != null) getContext().getLog().info("node status {} -> {} ({})", t.from(), t.to(), t.reason());
    step.toAgent().forEach(link::tell);
    if (step.view() != null) deps.directory().tell(new PoolDirectory.NodeChanged(step.view()));
  }

  private long now() {
    return deps.clock().wallMillis();
  }
}
