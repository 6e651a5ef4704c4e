package dev.polyglot.scheduler.session;

import dev.polyglot.scheduler.cluster.ClusterMessage;
import dev.polyglot.scheduler.cluster.Entities;
import dev.polyglot.scheduler.config.SchedulerClock;
import dev.polyglot.scheduler.config.SchedulerSettings;
import dev.polyglot.scheduler.edge.Admission;
import dev.polyglot.scheduler.edge.ErrorReplies;
import dev.polyglot.scheduler.edge.Inbound;
import dev.polyglot.scheduler.edge.InboundFlow;
import dev.polyglot.scheduler.edge.ReplayBuffer;
import dev.polyglot.scheduler.edge.Ids;
import dev.polyglot.scheduler.edge.SocketAck;
import dev.polyglot.scheduler.edge.SocketIn;
import dev.polyglot.scheduler.edge.SocketLink;
import dev.polyglot.scheduler.edge.SocketOut;
import dev.polyglot.scheduler.metrics.Metrics;
import dev.polyglot.scheduler.ops.LiveSessions;
import dev.polyglot.scheduler.protocol.ErrorFrame;
import dev.polyglot.scheduler.protocol.SessionInbound;
import dev.polyglot.scheduler.protocol.SessionOutbound;
import dev.polyglot.scheduler.protocol.Decoded;
import dev.polyglot.scheduler.protocol.WireCodec;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One client WebSocket: decodes and validates frames, admits sessions (at most
 * {@code sessions.max-per-connection} live or closing ones: a closed session keeps its jobs, timers and memory until
 * it ends), checks that every message names a live session of this
 * socket, and forwards to the SessionEntity; it turns the entity's {@link ClientEvent}s into wire messages.
 * Bad input gets an {@code error} frame (rate-limited per code), a log line with a stable phrase and a
 * counter, and never reaches an entity.
 *
 * <p>Lost when it stops: the connection. Every session it opened hears {@link SessionEntity.SocketClosed}.
 */
public final class SessionSocket extends AbstractBehavior<SessionSocket.Command> {

  public sealed interface Command extends ClusterMessage {}

  public record Frame(SocketIn in, ActorRef<SocketAck> ackTo) implements Command {}

  public record Started(ActorRef<SocketAck> ackTo) implements Command {}

  public enum StreamEnded implements Command { INSTANCE }

  /** An event for the client of one of this socket's sessions. */
  public record Deliver(String sessionId, ClientEvent event) implements Command {}

  /** The session is over: this socket forgets it. */
  public record Ended(String sessionId) implements Command {}

  /**
   * This instance stops: close with a normal close frame and no {@code error} frame (the web client shows a
   * dialog for every error); the client reconnects elsewhere with a new session.
   */
  public enum InstanceStopping implements Command { INSTANCE }

  /**
   * The session took every message this socket sent it up to {@code seq} (flow control); {@code incarnation} tells
   * which life of the session entity answered.
   */
  public record Taken(String sessionId, long seq, long incarnation) implements Command {}

  /** The session holds this socket's audio messages up to {@code seq} in the ledger: they need not be kept (P9). */
  public record Durable(String sessionId, long seq, long incarnation) implements Command {}

  /** The session missed audio messages: send again every kept one from {@code fromSeq} on. */
  public record Replay(String sessionId, long fromSeq, long incarnation) implements Command {}

  /** A full window's confirmation has not come, or kept audio waits for news: ask again. */
  private enum MarkRetry implements Command { INSTANCE }

  public record Deps(SchedulerSettings settings, SchedulerClock clock, Entities entities, WireCodec codec,
                     Admission admission) {}

  /** The handshake deadline: no {@code session_init} yet. */
  private enum HandshakeDeadline implements Command { INSTANCE }

  /** Time to see whether the peer has sent anything within the idle timeout. */
  private enum IdleCheck implements Command { INSTANCE }

