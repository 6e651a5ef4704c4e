package dev.polyglot.scheduler.session;

import dev.polyglot.scheduler.api.ClusterMessage;
import dev.polyglot.scheduler.api.Ids;
import dev.polyglot.scheduler.api.SchedulerClock;
import dev.polyglot.scheduler.config.SchedulerSettings;
import dev.polyglot.scheduler.edge.Admission;
import dev.polyglot.scheduler.edge.InboundFlow;
import dev.polyglot.scheduler.edge.ReplayBuffer;
import dev.polyglot.scheduler.edge.Ack;
import dev.polyglot.scheduler.edge.SocketAck;
import dev.polyglot.scheduler.edge.SocketEdge;
import dev.polyglot.scheduler.edge.SocketIn;
import dev.polyglot.scheduler.edge.SocketLink;
import dev.polyglot.scheduler.edge.SocketOut;
import dev.polyglot.scheduler.ops.LiveSessions;
import dev.polyglot.scheduler.ops.Metrics;
import dev.polyglot.scheduler.room.RoomRequest;
import dev.polyglot.scheduler.wire.SessionInbound;
import dev.polyglot.scheduler.wire.SessionOutbound;
import dev.polyglot.scheduler.wire.WireCodec;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One client WebSocket: admits sessions (at most {@code sessions.max-per-connection} live or closing ones: a closed
 * session keeps its jobs, timers and memory until it ends), checks that every message names a live session of this
 * socket, numbers the audio it forwards to the SessionEntity and keeps it until the session says it is durable
 * ({@link ReplayBuffer}), and turns the entity's {@link ClientEvent}s into wire messages. What every socket does with
 * its connection is its {@link SocketEdge}: bad input gets an {@code error} frame (rate-limited per code), a log line
 * with a stable phrase and a counter, and never reaches an entity; the connection closes at the handshake deadline,
 * when idle, and when the client does not read.
 *
 * <p>Lost when it stops: the connection. Every session it opened hears {@link SessionEntity.SocketClosed}.
 */
public final class SessionSocket extends AbstractBehavior<SessionSocket.Command> implements SocketEdge.Owner {

  public sealed interface Command extends ClusterMessage {}

  public record Frame(SocketIn in, Ack ackTo) implements Command {
    public Frame(SocketIn in, ActorRef<SocketAck> ackTo) {
      this(in, Ack.to(ackTo));
    }
  }

  public record Started(Ack ackTo) implements Command {}

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

  public record Deps(SchedulerSettings settings, SchedulerClock clock, SessionShards sessions, WireCodec codec,
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

  private final Deps deps;
  private final Metrics metrics;
  private final SocketEdge<Command, SessionInbound, SessionOutbound> edge;
  /** Per session: the audio messages not yet durable in the ledger, to send again to a re-created session (P9). */
  private final Map<String, ReplayBuffer<SessionEntity.Command>> kept = new HashMap<>();
  /** Per session: when it last answered (monotonic ms), to probe one that went quiet while audio is kept. */
  private final Map<String, Long> lastAnswer = new HashMap<>();
  /** Live sessions of this socket, most recent last. */
  private final LinkedHashSet<String> live = new LinkedHashSet<>();
  /** Every session this socket opened, closing ones included: all hear when the socket closes. */
  private final Set<String> opened = new LinkedHashSet<>();

  private SessionSocket(ActorContext<Command> ctx, TimerScheduler<Command> timers, SocketLink link, Deps deps) {
    super(ctx);
    this.deps = deps;
    this.metrics = Metrics.get(ctx.getSystem());
    this.edge = new SocketEdge<>(ctx, timers, new SocketEdge.Side<>(SOCKET, "session_init", "INVALID_SESSION",
        "client", null, HandshakeDeadline.INSTANCE, IdleCheck.INSTANCE, MarkRetry.INSTANCE, deps.codec()::decodeSession,
        deps.codec()::encode, e -> e), this, link, deps.settings(), deps.settings().flow().session(), deps.clock());
    metrics.inc("session_connections_opened_total");
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Started.class, m -> { m.ackTo().ack(); return this; })
        .onMessage(Frame.class, this::onFrame)
        .onMessage(Deliver.class, this::onDeliver)
        .onMessage(Ended.class, this::onEnded)
        .onMessage(Taken.class, this::onTaken)
        .onMessage(Durable.class, this::onDurable)
        .onMessage(Replay.class, this::onReplay)
        .onMessageEquals(MarkRetry.INSTANCE, this::onMarkRetry)
        .onMessageEquals(InstanceStopping.INSTANCE, () -> { edge.close(null, null); return this; })
        .onMessageEquals(HandshakeDeadline.INSTANCE, () -> { edge.handshakeDeadline(); return this; })
        .onMessageEquals(IdleCheck.INSTANCE, () -> { edge.idleCheck(false); return this; })
        .onMessageEquals(StreamEnded.INSTANCE, this::onStreamEnded)
        .build();
  }

  private Behavior<Command> onFrame(Frame f) {
    edge.frame(f.in(), f.ackTo(), this::route);
    return this;
  }

