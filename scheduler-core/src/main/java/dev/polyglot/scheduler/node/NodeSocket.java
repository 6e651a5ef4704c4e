package dev.polyglot.scheduler.node;

import dev.polyglot.scheduler.api.ClusterMessage;
import dev.polyglot.scheduler.api.Ids;
import dev.polyglot.scheduler.api.JobOrder;
import dev.polyglot.scheduler.api.NodeStatus;
import dev.polyglot.scheduler.api.SchedulerClock;
import dev.polyglot.scheduler.api.WireDialect;
import dev.polyglot.scheduler.config.SchedulerSettings;
import dev.polyglot.scheduler.edge.Ack;
import dev.polyglot.scheduler.edge.Admission;
import dev.polyglot.scheduler.edge.InboundFlow;
import dev.polyglot.scheduler.edge.SocketAck;
import dev.polyglot.scheduler.edge.SocketEdge;
import dev.polyglot.scheduler.edge.SocketIn;
import dev.polyglot.scheduler.edge.SocketLink;
import dev.polyglot.scheduler.edge.SocketOut;
import dev.polyglot.scheduler.edge.Unconfirmed;
import dev.polyglot.scheduler.ops.MetricCatalog;
import dev.polyglot.scheduler.ops.Metrics;
import dev.polyglot.scheduler.wire.ErrorFrame;
import dev.polyglot.scheduler.wire.NodeInbound;
import dev.polyglot.scheduler.wire.NodeOutbound;
import dev.polyglot.scheduler.wire.WireCodec;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One node agent's WebSocket connection: translates valid frames into NodeEntity commands ({@link NodeFrames}), and
 * encodes what the entity sends back. It owns no decisions beyond the registration checks (schema version, GPU,
 * admission) that come before any state exists, and keeps each {@code job_result} until the entity confirms it. What
 * every socket does with its connection is its {@link SocketEdge}: bad input gets an {@code error} frame
 * (rate-limited per code), a log line with a stable phrase, and a counter, and never reaches the entity; a
 * connection is closed, after an {@code error} saying why, when no {@code node_register} arrives within
 * {@code websocket.handshake-timeout}, when its peer sends nothing for {@code websocket.idle-timeout}, when it does
 * not read, and when its address or the instance registers nodes faster than {@code admission} allows.
 *
 * <p>Lost when it stops: nothing but the connection; the entity hears {@link NodeEntity.SocketClosed}.
 */
public final class NodeSocket extends AbstractBehavior<NodeSocket.Command> implements SocketEdge.Owner {

  public sealed interface Command extends ClusterMessage {}

  // ---- from the connection (with backpressure: every frame is acknowledged once handled)
  public record Frame(SocketIn in, Ack ackTo) implements Command {
    public Frame(SocketIn in, ActorRef<SocketAck> ackTo) {
      this(in, Ack.to(ackTo));
    }
  }

  public record Started(Ack ackTo) implements Command {}

  public enum StreamEnded implements Command { INSTANCE }

  // ---- from the NodeEntity
  public record Registered(String nodeId, NodeStatus status) implements Command {}

  public record IdTaken(String nodeId) implements Command {}

  public record SendStatus(NodeStatus status, String reason, long atMs) implements Command {}

  /** {@code createdAtMs}: when the job was created (wall clock, 0 if unknown), for the dispatch histogram. */
  public record SendJob(JobOrder order, long createdAtMs) implements Command {
    public SendJob(JobOrder order) {
      this(order, 0);
    }
  }

  public record SendCancel(String jobId, String traceId, String reason) implements Command {}

  /**
   * The entity of this socket's node has no connection (it was re-created after its instance died, or forgot the
   * node): register again on this open connection, without an ack to the agent, and repeat the last heartbeat, so
   * the agent keeps its socket (the June agent reconnects at most once per process).
   */
  public record RegisterAgain(String reason) implements Command {}

  /** Send an {@code error} frame naming the reason, then close (PROTOCOL.md §1: how closes are signalled). */
  public record CloseWith(String code, String message) implements Command {}

