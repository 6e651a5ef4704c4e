package dev.polyglot.scheduler.session;

import dev.polyglot.scheduler.cluster.ClusterMessage;
import dev.polyglot.scheduler.cluster.Entities;
import dev.polyglot.scheduler.config.SchedulerClock;
import dev.polyglot.scheduler.config.SchedulerSettings;
import dev.polyglot.scheduler.edge.Admission;
import dev.polyglot.scheduler.edge.ErrorReplies;
import dev.polyglot.scheduler.edge.Inbound;
import dev.polyglot.scheduler.edge.Ids;
import dev.polyglot.scheduler.edge.SocketAck;
import dev.polyglot.scheduler.edge.SocketIn;
import dev.polyglot.scheduler.edge.SocketOut;
import dev.polyglot.scheduler.metrics.Metrics;
import dev.polyglot.scheduler.protocol.ErrorFrame;
import dev.polyglot.scheduler.protocol.SessionInbound;
import dev.polyglot.scheduler.protocol.SessionOutbound;
import dev.polyglot.scheduler.protocol.Decoded;
import dev.polyglot.scheduler.protocol.WireCodec;
import java.util.LinkedHashSet;
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
 * {@code sessions.max-per-connection} live ones, and at most {@code admission.max-sessions} on the instance),
 * checks that every message names a live session of this socket, and forwards to the SessionEntity; it turns the
 * entity's {@link ClientEvent}s into wire messages. Bad input gets an {@code error} frame (rate-limited per code), a
 * log line with a stable phrase and a counter, and never reaches an entity. A socket without a {@code session_init}
 * within {@code websocket.handshake-timeout}, or without any message from its peer for
 * {@code websocket.idle-timeout}, is told why and closed.
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

  public record Deps(SchedulerSettings settings, SchedulerClock clock, Entities entities, WireCodec codec,
                     Admission admission) {}

  public static Behavior<Command> create(ActorRef<SocketOut> out, Deps deps) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new SessionSocket(ctx, timers, out, deps)));
  }

  /** The handshake deadline: no {@code session_init} yet. */
  private enum HandshakeDeadline implements Command { INSTANCE }

  /** Time to see whether the peer has sent anything within the idle timeout. */
  private enum IdleCheck implements Command { INSTANCE }

  private static final String SOCKET = "session";

  private final TimerScheduler<Command> timers;
  private final ActorRef<SocketOut> out;
  private final Deps deps;
  private final Metrics metrics;
  private final ErrorReplies errors;
  private final Inbound inbound;
  private boolean initialized;
  private boolean closing;
  /** Live sessions of this socket, most recent last. */
  private final LinkedHashSet<String> live = new LinkedHashSet<>();
  /** Every session this socket opened, closing ones included: all hear when the socket closes. */
  private final Set<String> opened = new LinkedHashSet<>();

  private SessionSocket(ActorContext<Command> ctx, TimerScheduler<Command> timers, ActorRef<SocketOut> out, Deps deps) {
    super(ctx);
    this.timers = timers;
    this.out = out;
    this.deps = deps;
    this.metrics = Metrics.get(ctx.getSystem());
    this.errors = new ErrorReplies(deps.settings().websocket().errorReplyInterval().toMillis());
    this.inbound = new Inbound(deps.settings().websocket().idleTimeout().toMillis(), deps.clock().monoMillis());
    metrics.inc("session_connections_opened_total");
    timers.startSingleTimer(HandshakeDeadline.INSTANCE, HandshakeDeadline.INSTANCE, deps.settings().websocket().handshakeTimeout());
    timers.startSingleTimer(IdleCheck.INSTANCE, IdleCheck.INSTANCE, deps.settings().websocket().idleTimeout());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Started.class, m -> { m.ackTo().tell(SocketAck.INSTANCE); return this; })
        .onMessage(Frame.class, this::onFrame)
        .onMessage(Deliver.class, this::onDeliver)
        .onMessage(Ended.class, this::onEnded)
        .onMessageEquals(StreamEnded.INSTANCE, this::onStreamEnded)
        .onMessageEquals(HandshakeDeadline.INSTANCE, this::onHandshakeDeadline)
        .onMessageEquals(IdleCheck.INSTANCE, this::onIdleCheck)
        .build();
  }

  private Behavior<Command> onFrame(Frame f) {
    inbound.seen(deps.clock().monoMillis());
    if (!closing) handle(f.in());
    f.ackTo().tell(SocketAck.INSTANCE);
    return this;
  }

  private Behavior<Command> onEnded(Ended m) {
    live.remove(m.sessionId());
    if (opened.remove(m.sessionId())) deps.admission().sessionEnded();
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

  /** Sends an {@code error} naming why, then closes the connection; what arrives afterwards is ignored. */
  private Behavior<Command> closeWith(String code, String message) {
    if (closing) return this;
    closing = true;
    out.tell(new SocketOut.Text(deps.codec().encode((SessionOutbound) ErrorFrame.of(code, message))));
    out.tell(SocketOut.Complete.INSTANCE);
    return this;
  }

  private void handle(SocketIn in) {
    if (in instanceof SocketIn.TooBig t) {
      reject("MESSAGE_TOO_BIG", "message larger than " + t.limitBytes() + " bytes", "message too big");
      closing = true;
      out.tell(SocketOut.Complete.INSTANCE);
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
      session(a.sessionId()).tell(new SessionEntity.Audio(a.payload(), a.isFinal(), a.clientTimestampMs(), self));
    } else if (m instanceof SessionInbound.Utterance u) {
      if (!owned(u.sessionId())) return;
      if (u.audio().length == 0) {
        reject("INVALID_MESSAGE", "field audio: must not be empty", "invalid message");
        return;
      }
      session(u.sessionId()).tell(new SessionEntity.Utterance(new SessionEntity.UtteranceData(u.utteranceIndex(),
          u.audio(), u.audioFormat() == null ? "opus" : u.audioFormat(), u.sampleRate(), u.manualCut(), u.srcLang(), u.tgtLang(), u.dialect(), u.features(), u.pipeline(),
          u.traceId()), self));
    } else if (m instanceof SessionInbound.ClientHeartbeat h) {
      if (owned(h.sessionId())) session(h.sessionId()).tell(new SessionEntity.ClientHeartbeat(self));
    } else if (m instanceof SessionInbound.Close c) {
      if (!owned(c.sessionId())) return;
      live.remove(c.sessionId());
      session(c.sessionId()).tell(new SessionEntity.Close(c.reason(), self));
    } else if (m instanceof SessionInbound.TtsStarted t) {
      if (owned(t.sessionId())) session(t.sessionId()).tell(new SessionEntity.TtsStarted(t.groupId(), self));
    } else if (m instanceof SessionInbound.TtsPlayEnded t) {
      if (owned(t.sessionId())) session(t.sessionId()).tell(new SessionEntity.TtsPlayEnded(t.groupId(), self));
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
    if (live.size() >= deps.settings().sessions().maxPerConnection()) {
      reject("INVALID_MESSAGE", "too many sessions on this connection (max "
          + deps.settings().sessions().maxPerConnection() + ")", "session limit reached");
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
    session(id).tell(new SessionEntity.Init(new SessionEntity.InitData(i.srcLang(), i.tgtLang(), i.clientVersion(),
        i.platform(), i.mode(), i.langA(), i.langB(), i.autoLangs(), i.dialect(), i.features(), i.tenantId(), trace),
        getContext().getSelf()));
  }

  /** Whether the message names a live session of this socket; else {@code INVALID_SESSION}, dropped. */
  private boolean owned(String sessionId) {
    if (live.contains(sessionId)) return true;
    reject("INVALID_SESSION", "unknown session " + sessionId, "message for a foreign or unknown session");
    return false;
  }

  private Behavior<Command> onDeliver(Deliver d) {
    out.tell(new SocketOut.Text(deps.codec().encode(WireEvents.toWire(d.event()))));
    return this;
  }

  private Behavior<Command> onStreamEnded() {
    for (String id : opened) {
      session(id).tell(new SessionEntity.SocketClosed(getContext().getSelf()));
      deps.admission().sessionEnded();
    }
    opened.clear();
    return Behaviors.stopped();
  }

  private void reject(String code, String message, String phrase) {
    getContext().getLog().debug("{} on session socket: {} {}", phrase, code, message);
    metrics.inc("invalid_message_total", "socket", SOCKET, "code", code);
    if (errors.allow(code, deps.clock().monoMillis()) || "MESSAGE_TOO_BIG".equals(code)) {
      out.tell(new SocketOut.Text(deps.codec().encode((SessionOutbound) ErrorFrame.of(code, message))));
    } else {
      metrics.inc("error_reply_suppressed_total", "socket", SOCKET, "code", code);
    }
  }

  private org.apache.pekko.actor.typed.RecipientRef<SessionEntity.Command> session(String id) {
    return deps.entities().session(id);
  }
}
