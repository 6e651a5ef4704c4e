package dev.polyglot.scheduler.edge;

import dev.polyglot.scheduler.config.FlowLimits;

import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * One socket's inbound flow control towards the entities it feeds (one {@link InboundWindow} per entity): a frame is
 * acknowledged to the connection at once, unless the window of the entity it went to is full; then its
 * acknowledgement is held until that entity confirms, so the connection reads nothing more meanwhile. Owned by one
 * socket actor.
 */
public final class InboundFlow {
  /** A mark to send: ask entity {@code key} to confirm every message up to {@code seq}. */
  public record Mark(String key, long seq) {}

  private final FlowLimits limits;
  private final Map<String, InboundWindow> windows = new HashMap<>();
  private ActorRef<SocketAck> held;
  private String heldFor;

  public InboundFlow(FlowLimits limits) {
    this.limits = limits;
  }

  /** Records one message forwarded to entity {@code key}; returns the mark to send with it, or null. */
  public Mark forwarded(String key, long bytes) {
    InboundWindow w = windows.computeIfAbsent(key, k -> new InboundWindow(limits));
    w.sent(bytes);
    long seq = w.markDue();
    return seq == 0 ? null : new Mark(key, seq);
  }

  /**
   * The frame whose messages went to {@code key} (null: to nobody) has been handled: acknowledges it now, or holds
   * the acknowledgement while that entity's window is full. Returns whether it was held.
   */
  public boolean handled(ActorRef<SocketAck> ack, String key) {
    InboundWindow w = key == null ? null : windows.get(key);
    if (w != null && w.full()) {
      held = ack;
      heldFor = key;
      return true;
    }
    ack.tell(SocketAck.INSTANCE);
    return false;
  }

  /** Entity {@code key} took every message up to {@code seq}; returns whether a held acknowledgement was released. */
  public boolean taken(String key, long seq) {
    InboundWindow w = windows.get(key);
    if (w == null) return false;
    w.taken(seq);
    return key.equals(heldFor) && !w.full() && release();
  }

  /** The entity is gone for this socket (its session ended): nothing more is owed to it. */
  public boolean forget(String key) {
    windows.remove(key);
    return key.equals(heldFor) && release();
  }

  /** The number of the latest message forwarded to entity {@code key} (0 before any). */
  public long lastSent(String key) {
    InboundWindow w = windows.get(key);
    return w == null ? 0 : w.lastSent();
  }

  /** While an acknowledgement is held, the mark to send again (its answer may be lost with a moved entity). */
  public Mark remark() {
    if (held == null) return null;
    return new Mark(heldFor, windows.get(heldFor).lastSent());
  }

  public boolean holding() {
    return held != null;
  }

  private boolean release() {
    ActorRef<SocketAck> a = held;
    held = null;
    heldFor = null;
    a.tell(SocketAck.INSTANCE);
    return true;
  }
}
