package dev.polyglot.scheduler.edge;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * What a socket keeps of the messages it delivered to an entity until the entity says they are safe (RELIABILITY.md
 * P9): numbered in order, bounded in bytes. When the entity's incarnation changes (its instance died and it was
 * re-created) or it asks for a gap, the socket sends them again; the entity drops numbers it already has. Owned by one
 * socket actor.
 *
 * @param <M> the message kept
 */
public final class ReplayBuffer<M> {
  private record Kept<M>(long seq, M message, long bytes) {}

  private final long maxBytes;
  private final ArrayDeque<Kept<M>> kept = new ArrayDeque<>();
  private long next = 1;
  private long bytes;
  private long incarnation;
  private long overflowed;

  public ReplayBuffer(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** The number the next message gets. */
  public long nextSeq() {
    return next;
  }

  /**
   * Keeps a message under the next number and returns that number. Past the byte bound the oldest kept messages are
   * forgotten (counted by {@link #overflowed()}): they can no longer be replayed.
   */
  public long keep(M message, long size) {
    long seq = next++;
    kept.addLast(new Kept<>(seq, message, size));
    bytes += size;
    while (bytes > maxBytes && kept.size() > 1) {
      bytes -= kept.pollFirst().bytes();
      overflowed++;
    }
    return seq;
  }

  /** The entity holds everything up to {@code seq} durably: forget it. */
  public void safeUpTo(long seq) {
    while (!kept.isEmpty() && kept.peekFirst().seq() <= seq) bytes -= kept.pollFirst().bytes();
  }

  /** The kept messages numbered {@code from} or later, oldest first. */
  public List<M> from(long from) {
    List<M> out = new ArrayList<>();
    for (Kept<M> k : kept) if (k.seq() >= from) out.add(k.message());
    return out;
  }

  public boolean isEmpty() {
    return kept.isEmpty();
  }

  /**
   * Notes the entity incarnation an answer came from; returns true when it differs from the one noted before (the
   * entity was re-created and everything kept must be sent again).
   */
  public boolean answeredBy(long entityIncarnation) {
    boolean changed = incarnation != 0 && entityIncarnation != 0 && entityIncarnation != incarnation;
    if (entityIncarnation != 0) incarnation = entityIncarnation;
    return changed;
  }

  public long keptBytes() {
    return bytes;
  }

  public long overflowed() {
    return overflowed;
  }
}
