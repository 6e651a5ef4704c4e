package dev.polyglot.scheduler.edge;

import org.apache.pekko.actor.typed.ActorRef;

/**
 * A socket actor's acknowledgement of one inbound frame: its connection hands it the next one only then, so at most
 * one frame waits for the actor besides the one it handles. The WebSocket bridge's acknowledgement is a call, not a
 * message: it costs no mailbox hop, and wakes the connection's stream only when a frame is waiting for it.
 * Thread-safe; call it once per frame.
 */
@FunctionalInterface
public interface Ack {
  void ack();

  /** Acknowledges by telling {@code ref} {@link SocketAck#INSTANCE} (tests hold a probe). */
  static Ack to(ActorRef<SocketAck> ref) {
    return () -> ref.tell(SocketAck.INSTANCE);
  }
}
