package dev.polyglot.scheduler.edge;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Messages a socket forwarded to an entity and keeps until the entity confirms it took them, by their number in the
 * entity's inbound window: a message is not lost because the entity's instance died. They go again when an answer
 * comes from another incarnation of the entity than before, and when the oldest has waited a retry interval without
 * a confirmation (the entity may have died without a new incarnation answering yet); the entity's side drops what
 * it already has. Owned by one socket actor; times are monotonic milliseconds.
 *
 * @param <M> the message kept
 */
public final class Unconfirmed<M> {
  private record Sent<M>(long seq, M message, long atMs) {}

  private final ArrayDeque<Sent<M>> sent = new ArrayDeque<>();
  private long incarnation;

  /** Keeps message {@code seq}, sent now. */
  public void sent(long seq, M message, long nowMs) {
    sent.addLast(new Sent<>(seq, message, nowMs));
  }

  /**
   * Incarnation {@code entityIncarnation} of the entity took every message up to {@code seq}: those are forgotten.
   * Returns what must go again, oldest first: everything still kept when the answer came from another incarnation
   * than the one before; else nothing.
   */
  public List<M> taken(long seq, long entityIncarnation) {
    while (!sent.isEmpty() && sent.peekFirst().seq() <= seq) sent.pollFirst();
    boolean recreated = incarnation != 0 && entityIncarnation != incarnation;
    incarnation = entityIncarnation;
    return recreated ? all() : List.of();
  }

  /** At a retry: everything kept, when the oldest was sent {@code waitMs} or longer ago; else nothing. */
  public List<M> due(long nowMs, long waitMs) {
    return !sent.isEmpty() && sent.peekFirst().atMs() <= nowMs - waitMs ? all() : List.of();
  }

  public boolean isEmpty() {
    return sent.isEmpty();
  }

  private List<M> all() {
    List<M> out = new ArrayList<>(sent.size());
    for (Sent<M> s : sent) out.add(s.message());
    return out;
  }
}
