package dev.polyglot.scheduler.edge;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The budget for partially received inbound messages across every connection of one scheduler instance: the
 * bytes held of messages whose last frame has not arrived yet. A connection reserves each part before it keeps
 * it and releases the whole message once it is complete or abandoned; a part that would take the total past the
 * limit is refused (the connection then closes), so partial messages can never hold more than the limit however
 * many connections send them. Shared by all connections without a lock (one compare-and-set per part).
 *
 * <p>Lost when the instance stops: nothing (it only counts what live connections hold).
 */
public final class InboundBudget {
  private final long limit;
  private final AtomicLong held = new AtomicLong();
  private final AtomicLong peak = new AtomicLong();
  private final LongAdder refusals = new LongAdder();

  public InboundBudget(long limitBytes) {
    if (limitBytes <= 0) throw new IllegalArgumentException("the partial-message budget must be positive: " + limitBytes);
    this.limit = limitBytes;
  }

  /** Reserves {@code bytes} if the total stays within the limit; otherwise reserves nothing and counts a refusal. */
  public boolean tryReserve(long bytes) {
    if (bytes < 0) throw new IllegalArgumentException("negative reservation: " + bytes);
    while (true) {
      long now = held.get();
      if (bytes > limit - now) {
        refusals.increment();
        return false;
      }
      if (held.compareAndSet(now, now + bytes)) {
        peak.accumulateAndGet(now + bytes, Math::max);
        return true;
      }
    }
  }

  /** Gives back bytes reserved earlier (a message completed or abandoned). */
  public void release(long bytes) {
    if (bytes < 0) throw new IllegalArgumentException("negative release: " + bytes);
    long after = held.addAndGet(-bytes);
    if (after < 0) {
      held.addAndGet(bytes);
      throw new IllegalStateException("released " + bytes + " bytes that were not reserved");
    }
  }

  public long limit() {
    return limit;
  }

  /** Bytes reserved now. */
  public long held() {
    return held.get();
  }

  /** The most ever reserved at once. */
  public long peak() {
    return peak.get();
  }

  /** Reservations refused so far. */
  public long refusals() {
    return refusals.sum();
  }
}
