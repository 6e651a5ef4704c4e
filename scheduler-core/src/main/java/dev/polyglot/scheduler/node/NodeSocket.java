package dev.polyglot.scheduler.node;

import dev.polyglot.scheduler.cluster.ClusterMessage;
import dev.polyglot.scheduler.cluster.Entities;
import dev.polyglot.scheduler.config.SchedulerClock;
import dev.polyglot.scheduler.config.SchedulerSettings;
import dev.polyglot.scheduler.edge.Admission;
import dev.polyglot.scheduler.edge.ErrorReplies;
import dev.polyglot.scheduler.edge.InboundFlow;
import dev.polyglot.scheduler.edge.Inbound;
import dev.polyglot.scheduler.edge.Ids;
import dev.polyglot.scheduler.edge.SocketAck;
import dev.polyglot.scheduler.edge.SocketIn;
import dev.polyglot.scheduler.edge.SocketLink;
import dev.polyglot.scheduler.edge.SocketOut;
import dev.polyglot.scheduler.job.JobOrder;
import dev.polyglot.scheduler.job.NodeResult;
import dev.polyglot.scheduler.metrics.MetricCatalog;
import dev.polyglot.scheduler.metrics.Metrics;
import dev.polyglot.scheduler.protocol.ErrorFrame;
import dev.polyglot.scheduler.protocol.NodeInbound;
import dev.polyglot.scheduler.protocol.NodeOutbound;
import dev.polyglot.scheduler.protocol.Decoded;
import dev.polyglot.scheduler.protocol.WireCodec;
import dev.polyglot.scheduler.protocol.WireDialect;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One node agent's WebSocket connection: decodes and validates frames, translates them into NodeEntity
 * commands, and encodes what the entity sends back. It owns no decisions beyond input validation and the
 * registration checks (schema version, GPU) that come before any state exists. Bad input gets an
 * {@code error} frame (rate-limited per code), a log line with a stable phrase, and a counter; it never
 * reaches the entity. A connection is closed, after an {@code error} saying why, when no {@code node_register}
 * arrives within {@code websocket.handshake-timeout}, when its peer sends nothing for {@code websocket.idle-timeout},
 * and when its address or the instance registers nodes faster than {@code admission} allows.
 *
 * <p>Lost when it stops: nothing but the connection; the entity hears {@link NodeEntity.SocketClosed}.
 */
public final class NodeSocket extends AbstractBehavior<NodeSocket.Command> {

  public sealed interface Command extends ClusterMessage {}

  // ---- from the connection (with backpressure: every frame is acknowledged once handled)
  public record Frame(SocketIn in, ActorRef<SocketAck> ackTo) implements Command {}

  public record Started(ActorRef<SocketAck> ackTo) implements Command {}

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

  public record Deps(SchedulerSettings settings, SchedulerClock clock, Entities entities, WireCodec codec,
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

  private static final String SOCKET = "node";

  private final TimerScheduler<Command> timers;
  private final SocketLink link;
  private final Deps deps;
  private final Metrics metrics;
  private final ErrorReplies errors;
  private final String address;
  private final Inbound inbound;
  private String nodeId;       // set once registered; never changes
  private String pendingId;    // while the entity decides
  private NodeInbound.Register pending;
  private boolean pendingGenerated;
  /** What the agent registered with, and its latest heartbeat: replayed when the entity lost the connection. */
  private NodeInbound.Register registration;
  private NodeInbound.Heartbeat lastHeartbeat;
  private boolean quietAck;
  /** How this agent reads job_assign's cut flags; fixed by its first node_register. */
  private WireDialect dialect = WireDialect.JUNE_2026;
  private boolean closing;
  private final InboundFlow flow;
  /** Whether the frame being handled was forwarded to the node entity. */
  private boolean forwarded;
  private NodeEntity.ResultFromNode pendingResult;
  /**
   * Results sent to the node entity and not yet confirmed taken, by window number: a result is not lost because the
   * entity's instance died (they go again to its next incarnation; sessions drop what they already have).
   */
  private final java.util.ArrayDeque<Unconfirmed> unconfirmed = new java.util.ArrayDeque<>();

  private record Unconfirmed(long seq, NodeEntity.ResultFromNode result, long sentAtMono) {}
  private long entityIncarnation;

  private NodeSocket(ActorContext<Command> ctx, TimerScheduler<Command> timers, SocketLink link, Deps deps,
                     String address) {
    super(ctx);
    this.timers = timers;
    this.link = link;
    this.deps = deps;
    this.address = address;
    this.metrics = Metrics.get(ctx.getSystem());
    this.errors = new ErrorReplies(deps.settings().websocket().errorReplyInterval().toMillis());
    this.flow = new InboundFlow(deps.settings().flow().node());
    this.inbound = new Inbound(deps.settings().websocket().idleTimeout().toMillis(), deps.clock().monoMillis());
    timers.startSingleTimer(HandshakeDeadline.INSTANCE, HandshakeDeadline.INSTANCE, deps.settings().websocket().handshakeTimeout());
    timers.startSingleTimer(IdleCheck.INSTANCE, IdleCheck.INSTANCE, deps.settings().websocket().idleTimeout());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Started.class, m -> { m.ackTo().tell(SocketAck.INSTANCE); return this; })
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
        .onMessageEquals(HandshakeDeadline.INSTANCE, this::onHandshakeDeadline)
        .onMessageEquals(IdleCheck.INSTANCE, this::onIdleCheck)
        .build();
  }