  @Override
  public void mark(InboundFlow.Mark m) {
    session(m.key()).tell(new SessionEntity.Mark(m.seq(), getContext().getSelf()));
  }

  @Override
  public boolean keeping() {
    return kept.values().stream().anyMatch(k -> !k.isEmpty());
  }

  /** The client does not read: after {@code error OUTBOUND_QUEUE_FULL} its sessions end now (they cannot reach it). */
  @Override
  public void lost() {
    tellSessionsClosed();
  }

  @Override
  public Object who() {
    return live;
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

  private Behavior<Command> onTaken(Taken t) {
    answered(t.sessionId(), t.incarnation());
    edge.taken(t.sessionId(), t.seq());
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
    InboundFlow.Mark m = edge.remark();
    if (m != null) {
      edge.retried();
      mark(m);
    }
    long now = deps.clock().monoMillis();
    long quiet = deps.settings().flow().markRetry().toMillis();
    for (var e : kept.entrySet()) {
      boolean quietTooLong = now - lastAnswer.getOrDefault(e.getKey(), 0L) >= quiet;
      if (!e.getValue().isEmpty() && quietTooLong && (m == null || !m.key().equals(e.getKey()))) {
        mark(new InboundFlow.Mark(e.getKey(), 0));
      }
    }
    if (m == null && !keeping()) edge.stopRetrying();
    return this;
  }

  private Behavior<Command> onEnded(Ended m) {
    live.remove(m.sessionId());
    if (opened.remove(m.sessionId())) deps.admission().sessionEnded();
    LiveSessions.get(getContext().getSystem()).ended(m.sessionId());
    kept.remove(m.sessionId());
    lastAnswer.remove(m.sessionId());
    edge.forget(m.sessionId());
    return this;
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
      forRoom(m);
    }
  }

  /** Rooms and the WebRTC relay (PROTOCOL.md §6.13–6.14): for the socket's most recently created live session. */
  private void forRoom(SessionInbound m) {
    String caller = null;
    for (String id : live) caller = id; // most recent last
    if (caller == null) {
      reject("INVALID_SESSION", "session not initialized", "room message without a session");
      return;
    }
    RoomRequest r;
    if (m instanceof SessionInbound.RoomCreate c) {
      r = new RoomRequest.Create(c.displayName(), c.preferredLang());
    } else if (m instanceof SessionInbound.RoomJoin j) {
      r = new RoomRequest.Join(j.roomCode(), j.displayName(), j.preferredLang());
    } else if (m instanceof SessionInbound.RoomLeave l) {
      r = new RoomRequest.Leave(l.roomCode());
    } else if (m instanceof SessionInbound.RoomRawVoicePreference p) {
      r = new RoomRequest.RawVoice(p.roomCode(), p.targetSessionId(), p.receiveRawVoice());
    } else {
      SessionInbound.WebrtcSignal w = (SessionInbound.WebrtcSignal) m;
      r = new RoomRequest.Signal(w.type(), w.roomCode(), w.to(), w.sdp(), w.candidate());
    }
    forward(caller, new SessionEntity.ForRoom(r, getContext().getSelf()));
  }

  private void onInit(SessionInbound.Init i) {
    if (opened.size() >= deps.settings().sessions().maxPerConnection()) {
      reject("INVALID_MESSAGE", "too many sessions on this connection (max "
          + deps.settings().sessions().maxPerConnection() + ", closing ones included)", "session limit reached");
      return;
    }
    Optional<Admission.Refusal> full = deps.admission().startSession();
    if (full.isPresent()) {
      metrics.inc("admission_refused_total", "what", "session", "code", full.get().code());
      getContext().getLog().info("session refused: {}", full.get().message());
      // a socket without a session is of no use to its client: closed, so that it reconnects after its back-off
      if (opened.isEmpty()) edge.close(full.get().code(), full.get().message());
      else reject(full.get().code(), full.get().message(), "session refused");
      return;
    }
    String id = Ids.sessionId();
    edge.greeted();
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
    edge.keepRetrying();
    lastAnswer.putIfAbsent(sessionId, deps.clock().monoMillis());
    return kept.computeIfAbsent(sessionId, k -> new ReplayBuffer<>(deps.settings().flow().keptAudioBytes()));
  }

  /** Tells the session, counting the message in its inbound window. */
  private void forward(String sessionId, SessionEntity.Command m) {
    session(sessionId).tell(m);
    edge.forwarded(sessionId);
  }

  /** Whether the message names a live session of this socket; else {@code INVALID_SESSION}, dropped. */
  private boolean owned(String sessionId) {
    if (live.contains(sessionId)) return true;
    reject("INVALID_SESSION", "unknown session " + sessionId, "message for a foreign or unknown session");
    return false;
  }

  private Behavior<Command> onDeliver(Deliver d) {
    edge.send(WireEvents.toWire(d.event()));
    return this;
  }

  private Behavior<Command> onStreamEnded() {
    tellSessionsClosed();
    return Behaviors.stopped();
  }

  private void reject(String code, String message, String phrase) {
    edge.reject(code, message, phrase);
  }

  private RecipientRef<SessionEntity.Command> session(String id) {
    return deps.sessions().session(id);
  }
}