  /** A socket whose connection is {@code link} (the WebSocket bridge creates both). */
  public static Behavior<Command> create(SocketLink link, Deps deps) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new SessionSocket(ctx, timers, link, deps)));
  }

  /** A socket writing to {@code out} with the configured outbound bounds (tests). */
  public static Behavior<Command> create(ActorRef<SocketOut> out, Deps deps) {
    var ws = deps.settings().websocket();
    return create(new SocketLink(out, ws.outboundQueueSize(), ws.outboundQueueBytes(), ws.sessionMaxMessage()), deps);
  }

  private static final String SOCKET = "session";

  private final TimerScheduler<Command> timers;
  private final SocketLink link;
  private final Deps deps;
  private final InboundFlow flow;
  private final Inbound inbound;
  private boolean initialized;
  private boolean closing;
  /** Per session: the audio messages not yet durable in the ledger, to send again to a re-created session (P9). */
  private final java.util.Map<String, ReplayBuffer<SessionEntity.Command>> kept = new java.util.HashMap<>();
  /** Per session: when it last answered (monotonic ms), to probe one that went quiet while audio is kept. */
  private final java.util.Map<String, Long> lastAnswer = new java.util.HashMap<>();
  /** The session the frame being handled was forwarded to, if any. */
  private String forwardedTo;
  private final Metrics metrics;
  private final ErrorReplies errors;
  /** Live sessions of this socket, most recent last. */
  private final LinkedHashSet<String> live = new LinkedHashSet<>();
  /** Every session this socket opened, closing ones included: all hear when the socket closes. */
  private final Set<String> opened = new LinkedHashSet<>();

  private SessionSocket(ActorContext<Command> ctx, TimerScheduler<Command> timers, SocketLink link, Deps deps) {
    super(ctx);
    this.timers = timers;
    this.flow = new InboundFlow(deps.settings().flow().session());
    this.inbound = new Inbound(deps.settings().websocket().idleTimeout().toMillis(), deps.clock().monoMillis());
    timers.startSingleTimer(HandshakeDeadline.INSTANCE, HandshakeDeadline.INSTANCE, deps.settings().websocket().handshakeTimeout());
    timers.startSingleTimer(IdleCheck.INSTANCE, IdleCheck.INSTANCE, deps.settings().websocket().idleTimeout());
    this.link = link;
    this.deps = deps;
    this.metrics = Metrics.get(ctx.getSystem());
    this.errors = new ErrorReplies(deps.settings().websocket().errorReplyInterval().toMillis());
    metrics.inc("session_connections_opened_total");
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Started.class, m -> { m.ackTo().tell(SocketAck.INSTANCE); return this; })
        .onMessage(Frame.class, this::onFrame)
        .onMessage(Deliver.class, this::onDeliver)
        .onMessage(Ended.class, this::onEnded)
        .onMessage(Taken.class, this::onTaken)
        .onMessage(Durable.class, this::onDurable)
        .onMessage(Replay.class, this::onReplay)
        .onMessageEquals(MarkRetry.INSTANCE, this::onMarkRetry)
        .onMessageEquals(InstanceStopping.INSTANCE, this::onInstanceStopping)
        .onMessageEquals(HandshakeDeadline.INSTANCE, this::onHandshakeDeadline)
        .onMessageEquals(IdleCheck.INSTANCE, this::onIdleCheck)
        .onMessageEquals(StreamEnded.INSTANCE, this::onStreamEnded)
        .build();
  }

  private Behavior<Command> onFrame(Frame f) {
    forwardedTo = null;
    inbound.seen(deps.clock().monoMillis());
    if (!closing) handle(f.in());
    if (forwardedTo != null) {
      InboundFlow.Mark mark = flow.forwarded(forwardedTo, in(f));
      if (mark != null) mark(mark);
    }
    if (flow.handled(f.ackTo(), forwardedTo)) {
      metrics.inc("inbound_window_full_total", "socket", SOCKET);
      timers.startTimerWithFixedDelay(MarkRetry.INSTANCE, MarkRetry.INSTANCE, deps.settings().flow().markRetry());
    }
    return this;
  }

  private Behavior<Command> onHandshakeDeadline() {
    if (initialized || closing) return this;
    metrics.inc("handshake_timeouts_total", "socket", SOCKET);
    getContext().getLog().info("handshake deadline passed on session socket: no session_init within {}",
        deps.settings().websocket().handshakeTimeout());
    return closeWith("INVALID_SESSION", "session_init expected within "
        + deps.settings().websocket().handshakeTimeout().toSeconds() + " s of connecting; closing");
  }

  private Behavior<Command> onIdleCheck() {
    if (closing) return this;
    long left = inbound.leftMillis(deps.clock().monoMillis());
    if (left > 0) {
      timers.startSingleTimer(IdleCheck.INSTANCE, IdleCheck.INSTANCE, java.time.Duration.ofMillis(left));
      return this;
    }
    metrics.inc("idle_closes_total", "socket", SOCKET);
    getContext().getLog().info("idle session socket closed: no message for {}", deps.settings().websocket().idleTimeout());
    return closeWith(Inbound.IDLE_TIMEOUT, "no message for " + deps.settings().websocket().idleTimeout().toSeconds()
        + " s; closing");
  }

  /**
   * Closes after what is queued, with a last {@code error} frame naming the reason ({@code code} null: no frame);
   * what arrives afterwards is ignored.
   */
  private Behavior<Command> closeWith(String code, String message) {
    if (closing) return this;
    closing = true;
    link.closeWith(code == null ? null : deps.codec().encode((SessionOutbound) ErrorFrame.of(code, message)));
    return this;
  }

  private void write(SessionOutbound m) {
    if (closing) return;
    if (!link.offer(deps.codec().encode(m))) outboundFull();
  }

  /**
   * The client does not read: its queue reached a bound. It gets {@code error OUTBOUND_QUEUE_FULL} after what is
   * queued, the connection closes, and its sessions end now (they cannot reach their client any more).
   */
  private void outboundFull() {
    metrics.inc("outbound_queue_full_total", "socket", SOCKET);
    getContext().getLog().warn("outbound queue full on session socket {}: {} frames / {} bytes queued (bounds {} / {}); closing",
        live, link.queuedFrames(), link.queuedBytes(), link.maxFrames(), link.maxBytes());
    closeWith("OUTBOUND_QUEUE_FULL", "the client does not read its messages; closing the connection");
    tellSessionsClosed();
  }

  private void tellSessionsClosed() {
    for (String id : opened) {
      session(id).tell(new SessionEntity.SocketClosed(getContext().getSelf()));
      deps.admission().sessionEnded();
      LiveSessions.get(getContext().getSystem()).ended(id);
    }
    opened.clear();
    live.clear();
  }

  private static long in(Frame f) {
    return f.in() instanceof SocketIn.Text t ? t.text().length() : 0;
  }

  private void mark(InboundFlow.Mark m) {
    session(m.key()).tell(new SessionEntity.Mark(m.seq(), getContext().getSelf()));
  }

  private Behavior<Command> onTaken(Taken t) {
    answered(t.sessionId(), t.incarnation());
    if (flow.taken(t.sessionId(), t.seq()) && kept.values().stream().allMatch(ReplayBuffer::isEmpty)) {
      timers.cancel(MarkRetry.INSTANCE);
    }
    return this;
  }

  private Behavior<Command> onDurable(Durable d) {
    ReplayBuffer<SessionEntity.Command> k = kept.get(d.sessionId());
    if (k != null) k.safeUpTo(d.seq());
    answered(d.sessionId(), d.incarnation());
    return this;
  }

  private Behavior<Command> onReplay(Replay r) {
    ReplayBuffer<SessionEntity.Command> k = kept.get(r.sessionId());
    if (k == null) return this;
    k.answeredBy(r.incarnation());
    resend(r.sessionId(), k.from(r.fromSeq()));
    return this;
  }

  /** News from a session: a different incarnation than before means it was re-created and gets the kept audio again. */
  private void answered(String sessionId, long incarnation) {
    lastAnswer.put(sessionId, deps.clock().monoMillis());
    ReplayBuffer<SessionEntity.Command> k = kept.get(sessionId);
    if (k != null && k.answeredBy(incarnation)) {
      getContext().getLog().info("session {} was re-created: sending its unsaved audio again", sessionId);
      resend(sessionId, k.from(1));
    }
  }

  private void resend(String sessionId, List<SessionEntity.Command> messages) {
    if (messages.isEmpty()) return;
    metrics.inc("session_audio_replayed_total", "socket", SOCKET);
    for (SessionEntity.Command m : messages) session(sessionId).tell(m);
    mark(new InboundFlow.Mark(sessionId, 0));
  }

  /**
   * Asks again: a full window's confirmation, and for every session that keeps unsaved audio and has been quiet for
   * the retry interval, a probe (its answer names the session's incarnation, so a re-created one gets the audio).
   */
  private Behavior<Command> onMarkRetry() {
    InboundFlow.Mark m = flow.remark();
    if (m != null) {
      metrics.inc("inbound_mark_retries_total", "socket", SOCKET);
      mark(m);
    }
    long now = deps.clock().monoMillis();
    long quiet = deps.settings().flow().markRetry().toMillis();
    boolean keeping = false;
    for (var e : kept.entrySet()) {
      if (e.getValue().isEmpty()) continue;
      keeping = true;
      if (now - lastAnswer.getOrDefault(e.getKey(), 0L) >= quiet && (m == null || !m.key().equals(e.getKey()))) {
        mark(new InboundFlow.Mark(e.getKey(), 0));
      }
    }
    if (m == null && !keeping) timers.cancel(MarkRetry.INSTANCE);
    return this;
  }

  private Behavior<Command> onEnded(Ended m) {
    live.remove(m.sessionId());
    if (opened.remove(m.sessionId())) deps.admission().sessionEnded();
    LiveSessions.get(getContext().getSystem()).ended(m.sessionId());
    kept.remove(m.sessionId());
    lastAnswer.remove(m.sessionId());
    if (flow.forget(m.sessionId())) timers.cancel(MarkRetry.INSTANCE);
    return this;
  }

  private void handle(SocketIn in) {
    if (in instanceof SocketIn.TooBig t) {
      getContext().getLog().debug("message too big on session socket: larger than {} bytes", t.limitBytes());
      metrics.inc("invalid_message_total", "socket", SOCKET, "code", "MESSAGE_TOO_BIG");
      closeWith("MESSAGE_TOO_BIG", "message larger than " + t.limitBytes() + " bytes");
      return;
    }
    if (in instanceof SocketIn.OverBudget b) {
      getContext().getLog().info("inbound budget exhausted: a message on a session socket refused (unfinished messages"
          + " of all connections may hold {} bytes)", b.budgetBytes());
      metrics.inc("inbound_budget_refused_total", "socket", SOCKET);
      metrics.inc("invalid_message_total", "socket", SOCKET, "code", "MESSAGE_TOO_BIG");
      closeWith("MESSAGE_TOO_BIG", "message refused: the scheduler is receiving too much at once, try again later");
      return;
    }
    if (in instanceof SocketIn.Binary) {
      reject("INVALID_MESSAGE", "binary frames are not supported", "binary frame");
      return;
    }
    Decoded<SessionInbound> d = deps.codec().decodeSession(((SocketIn.Text) in).text());
    if (d instanceof Decoded.Failed<SessionInbound> failed) {
      reject(failed.code(), failed.detail(), "invalid message");
      return;
    }
    Decoded.Ok<SessionInbound> ok = (Decoded.Ok<SessionInbound>) d;
    if (!ok.ignoredFields().isEmpty()) {
      getContext().getLog().debug("input field ignored on session socket: {}", ok.ignoredFields());
      metrics.inc("input_field_ignored_total", "socket", SOCKET);
    }
    route(ok.message());
  }

  private void route(SessionInbound m) {
    ActorRef<Command> self = getContext().getSelf();
    if (m instanceof SessionInbound.Init i) {
      onInit(i);
    } else if (m instanceof SessionInbound.AudioChunk a) {
      if (!owned(a.sessionId())) return;
      if (a.payloadInvalid()) reject("INVALID_MESSAGE", "field payload: invalid base64", "invalid audio payload");
      if (a.payloadInvalid() && !a.isFinal()) return;
      ReplayBuffer<SessionEntity.Command> k = keptFor(a.sessionId());
      SessionEntity.Audio audio = new SessionEntity.Audio(a.payload(), a.isFinal(), a.clientTimestampMs(), self, k.nextSeq());
      k.keep(audio, a.payload().length + 64L);
      forward(a.sessionId(), audio);
    } else if (m instanceof SessionInbound.Utterance u) {
      if (!owned(u.sessionId())) return;
      if (u.audio().length == 0) {
        reject("INVALID_MESSAGE", "field audio: must not be empty", "invalid message");
        return;
      }
      ReplayBuffer<SessionEntity.Command> k = keptFor(u.sessionId());
      SessionEntity.Utterance utt = new SessionEntity.Utterance(new SessionEntity.UtteranceData(u.utteranceIndex(),
          u.audio(), u.audioFormat() == null ? "opus" : u.audioFormat(), u.sampleRate(), u.manualCut(), u.srcLang(), u.tgtLang(), u.dialect(), u.features(), u.pipeline(),
          u.traceId()), self, k.nextSeq());
      k.keep(utt, u.audio().length + 256L);
      forward(u.sessionId(), utt);
    } else if (m instanceof SessionInbound.ClientHeartbeat h) {
      if (owned(h.sessionId())) forward(h.sessionId(), new SessionEntity.ClientHeartbeat(self));
    } else if (m instanceof SessionInbound.Close c) {
      if (!owned(c.sessionId())) return;
      live.remove(c.sessionId());
      forward(c.sessionId(), new SessionEntity.Close(c.reason(), self));
    } else if (m instanceof SessionInbound.TtsStarted t) {
      if (owned(t.sessionId())) forward(t.sessionId(), new SessionEntity.TtsStarted(t.groupId(), self));
    } else if (m instanceof SessionInbound.TtsPlayEnded t) {
      if (owned(t.sessionId())) forward(t.sessionId(), new SessionEntity.TtsPlayEnded(t.groupId(), self));
    } else {
      // rooms and the WebRTC relay (BEHAVIOUR.md §12) are outside this version
      if (live.isEmpty()) {
        reject("INVALID_SESSION", "session not initialized", "room message without a session");
      } else {
        reject("INVALID_MESSAGE", "rooms are not supported by this scheduler version", "unsupported room message");
      }
    }
  }

  private void onInit(SessionInbound.Init i) {
    if (opened.size() >= deps.settings().sessions().maxPerConnection()) {
      reject("INVALID_MESSAGE", "too many sessions on this connection (max "
          + deps.settings().sessions().maxPerConnection() + ", closing ones included)", "session limit reached");
      return;
    }
    java.util.Optional<Admission.Refusal> full = deps.admission().startSession();
    if (full.isPresent()) {
      metrics.inc("admission_refused_total", "what", "session", "code", full.get().code());
      getContext().getLog().info("session refused: {}", full.get().message());
      // a socket without a session is of no use to its client: closed, so that it reconnects after its back-off
      if (opened.isEmpty()) closeWith(full.get().code(), full.get().message());
      else reject(full.get().code(), full.get().message(), "session refused");
      return;
    }
    String id = Ids.sessionId();
    initialized = true;
    timers.cancel(HandshakeDeadline.INSTANCE);
    live.add(id);
    opened.add(id);
    String trace = i.traceId() != null && !i.traceId().isEmpty() ? i.traceId() : Ids.uuid();
    forward(id, new SessionEntity.Init(new SessionEntity.InitData(i.srcLang(), i.tgtLang(), i.clientVersion(),
        i.platform(), i.mode(), i.langA(), i.langB(), i.autoLangs(), i.dialect(), i.features(), i.tenantId(), trace),
        getContext().getSelf()));
    LiveSessions.get(getContext().getSystem()).opened(new LiveSessions.Info(id, i.srcLang(), i.tgtLang(), i.mode(),
        i.langA(), i.langB(), i.platform(), i.clientVersion(), trace, deps.clock().wallMillis()));
  }

  /** The kept audio of one session; the retry timer runs while any is kept. */
  private ReplayBuffer<SessionEntity.Command> keptFor(String sessionId) {
    if (!timers.isTimerActive(MarkRetry.INSTANCE)) {
      timers.startTimerWithFixedDelay(MarkRetry.INSTANCE, MarkRetry.INSTANCE, deps.settings().flow().markRetry());
    }
    lastAnswer.putIfAbsent(sessionId, deps.clock().monoMillis());
    return kept.computeIfAbsent(sessionId, k -> new ReplayBuffer<>(deps.settings().flow().keptAudioBytes()));
  }

  /** Tells the session, counting the message in its inbound window. */
  private void forward(String sessionId, SessionEntity.Command m) {
    session(sessionId).tell(m);
    forwardedTo = sessionId;
  }

  /** Whether the message names a live session of this socket; else {@code INVALID_SESSION}, dropped. */
  private boolean owned(String sessionId) {
    if (live.contains(sessionId)) return true;
    reject("INVALID_SESSION", "unknown session " + sessionId, "message for a foreign or unknown session");
    return false;
  }

  private Behavior<Command> onDeliver(Deliver d) {
    write(WireEvents.toWire(d.event()));
    return this;
  }

  private Behavior<Command> onInstanceStopping() {
    return closeWith(null, null);
  }

  private Behavior<Command> onStreamEnded() {
    tellSessionsClosed();
    return Behaviors.stopped();
  }

  private void reject(String code, String message, String phrase) {
    getContext().getLog().debug("{} on session socket: {} {}", phrase, code, message);
    metrics.inc("invalid_message_total", "socket", SOCKET, "code", code);
    if (errors.allow(code, deps.clock().monoMillis())) {
      write(ErrorFrame.of(code, message));
    } else {
      metrics.inc("error_reply_suppressed_total", "socket", SOCKET, "code", code);
    }
  }

  private org.apache.pekko.actor.typed.RecipientRef<SessionEntity.Command> session(String id) {
    return deps.entities().session(id);
  }
}
