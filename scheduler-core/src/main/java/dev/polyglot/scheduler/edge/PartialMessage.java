package dev.polyglot.scheduler.edge;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One inbound text message on one connection, from its first part until the socket actor takes it: kept as the UTF-8
 * bytes of its parts, so that what it holds is exactly what it counted and reserved from the instance's
 * {@link InboundBudget}. Each part is checked as it arrives against the connection's current limit and against the
 * budget; a message over either is dropped at once (its reservation returned), never at its last frame.
 *
 * <p>{@link #finish()} turns the parts into the message's text but keeps the reservation: a complete message waiting
 * for its socket actor still counts, so a slow actor (one that holds back its acknowledgements) cannot make the budget
 * lie. {@link #release()} returns it, once, whoever calls it first: the connection when the actor takes the message,
 * or when the connection ends. {@link #add} and {@link #finish} are confined to the connection's stream.
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
  private final AtomicBoolean released = new AtomicBoolean();
  private long bytes;
  private boolean finished;

  public PartialMessage(InboundBudget budget) {
    this.budget = budget;
  }

  /** Adds the next part (UTF-8 bytes) if the message stays within {@code limitBytes} and the budget takes it. */
  public Outcome add(byte[] part, long limitBytes) {
    if (finished || released.get()) throw new IllegalStateException("message already finished or dropped");
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

  /** The bytes this message holds of the budget now. */
  public long bytes() {
    return released.get() ? 0 : bytes;
  }

  /** Whether the message is complete ({@link #finish()} was called). */
  public boolean finished() {
    return finished;
  }

  /** The whole message as text. Its reservation is kept until {@link #release()}. */
  public String finish() {
    if (finished || released.get()) throw new IllegalStateException("message already finished or dropped");
    finished = true;
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
    parts.clear();
    return text;
  }

  /** Returns the reservation (and drops what is kept); only the first call counts, from any thread. */
  public void release() {
    if (!released.compareAndSet(false, true)) return;
    if (!finished) parts.clear();
    budget.release(bytes);
  }
}