  private Behavior<Command> onFrame(Frame f) {
    forwarded = false;
    pendingResult = null;
    inbound.seen(deps.clock().monoMillis());
    if (!closing) handle(f.in());
    String to = forwarded ? nodeId : null;
    if (to != null) {
      InboundFlow.Mark mark = flow.forwarded(to, f.in() instanceof SocketIn.Text t ? t.text().length() : 0);
      if (pendingResult != null) {
        // a result is kept until confirmed, and confirmed promptly
        unconfirmed.addLast(new Unconfirmed(flow.lastSent(to), pendingResult, deps.clock().monoMillis()));
        if (mark == null) mark = new InboundFlow.Mark(to, flow.lastSent(to));
        if (!timers.isTimerActive(MarkRetry.INSTANCE)) {
          timers.startTimerWithFixedDelay(MarkRetry.INSTANCE, MarkRetry.INSTANCE, deps.settings().flow().markRetry());
        }
      }
      if (mark != null) entity().tell(new NodeEntity.Mark(mark.seq(), getContext().getSelf()));
    }
    if (flow.handled(f.ackTo(), to)) {
      metrics.inc("inbound_window_full_total", "socket", SOCKET);
      timers.startTimerWithFixedDelay(MarkRetry.INSTANCE, MarkRetry.INSTANCE, deps.settings().flow().markRetry());
    }
    return this;
  }

  private Behavior<Command> onTaken(Taken t) {
    if (nodeId == null) return this;
    while (!unconfirmed.isEmpty() && unconfirmed.peekFirst().seq() <= t.seq()) unconfirmed.pollFirst();
    boolean recreated = entityIncarnation != 0 && t.incarnation() != entityIncarnation;
    entityIncarnation = t.incarnation();
    if (recreated && !unconfirmed.isEmpty()) {
      getContext().getLog().info("node entity of {} was re-created: sending {} unconfirmed results again", nodeId,
          unconfirmed.size());
      metrics.inc("node_results_resent_total", "reason", "entity_recreated");
      for (Unconfirmed u : unconfirmed) entity().tell(u.result());
      entity().tell(new NodeEntity.Mark(flow.lastSent(nodeId), getContext().getSelf()));
    }
    if (flow.taken(nodeId, t.seq()) && unconfirmed.isEmpty()) timers.cancel(MarkRetry.INSTANCE);
    return this;
  }

  /**
   * A full window's confirmation, or the confirmation of results, has not come: ask again, and send the unconfirmed
   * results again (their entity may have died with its instance; a result that arrives twice is dropped by its session).
   */
  private Behavior<Command> onMarkRetry() {
    InboundFlow.Mark m = flow.remark();
    if (m == null && unconfirmed.isEmpty()) {
      timers.cancel(MarkRetry.INSTANCE);
      return this;
    }
    metrics.inc("inbound_mark_retries_total", "socket", SOCKET);
    long stale = deps.clock().monoMillis() - deps.settings().flow().markRetry().toMillis();
    if (!unconfirmed.isEmpty() && unconfirmed.peekFirst().sentAtMono() <= stale) {
      metrics.inc("node_results_resent_total", "reason", "unconfirmed");
      for (Unconfirmed u : unconfirmed) entity().tell(u.result());
    }
    entity().tell(new NodeEntity.Mark(m != null ? m.seq() : flow.lastSent(nodeId), getContext().getSelf()));
    return this;
  }

