package dev.polyglot.scheduler.session;

import dev.polyglot.scheduler.ops.Metrics;
import java.util.ArrayDeque;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * A session's side of its client connection, owned by the session entity: which socket is the session's (under death
 * watch, so the session learns when the instance hosting it dies), what goes to it, and the flow-control and P9
 * answers the socket waits for. After a recovery the connection is unknown until the client's next message; events
 * produced meanwhile wait here (at most {@value #UNDELIVERED_CAPACITY}, oldest dropped and counted).
 */
final class ClientLink {
  static final int UNDELIVERED_CAPACITY = 256;

  private final ActorContext<SessionEntity.Command> ctx;
  private final String sessionId;
  private final Metrics metrics;
  /** Tells this incarnation from an earlier one that died: the socket replays what it kept when it changes (P9). */
  private final long incarnation = java.util.concurrent.ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
  private final ArrayDeque<ClientEvent> undelivered = new ArrayDeque<>();
  private ActorRef<SessionSocket.Command> socket;
  private ActorRef<SessionSocket.Command> watched;
  /** A confirmation held back while the session has too many unfinished jobs. */
  private SessionEntity.Mark deferred;
  private boolean closed;

  ClientLink(ActorContext<SessionEntity.Command> ctx, String sessionId, Metrics metrics) {
    this.ctx = ctx;
    this.sessionId = sessionId;
    this.metrics = metrics;
  }

  boolean known() {
    return socket != null;
  }

  /** Whether events reach the client now: its connection is known and open. */
  boolean connected() {
    return socket != null && !closed;
  }

  /** The client's socket closed: nothing more goes to it (the session may still deliver to a room's listeners). */
  void lost() {
    closed = true;
  }

  boolean isOurs(ActorRef<SessionSocket.Command> from) {
    return from.equals(socket);
  }

  /** The session's socket is {@code s} from now on; its death ends the session (SocketClosed). */
  void attach(ActorRef<SessionSocket.Command> s) {
    socket = s;
    if (s.equals(watched)) return;
    if (watched != null) ctx.unwatch(watched);
    watched = s;
    ctx.watchWith(s, new SessionEntity.SocketClosed(s));
  }

  /** Recovered: the connection is re-learnt from the client's next message, and what waited goes out. */
  void relearn(ActorRef<SessionSocket.Command> from) {
    attach(from);
    ctx.getLog().info("session {} re-learnt its client connection", sessionId);
    while (!undelivered.isEmpty()) socket.tell(new SessionSocket.Deliver(sessionId, undelivered.poll()));
  }

  void send(ClientEvent e) {
    if (closed) return;
    if (socket != null) {
      socket.tell(new SessionSocket.Deliver(sessionId, e));
      return;
    }
    if (undelivered.size() >= UNDELIVERED_CAPACITY) {
      undelivered.poll();
      metrics.inc("client_events_dropped_total", "reason", "connection_unknown");
    }
    undelivered.add(e);
  }

  /** Answers a socket that is not the session's own (or a message the session no longer takes). */
  void refuse(ActorRef<SessionSocket.Command> from, String message) {
    from.tell(new SessionSocket.Deliver(sessionId, new ClientEvent.Error("INVALID_SESSION", message, null, null)));
    metrics.inc("invalid_message_total", "socket", "session", "code", "INVALID_SESSION");
  }

  /** Flow control: confirm the socket's messages up to the mark, or hold the confirmation while {@code full}. */
  void mark(SessionEntity.Mark m, boolean full) {
    if (full) {
      if (deferred == null) metrics.inc("session_input_paused_total");
      deferred = m;
      return;
    }
    m.socket().tell(new SessionSocket.Taken(sessionId, m.seq(), incarnation));
  }

  /** The session has room again: the held confirmation goes out. */
  void resume() {
    if (deferred == null) return;
    SessionEntity.Mark m = deferred;
    deferred = null;
    m.socket().tell(new SessionSocket.Taken(sessionId, m.seq(), incarnation));
  }

  boolean paused() {
    return deferred != null;
  }

  /** P9: the ledger holds the socket's audio up to {@code acked}; the socket may forget it. */
  void durable(long acked) {
    if (acked > 0 && socket != null) socket.tell(new SessionSocket.Durable(sessionId, acked, incarnation));
  }

  /** P9: ask {@code from} to send its audio messages again from {@code seq}. */
  void askReplay(ActorRef<SessionSocket.Command> from, long seq) {
    metrics.inc("session_replay_requests_total");
    ctx.getLog().info("session {} asks its socket to send again from audio message {}", sessionId, seq);
    from.tell(new SessionSocket.Replay(sessionId, seq, incarnation));
  }

  /** The session is over: its socket learns it, and nothing more goes out. */
  void end() {
    if (socket != null) socket.tell(new SessionSocket.Ended(sessionId));
    closed = true;
  }
}
