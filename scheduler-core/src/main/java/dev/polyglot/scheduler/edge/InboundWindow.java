package dev.polyglot.scheduler.edge;

import dev.polyglot.scheduler.config.FlowLimits;
import java.util.ArrayDeque;

/**
 * End-to-end flow control from one socket to one entity (issue 10, RELIABILITY.md P7): the messages a socket has
 * forwarded to an entity that the entity has not yet taken, bounded in count and bytes. While the window is full the
 * socket holds its connection's acknowledgement, so the next frame is not read and TCP slows the sender; nothing
 * waits in mailboxes, stashes or sharding buffers beyond one window.
 *
 * <p>Messages are numbered by the socket; a mark asks the entity to confirm everything up to a number (the entity
 * handles its messages in order, so one confirmation covers all earlier ones). Marks go out every
 * {@code markEvery} messages and whenever the window fills, so a full window always has a mark on its way. Owned by
 * one socket actor.
 */
public final class InboundWindow {
  private final FlowLimits limits;
  /** Cumulative bytes after each untaken message, oldest first: {seq, cumulativeBytes}. */
  private final ArrayDeque<long[]> untaken = new ArrayDeque<>();
  private long sent;
  private long taken;
  private long marked;
  private long sentBytes;
  private long takenBytes;

  public InboundWindow(FlowLimits limits) {
    this.limits = limits;
  }

  /** Records one forwarded message of {@code bytes}; returns its number. */
  public long sent(long bytes) {
    sent++;
    sentBytes += Math.max(0, bytes);
    untaken.addLast(new long[] {sent, sentBytes});
    return sent;
  }

  /** The number to mark now, or 0 when no mark is due. Marks at most once per number. */
  public long markDue() {
    if (sent > marked && (sent - marked >= limits.markEvery() || full())) {
      marked = sent;
      return sent;
    }
    return 0;
  }

  /** The number of the latest message, to mark again when a mark or its answer may have been lost. */
  public long lastSent() {
    return sent;
  }

  /** The entity took every message up to {@code seq}. */
  public void taken(long seq) {
    if (seq <= taken) return;
    taken = Math.min(seq, sent);
    while (!untaken.isEmpty() && untaken.peekFirst()[0] <= taken) takenBytes = untaken.pollFirst()[1];
  }

  public boolean full() {
    return sent - taken >= limits.maxMessages() || sentBytes - takenBytes >= limits.maxBytes();
  }

  public long outstanding() {
    return sent - taken;
  }

  public long outstandingBytes() {
    return sentBytes - takenBytes;
  }
}