  /** Tells the node entity a message from the agent, counting it in the inbound window. */
  private void forward(NodeEntity.Command m) {
    entity().tell(m);
    forwarded = true;
  }

  private Behavior<Command> onHandshakeDeadline() {
    if (nodeId != null || pendingId != null || closing) return this;
    metrics.inc("handshake_timeouts_total", "socket", SOCKET);
    getContext().getLog().info("handshake deadline passed on node socket: no node_register within {}",
        deps.settings().websocket().handshakeTimeout());
    return close("NODE_NOT_REGISTERED", "node_register expected within "
        + deps.settings().websocket().handshakeTimeout().toSeconds() + " s of connecting; closing");
  }

  private Behavior<Command> onIdleCheck() {
    if (closing) return this;
    if (nodeId == null && pendingId != null) {
      // the agent waits for our node_register_ack and sends nothing meanwhile (issue 15: keep its socket)
      inbound.seen(deps.clock().monoMillis());
    }
    long left = inbound.leftMillis(deps.clock().monoMillis());
    if (left > 0) {
      timers.startSingleTimer(IdleCheck.INSTANCE, IdleCheck.INSTANCE, java.time.Duration.ofMillis(left));
      return this;
    }
    metrics.inc("idle_closes_total", "socket", SOCKET);
    getContext().getLog().info("idle node socket closed: no message for {}", deps.settings().websocket().idleTimeout());
    return close(Inbound.IDLE_TIMEOUT, "no message for " + deps.settings().websocket().idleTimeout().toSeconds()
        + " s; closing");
  }

  private void handle(SocketIn in) {
    if (in instanceof SocketIn.TooBig t) {
      String detail = "message larger than " + t.limitBytes() + " bytes"
          + (nodeId == null ? " (the limit until node_register succeeded)" : "");
      getContext().getLog().debug("message too big on node socket: {}", detail);
      metrics.inc("invalid_message_total", "socket", SOCKET, "code", "MESSAGE_TOO_BIG");
      close("MESSAGE_TOO_BIG", detail);
      return;
    }
    if (in instanceof SocketIn.OverBudget b) {
      getContext().getLog().info("inbound budget exhausted: a message on node socket {} refused (unfinished messages of"
          + " all connections may hold {} bytes)", nodeId, b.budgetBytes());
      metrics.inc("inbound_budget_refused_total", "socket", SOCKET);
      metrics.inc("invalid_message_total", "socket", SOCKET, "code", "MESSAGE_TOO_BIG");
      close("MESSAGE_TOO_BIG", "message refused: the scheduler is receiving too much at once, try again later");
      return;
    }
    if (in instanceof SocketIn.Binary) {
      reject("INVALID_MESSAGE", "binary frames are not supported", "binary frame");
      return;
    }
    Decoded<NodeInbound> d = deps.codec().decodeNode(((SocketIn.Text) in).text());
    if (d instanceof Decoded.Failed<NodeInbound> failed) {
      reject(failed.code(), failed.detail(), "invalid message");
      return;
    }
    Decoded.Ok<NodeInbound> ok = (Decoded.Ok<NodeInbound>) d;
    if (!ok.ignoredFields().isEmpty()) {
      getContext().getLog().debug("input field ignored on node socket: {}", ok.ignoredFields());
      metrics.inc("input_field_ignored_total", "socket", SOCKET);
    }
    dispatch(ok.message());
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
      reject("NODE_NOT_REGISTERED", "node_register must come first", "message before registration");
      return;
    }
    if (m instanceof NodeInbound.Heartbeat h) {
      onHeartbeat(h);
    } else if (m instanceof NodeInbound.JobResult r) {
      NodeEntity.ResultFromNode result = new NodeEntity.ResultFromNode(toResult(r), getContext().getSelf(), r.sessionId());
      forward(result);
      pendingResult = result;
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
      entity().tell(new NodeEntity.Register(facts(r), false, trusted(), getContext().getSelf()));
      return;
    }
    if (pendingId != null) return; // the entity is deciding on the first one
    java.util.Optional<Admission.Refusal> limited = deps.admission().register(address);
    if (limited.isPresent()) {
      metrics.inc("admission_refused_total", "what", "node_registration", "code", limited.get().code());
      getContext().getLog().info("node registration refused: {}", limited.get().message());
      close(limited.get().code(), limited.get().message());
      return;
    }
    String schema = r.capabilitySchemaVersion();
    if (schema != null && !"2.0".equals(schema)) {
      reject("INVALID_CAPABILITY_SCHEMA", "capability_schema_version must be 2.0, got " + schema, "registration rejected");
      close(null, null);
      return;
    }
    int gpus = r.hardware() == null ? 0 : r.hardware().gpuCount();
    if (deps.settings().nodes().requireGpu() && gpus == 0) {
      reject("NO_GPU_AVAILABLE", "no GPU reported and GPUs are required", "registration rejected");
      close(null, null);
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
    deps.entities().node(id).tell(new NodeEntity.Register(facts(pending), generated, trusted(), getContext().getSelf()));
    timers.startSingleTimer(RegisterTimeout.class, new RegisterTimeout(id), deps.settings().nodes().registerTimeout());
  }

