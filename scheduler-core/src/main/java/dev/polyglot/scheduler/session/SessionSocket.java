package dev.polyglot.scheduler.session;

import dev.polyglot.scheduler.cluster.ClusterMessage;
import dev.polyglot.scheduler.cluster.Entities;
import dev.polyglot.scheduler.config.SchedulerClock;
import dev.polyglot.scheduler.config.SchedulerSettings;
import dev.polyglot.scheduler.edge.ErrorReplies;
import dev.polyglot.scheduler.edge.Ids;
import dev.polyglot.scheduler.edge.SocketAck;
import dev.polyglot.scheduler.edge.SocketIn;
import dev.polyglot.scheduler.edge.SocketLink;
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

/**
 * One client WebSocket: decodes and validates frames, admits sessions (at most
 * {@code sessions.max-per-connection} live ones), checks that every message names a live session of this
 * socket, and forwards to the SessionEntity; it turns the entity's {@link ClientEvent}s into wire messages.
 * Bad input gets an {@code error} frame (rate-limited per code), a log line with a stable phrase and a
 * counter, and never reaches an entity. It writes through its connection's bounded outbound queue
 * ({@link SocketLink}); a client that does not read until the queue is full gets {@code error OUTBOUND_QUEUE_FULL},
 * its sessions end at once and the connection is closed.
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

  public record Deps(SchedulerSettings settings, SchedulerClock clock, Entities entities, WireCodec codec) {}

  /** A socket whose connection is {@code link} (the WebSocket bridge creates both). */
  public static Behavior<Command> create(SocketLink link, Deps deps) {
    return Behaviors.setup(ctx -> new SessionSocket(ctx, link, deps));
  }

  /** A socket writing to {@code out} with the configured outbound bounds (tests). */
  public static Behavior<Command> create(ActorRef<SocketOut> out, Deps deps) {
    var ws = deps.settings().websocket();
    return create(new SocketLink(out, ws.outboundQueueSize(), ws.outboundQueueBytes(), ws.sessionMaxMessage()), deps);
  }

  private static final String SOCKET = "session";

  private final SocketLink link;
  private final Deps deps;
  private final Metrics metrics;
  private final ErrorReplies errors;
  /** Live sessions of this socket, most recent last. */
  private final LinkedHashSet<String> live = new LinkedHashSet<>();
  /** Every session this socket opened, closing ones included: all hear when the socket closes. */
  private final Set<String> opened = new LinkedHashSet<>();
  /** Closing: nothing more is read or written. */
  private boolean closing;

  private SessionSocket(ActorContext<Command> ctx, SocketLink link, Deps deps) {
    super(ctx);
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
        .onMessage(Ended.class, m -> {
          live.remove(m.sessionId());
          opened.remove(m.sessionId());
          return this;
        })
        .onMessageEquals(StreamEnded.INSTANCE, this::onStreamEnded)
        .build();
  }

  private Behavior<Command> onFrame(Frame f) {
    if (!closing) handle(f.in());
    f.ackTo().tell(SocketAck.INSTANCE);
    return this;
  }

  private void handle(SocketIn in) {
    if (in instanceof SocketIn.TooBig t) {
      getContext().getLog().debug("message too big on session socket: larger than {} bytes", t.limitBytes());
      metrics.inc("invalid_message_total", "socket", SOCKET, "code", "MESSAGE_TOO_BIG");
      close("MESSAGE_TOO_BIG", "message larger than " + t.limitBytes() + " bytes");
      return;
    }
    if (in instanceof SocketIn.OverBudget b) {
      getContext().getLog().info("inbound budget exhausted: a message on a session socket refused (unfinished messages"
          + " of all connections may hold {} bytes)", b.budgetBytes());
      metrics.inc("inbound_budget_refused_total", "socket", SOCKET);
      metrics.inc("invalid_message_total", "socket", SOCKET, "code", "MESSAGE_TOO_BIG");
      close("MESSAGE_TOO_BIG", "message refused: the scheduler is receiving too much at once, try again later");
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
    String id = Ids.sessionId();
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
    write(WireEvents.toWire(d.event()));
    return this;
  }

  private Behavior<Command> onStreamEnded() {
    tellSessionsClosed();
    return Behaviors.stopped();
  }

  private void tellSessionsClosed() {
    for (String id : opened) session(id).tell(new SessionEntity.SocketClosed(getContext().getSelf()));
    opened.clear();
    live.clear();
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
    close("OUTBOUND_QUEUE_FULL", "the client does not read its messages; closing the connection");
    tellSessionsClosed();
  }

  /** Closes after what is queued, with a last {@code error} frame naming the reason. */
  private void close(String code, String message) {
    if (closing) return;
    closing = true;
    link.closeWith(deps.codec().encode((SessionOutbound) ErrorFrame.of(code, message)));
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
