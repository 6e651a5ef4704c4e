package dev.polyglot.scheduler.edge;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One inbound text message being received on one connection, kept as the UTF-8 bytes of its parts so that what it
 * holds is exactly what it counted and reserved from the instance's {@link InboundBudget}. Each part is checked as
 * it arrives against the connection's current limit and against the budget; a message over either is dropped at
 * once (its reservation returned), never at its last frame. Confined to the connection's stream; not thread-safe.
 */
public final class PartialMessage {

  /** What became of a part. */
  public enum Outcome {
    /** kept; the message may go on */
    KEPT,
    /** the message is larger than the connection's limit: dropped */
    OVER_LIMIT,
    /** the instance's budget for partial messages cannot take the part: dropped */
    OVER_BUDGET
  }

  private final InboundBudget budget;
  private final List<byte[]> parts = new ArrayList<>();
  private long bytes;
  private boolean released;

  public PartialMessage(InboundBudget budget) {
    this.budget = budget;
  }

  /** Adds the next part (UTF-8 bytes) if the message stays within {@code limitBytes} and the budget takes it. */
  public Outcome add(byte[] part, long limitBytes) {
    if (released) throw new IllegalStateException("message already finished or dropped");
    if (part.length > limitBytes - bytes) {
      release();
      return Outcome.OVER_LIMIT;
    }
    if (!budget.tryReserve(part.length)) {
      release();
      return Outcome.OVER_BUDGET;
    }
    parts.add(part);
    bytes += part.length;
    return Outcome.KEPT;
  }

  /** The bytes received (and reserved) so far. */
  public long bytes() {
    return released ? 0 : bytes;
  }

  /** The whole message as text; its reservation is returned. */
  public String finish() {
    if (released) throw new IllegalStateException("message already finished or dropped");
    String text;
    if (parts.size() == 1) {
      text = new String(parts.get(0), StandardCharsets.UTF_8);
    } else {
      byte[] all = new byte[Math.toIntExact(bytes)];
      int at = 0;
      for (byte[] p : parts) {
        System.arraycopy(p, 0, all, at, p.length);
        at += p.length;
      }
      text = new String(all, StandardCharsets.UTF_8);
    }
    release();
    return text;
  }

  /** Drops what was kept and returns the reservation; safe to call more than once (a stream that stopped early). */
  public void release() {
    if (released) return;
    released = true;
    parts.clear();
    budget.release(bytes);
  }
}