  /**
   * The entity did not answer (its shard is moving, or its instance died before the rebalance): ask again and keep
   * the connection, since an agent that loses it may never come back (the June agent reconnects once per process).
   */
  private Behavior<Command> onRegisterTimeout(RegisterTimeout t) {
    if (closing || nodeId != null || !t.pendingId().equals(pendingId)) return this;
    metrics.inc("node_register_timeouts_total");
    getContext().getLog().warn("node registration unanswered: no reply for {} within {}; asking again", pendingId,
        deps.settings().nodes().registerTimeout());
    askToRegister(pendingId, pendingGenerated);
    return this;
  }

  private Behavior<Command> onRegisterAgain(RegisterAgain m) {
    if (nodeId == null || closing || registration == null) return this;
    metrics.inc("node_registered_again_total");
    getContext().getLog().info("node {} registered again on its open connection: {}", nodeId, m.reason());
    quietAck = true;
    entity().tell(new NodeEntity.Register(facts(registration), false, trusted(), getContext().getSelf()));
    if (lastHeartbeat != null) onHeartbeat(lastHeartbeat);
    return this;
  }

  private Behavior<Command> onRegistered(Registered m) {
    if (closing) return this;
    if (nodeId == null) {
      timers.cancel(RegisterTimeout.class);
      nodeId = m.nodeId();
      link.inboundLimit(deps.settings().websocket().nodeMaxMessage());
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
      reject("INVALID_MESSAGE", "node_heartbeat.node_id " + h.nodeId() + " is not this connection's node", "foreign heartbeat");
      return;
    }
    lastHeartbeat = h;
    forward(new NodeEntity.Heartbeat(h.resourceUsage(), h.installedServices(), h.capabilityByType(),
        h.installedModels(), h.languageCapabilities(), metricsOf(h), getContext().getSelf()));
  }

  private Behavior<Command> onStreamEnded() {
    tellEntityClosed();
    return Behaviors.stopped();
  }

  private void tellEntityClosed() {
    if (nodeId != null) entity().tell(new NodeEntity.SocketClosed(getContext().getSelf()));
    else if (pendingId != null) deps.entities().node(pendingId).tell(new NodeEntity.SocketClosed(getContext().getSelf()));
  }

  // ---------------------------------------------------------------- output

  private Behavior<Command> onSendJob(SendJob m) {
    send(toAssign(m.order(), dialect));
    if (m.createdAtMs() > 0 && m.order().attemptId() == 1 && !closing) {
      metrics.observe(MetricCatalog.DISPATCH, Math.max(0, deps.clock().wallMillis() - m.createdAtMs()) / 1000.0);
    }
    return this;
  }

  private Behavior<Command> send(NodeOutbound m) {
    if (closing) return this;
    if (!link.offer(deps.codec().encode(m))) outboundFull();
    return this;
  }