  /** This instance stops: close with a normal close frame, no {@code error} frame; the agent reconnects elsewhere. */
  public enum InstanceStopping implements Command { INSTANCE }

  public record Deps(SchedulerSettings settings, SchedulerClock clock, NodeRouter nodes, WireCodec codec,
                     Admission admission) {}

  /**
   * A socket whose connection is {@code link} (the WebSocket bridge creates both), from {@code address} (the key its
   * registrations are rate-limited under).
   */
  public static Behavior<Command> create(SocketLink link, Deps deps, String address) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new NodeSocket(ctx, timers, link, deps, address)));
  }

  /** A socket writing to {@code out} with the configured outbound bounds (tests). */
  public static Behavior<Command> create(ActorRef<SocketOut> out, Deps deps, String address) {
    var ws = deps.settings().websocket();
    return create(new SocketLink(out, ws.outboundQueueSize(), ws.outboundQueueBytes(),
        Math.min(ws.unregisteredNodeMaxMessage(), ws.nodeMaxMessage())), deps, address);
  }

  /**
   * The node entity took every message this socket sent it up to {@code seq} (flow control); {@code incarnation} tells
   * which life of the entity answered.
   */
  public record Taken(long seq, long incarnation) implements Command {}

  /** A full window's confirmation has not come: ask again. */
  private enum MarkRetry implements Command { INSTANCE }
  /** The handshake deadline: no {@code node_register} yet. */
  private enum HandshakeDeadline implements Command { INSTANCE }

  /** Time to see whether the peer has sent anything within the idle timeout. */
  private enum IdleCheck implements Command { INSTANCE }

  /** The entity did not answer the pending registration in time. */
  private record RegisterTimeout(String pendingId) implements Command {}

  private final TimerScheduler<Command> timers;
  private final Deps deps;
  private final Metrics metrics;
  private final SocketEdge<Command, NodeInbound, NodeOutbound> edge;
  private final String address;
  private String nodeId;       // set once registered; never changes
  private String pendingId;    // while the entity decides
  private NodeInbound.Register pending;
  private boolean pendingGenerated;
  /** What the agent registered with, and its latest heartbeat: replayed when the entity lost the connection. */
  private NodeInbound.Register registration;
  private NodeInbound.Heartbeat lastHeartbeat;
  /** The metrics object last forwarded, and the heartbeat it was made from. */
  private com.fasterxml.jackson.databind.JsonNode lastMetrics;
  private NodeInbound.Heartbeat lastMetricsOf;
  private boolean quietAck;
  /** How this agent reads job_assign's cut flags; fixed by its first node_register. */
  private WireDialect dialect = WireDialect.JUNE_2026;
  /** Results sent to the node entity and not yet confirmed taken: they go again to its next incarnation. */
  private final Unconfirmed<NodeEntity.ResultFromNode> unconfirmed = new Unconfirmed<>();

  private NodeSocket(ActorContext<Command> ctx, TimerScheduler<Command> timers, SocketLink link, Deps deps,
                     String address) {
    super(ctx);
    this.timers = timers;
    this.deps = deps;
    this.address = address;
    this.metrics = Metrics.get(ctx.getSystem());
    this.edge = new SocketEdge<>(ctx, timers, new SocketEdge.Side<>("node", "node_register", "NODE_NOT_REGISTERED",
        "node", "(the limit until node_register succeeded)", HandshakeDeadline.INSTANCE, IdleCheck.INSTANCE,
        MarkRetry.INSTANCE, deps.codec().nodeDecoder()::decode, deps.codec()::encode, e -> e), this, link, deps.settings(),
        deps.settings().flow().node(), deps.clock());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Started.class, m -> { m.ackTo().ack(); return this; })
        .onMessage(Frame.class, this::onFrame)
        .onMessageEquals(StreamEnded.INSTANCE, this::onStreamEnded)
        .onMessage(Registered.class, this::onRegistered)
        .onMessage(IdTaken.class, this::onIdTaken)
        .onMessage(SendStatus.class, m -> send(new NodeOutbound.NodeStatus(nodeId, m.status().wire(), m.reason(), m.atMs())))
        .onMessage(SendJob.class, this::onSendJob)
        .onMessage(SendCancel.class, m -> send(new NodeOutbound.JobCancel(m.jobId(), m.traceId(), m.reason())))
        .onMessage(CloseWith.class, m -> close(m.code(), m.message()))
        .onMessage(RegisterAgain.class, this::onRegisterAgain)
        .onMessage(Taken.class, this::onTaken)
        .onMessageEquals(MarkRetry.INSTANCE, this::onMarkRetry)
        .onMessageEquals(InstanceStopping.INSTANCE, () -> close(null, null))
        .onMessage(RegisterTimeout.class, this::onRegisterTimeout)
        .onMessageEquals(HandshakeDeadline.INSTANCE, () -> { edge.handshakeDeadline(); return this; })
        // the agent waits for our node_register_ack and sends nothing meanwhile (issue 15: keep its socket)
        .onMessageEquals(IdleCheck.INSTANCE, () -> { edge.idleCheck(nodeId == null && pendingId != null); return this; })
        .build();
  }

  private Behavior<Command> onFrame(Frame f) {
    edge.frame(f.in(), f.ackTo(), this::dispatch);
    return this;
  }

  private Behavior<Command> onTaken(Taken t) {
    if (nodeId == null) return this;
    List<NodeEntity.ResultFromNode> again = unconfirmed.taken(t.seq(), t.incarnation());
    if (!again.isEmpty()) {
      getContext().getLog().info("node entity of {} was re-created: sending {} unconfirmed results again", nodeId,
          again.size());
      metrics.inc("node_results_resent_total", "reason", "entity_recreated");
      again.forEach(entity()::tell);
      entity().tell(new NodeEntity.Mark(edge.lastSent(nodeId), getContext().getSelf()));
    }
    edge.taken(nodeId, t.seq());
    return this;
  }

  /**
   * A full window's confirmation, or the confirmation of results, has not come: ask again, and send the unconfirmed
   * results again (their entity may have died with its instance; a result that arrives twice is dropped by its session).
   */
  private Behavior<Command> onMarkRetry() {
    InboundFlow.Mark m = edge.remark();
    if (m == null && unconfirmed.isEmpty()) {
      edge.stopRetrying();
      return this;
    }
    edge.retried();
    List<NodeEntity.ResultFromNode> due = unconfirmed.due(deps.clock().monoMillis(),
        deps.settings().flow().markRetry().toMillis());
    if (!due.isEmpty()) {
      metrics.inc("node_results_resent_total", "reason", "unconfirmed");
      due.forEach(entity()::tell);
    }
    entity().tell(new NodeEntity.Mark(m != null ? m.seq() : edge.lastSent(nodeId), getContext().getSelf()));
    return this;
  }

  /** Tells the node entity a message from the agent, counting it in the inbound window. */
  private void forward(NodeEntity.Command m) {
    entity().tell(m);
    edge.forwarded(nodeId);
  }

  private void dispatch(NodeInbound m) {
    if (m instanceof NodeInbound.Register r) {
      onRegister(r);
      return;
    }
    if (m instanceof NodeInbound.Ignored) return;
    if (m instanceof NodeInbound.NodeError e) {
      getContext().getLog().info("node_error from node {}: {} {}", nodeId, e.code(), e.message());
      metrics.inc("node_error_total");
      return;
    }
    if (nodeId == null) {
      edge.reject("NODE_NOT_REGISTERED", "node_register must come first", "message before registration");
      return;
    }
    if (m instanceof NodeInbound.Heartbeat h) {
      onHeartbeat(h);
    } else if (m instanceof NodeInbound.JobResult r) {
      // a result is kept until confirmed, and confirmed promptly
      NodeEntity.ResultFromNode result = new NodeEntity.ResultFromNode(NodeFrames.result(r, deps.clock().wallMillis()),
          getContext().getSelf(), r.sessionId());
      entity().tell(result);
      edge.forwardedToConfirm(nodeId, seq -> unconfirmed.sent(seq, result, deps.clock().monoMillis()));
    } else if (m instanceof NodeInbound.AsrPartial p) {
      forward(new NodeEntity.PartialFromNode(p.jobId(), p.text(), p.isFinal(), getContext().getSelf()));
    } else if (m instanceof NodeInbound.JobAck a) {
      forward(new NodeEntity.AckFromNode(a.jobId(), a.attemptId(), false, getContext().getSelf()));
    } else if (m instanceof NodeInbound.JobStarted a) {
      forward(new NodeEntity.AckFromNode(a.jobId(), a.attemptId(), true, getContext().getSelf()));
    }
  }

  // ---------------------------------------------------------------- registration

  private void onRegister(NodeInbound.Register r) {
    if (nodeId != null) {
      if (r.nodeId() != null && !r.nodeId().equals(nodeId)) {
        getContext().getLog().info("node_register with a different node_id ignored on a registered connection");
      }
      registration = r;
      entity().tell(new NodeEntity.Register(NodeFrames.facts(r, dialect), false, trusted(), getContext().getSelf()));
      return;
    }
    if (pendingId != null) return; // the entity is deciding on the first one
    Optional<Admission.Refusal> limited = deps.admission().register(address);
    if (limited.isPresent()) {
      metrics.inc("admission_refused_total", "what", "node_registration", "code", limited.get().code());
      getContext().getLog().info("node registration refused: {}", limited.get().message());
      close(limited.get().code(), limited.get().message());
      return;
    }
    Optional<ErrorFrame> invalid = NodeFrames.invalid(r, deps.settings().nodes().requireGpu());
    if (invalid.isPresent()) {
      edge.reject(invalid.get().code(), invalid.get().message(), "registration rejected");
      edge.close(null, null);
      return;
    }
    String supplied = r.nodeId(); // length and charset checked by the codec (InputLimits)
    boolean generated = supplied == null || supplied.isEmpty();
    pending = r;
    dialect = WireDialect.of(r.languageCapabilities());
    askToRegister(generated ? Ids.nodeId() : supplied, generated);
  }

  /** Asks the entity of {@code id} to register this connection; without an answer in time the socket closes. */
  private void askToRegister(String id, boolean generated) {
    pendingId = id;
    pendingGenerated = generated;
    edge.greeted();
    deps.nodes().node(id).tell(new NodeEntity.Register(NodeFrames.facts(pending, dialect), generated, trusted(), getContext().getSelf()));
    timers.startSingleTimer(RegisterTimeout.class, new RegisterTimeout(id), deps.settings().nodes().registerTimeout());
  }

  /**
   * The entity did not answer (its shard is moving, or its instance died before the rebalance): ask again and keep
   * the connection, since an agent that loses it may never come back (the June agent reconnects once per process).
   */
  private Behavior<Command> onRegisterTimeout(RegisterTimeout t) {
    if (edge.closing() || nodeId != null || !t.pendingId().equals(pendingId)) return this;
    metrics.inc("node_register_timeouts_total");
    getContext().getLog().warn("node registration unanswered: no reply for {} within {}; asking again", pendingId,
        deps.settings().nodes().registerTimeout());
    askToRegister(pendingId, pendingGenerated);
    return this;
  }

  private Behavior<Command> onRegisterAgain(RegisterAgain m) {
    if (nodeId == null || edge.closing() || registration == null) return this;
    metrics.inc("node_registered_again_total");
    getContext().getLog().info("node {} registered again on its open connection: {}", nodeId, m.reason());
    quietAck = true;
    entity().tell(new NodeEntity.Register(NodeFrames.facts(registration, dialect), false, trusted(), getContext().getSelf()));
    if (lastHeartbeat != null) onHeartbeat(lastHeartbeat);
    return this;
  }

  private Behavior<Command> onRegistered(Registered m) {
    if (edge.closing()) return this;
    if (nodeId == null) {
      timers.cancel(RegisterTimeout.class);
      nodeId = m.nodeId();
      edge.raiseInboundLimit(deps.settings().websocket().nodeMaxMessage());
      pendingId = null;
      registration = pending;
      pending = null;
      getContext().getLog().info("node {} registered (wire dialect {})", nodeId, dialect.wireName());
      metrics.inc("node_registrations_total");
    } else if (quietAck) {
      quietAck = false; // the agent did not ask: it keeps its registration and hears nothing
      return this;
    }
    send(new NodeOutbound.RegisterAck(nodeId, "Node registered successfully", NodeStatus.REGISTERING.wire()));
    return this;
  }

  private Behavior<Command> onIdTaken(IdTaken m) {
    if (pending == null) return this;
    askToRegister(Ids.nodeId(), true);
    return this;
  }

  private void onHeartbeat(NodeInbound.Heartbeat h) {
    if (h.nodeId() != null && !h.nodeId().equals(nodeId)) {
      edge.reject("INVALID_MESSAGE", "node_heartbeat.node_id " + h.nodeId() + " is not this connection's node", "foreign heartbeat");
      return;
    }
    lastHeartbeat = h;
    forward(new NodeEntity.Heartbeat(h.resourceUsage(), h.installedServices(), h.capabilityByType(),
        h.installedModels(), h.languageCapabilities(), metrics(h), getContext().getSelf()));
  }

  /**
   * The heartbeat's metric objects as one object, the same one as last time when the decoder handed back the same
   * objects (their text did not change): the entity then sees its metrics unchanged without comparing them.
   */
  private com.fasterxml.jackson.databind.JsonNode metrics(NodeInbound.Heartbeat h) {
    if (lastMetrics == null || h.rerunMetrics() != lastMetricsOf.rerunMetrics() || h.asrMetrics() != lastMetricsOf.asrMetrics()
        || h.processingMetrics() != lastMetricsOf.processingMetrics()) {
      lastMetrics = NodeFrames.metrics(h);
      lastMetricsOf = h;
    }
    return lastMetrics;
  }

  private Behavior<Command> onStreamEnded() {
    tellEntityClosed();
    return Behaviors.stopped();
  }

  private void tellEntityClosed() {
    if (nodeId != null) entity().tell(new NodeEntity.SocketClosed(getContext().getSelf()));
    else if (pendingId != null) deps.nodes().node(pendingId).tell(new NodeEntity.SocketClosed(getContext().getSelf()));
  }

  // ---------------------------------------------------------------- the edge

  private Behavior<Command> onSendJob(SendJob m) {
    send(NodeFrames.assign(m.order(), dialect));
    if (m.createdAtMs() > 0 && m.order().attemptId() == 1 && !edge.closing()) {
      metrics.observe(MetricCatalog.DISPATCH, Math.max(0, deps.clock().wallMillis() - m.createdAtMs()) / 1000.0);
    }
    return this;
  }

  private Behavior<Command> send(NodeOutbound m) {
    edge.send(m);
    return this;
  }

  /** Closes after what is queued, with a last {@code error} frame naming the reason if {@code code} is set. */
  private Behavior<Command> close(String code, String message) {
    edge.close(code, message);
    return this;
  }

  @Override
  public void mark(InboundFlow.Mark mark) {
    entity().tell(new NodeEntity.Mark(mark.seq(), getContext().getSelf()));
  }

  @Override
  public boolean keeping() {
    return !unconfirmed.isEmpty();
  }

  /**
   * The node does not read: after {@code error OUTBOUND_QUEUE_FULL} the connection closes, and the entity hears at
   * once that this connection is gone (so its jobs fail over now).
   */
  @Override
  public void lost() {
    tellEntityClosed();
  }

  @Override
  public Object who() {
    return nodeId;
  }

  /** A connection that passed the node credential (required of every node connection when one is configured). */
  private boolean trusted() {
    return deps.settings().nodes().token().isSet();
  }

  private RecipientRef<NodeEntity.Command> entity() {
    return deps.nodes().node(nodeId);
  }
}