  /**
   * The node does not read: its queue reached a bound. It gets {@code error OUTBOUND_QUEUE_FULL} after what is queued,
   * the connection closes, and the entity hears at once that this connection is gone (so its jobs fail over now).
   */
  private void outboundFull() {
    metrics.inc("outbound_queue_full_total", "socket", SOCKET);
    getContext().getLog().warn("outbound queue full on node socket {}: {} frames / {} bytes queued (bounds {} / {}); closing",
        nodeId, link.queuedFrames(), link.queuedBytes(), link.maxFrames(), link.maxBytes());
    close("OUTBOUND_QUEUE_FULL", "the node does not read its messages; closing the connection");
    tellEntityClosed();
  }

  /** Replies to bad input: logged with a stable phrase, counted, and answered at most once per interval per code. */
  private void reject(String code, String message, String phrase) {
    getContext().getLog().debug("{} on node socket: {} {}", phrase, code, message);
    metrics.inc("invalid_message_total", "socket", SOCKET, "code", code);
    if (errors.allow(code, deps.clock().monoMillis())) {
      send(ErrorFrame.of(code, message));
    } else {
      metrics.inc("error_reply_suppressed_total", "socket", SOCKET, "code", code);
    }
  }

  /** Closes after what is queued, with a last {@code error} frame naming the reason if {@code code} is set. */
  private Behavior<Command> close(String code, String message) {
    if (closing) return this;
    closing = true;
    timers.cancel(RegisterTimeout.class);
    link.closeWith(code == null ? null : deps.codec().encode((NodeOutbound) ErrorFrame.of(code, message)));
    return this;
  }

  /** A connection that passed the node credential (required of every node connection when one is configured). */
  private boolean trusted() {
    return deps.settings().nodes().token().isSet();
  }

  private org.apache.pekko.actor.typed.RecipientRef<NodeEntity.Command> entity() {
    return deps.entities().node(nodeId);
  }

  // ---------------------------------------------------------------- translation at the edge

  private NodeFacts facts(NodeInbound.Register r) {
    return new NodeFacts(r.platform(), r.version(), r.hardware(), r.installedServices(), r.capabilityByType(),
        r.installedModels(), r.featuresSupported(), r.acceptPublicJobs() == null || r.acceptPublicJobs(),
        r.advancedFeatures(), r.languageCapabilities(), null, dialect.wireName());
  }

  private static com.fasterxml.jackson.databind.JsonNode metricsOf(NodeInbound.Heartbeat h) {
    if (h.rerunMetrics() == null && h.asrMetrics() == null && h.processingMetrics() == null) return null;
    com.fasterxml.jackson.databind.node.ObjectNode o = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    if (h.rerunMetrics() != null) o.set("rerun_metrics", h.rerunMetrics());
    if (h.asrMetrics() != null) o.set("asr_metrics", h.asrMetrics());
    if (h.processingMetrics() != null) o.set("processing_metrics", h.processingMetrics());
    return o;
  }

  private NodeResult toResult(NodeInbound.JobResult r) {
    return new NodeResult(r.jobId(), r.attemptId(), r.success(), r.textAsr(), r.textTranslated(), r.ttsAudio(),
        r.ttsFormat(), r.extra(), r.processingTimeMs(), r.error(), r.nodeCompletedAtMs(), r.asrQualityLevel(),
        r.reasonCodes(), r.qualityScore(), r.rerunCount(), r.segmentsMeta(), deps.clock().wallMillis());
  }

  /** The job as this node's agent reads it: the cut reason becomes the flags of its wire dialect. */
  static NodeOutbound.JobAssign toAssign(JobOrder o, WireDialect dialect) {
    WireDialect.Flags f = dialect.flags(o.cut());
    return new NodeOutbound.JobAssign(o.jobId(), o.attemptId(), o.sessionId(), o.utteranceIndex(), o.srcLang(),
        o.tgtLang(), o.pipeline(), o.audio(), o.audioFormat(), o.sampleRate(), o.traceId(), o.enableStreamingAsr(),
        o.partialUpdateIntervalMs(), o.turnId(), o.dialect(), o.features(), o.mode(), o.langA(), o.langB(),
        o.autoLangs(), o.paddingMs(), f.manualCut(), f.timeoutTriggered(), f.maxDurationTriggered(), f.pauseTriggered());
  }
}
