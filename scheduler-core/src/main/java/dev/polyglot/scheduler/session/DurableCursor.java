package dev.polyglot.scheduler.session;

import java.util.TreeMap;

/**
 * How far a session's client audio is safe in the ledger (RELIABILITY.md P9), as an immutable value. Every record
 * the session writes that carries client audio covers the socket's audio messages up to some sequence number; the
 * cursor is the highest such number whose record, and every record below it, the ledger confirmed. The socket may
 * forget what the cursor covers: a new incarnation of the session finds it in the ledger.
 */
public final class DurableCursor {
  private static final DurableCursor EMPTY = new DurableCursor(new TreeMap<>(), 0);

  /** Issued records by the sequence they cover: confirmed or not. */
  private final TreeMap<Long, Boolean> issued;
  private final long acked;

  private DurableCursor(TreeMap<Long, Boolean> issued, long acked) {
    this.issued = issued;
    this.acked = acked;
  }

  public static DurableCursor empty() {
    return EMPTY;
  }

  /** Starts at {@code seq} (a recovered session: the ledger already holds everything up to it). */
  public static DurableCursor at(long seq) {
    return new DurableCursor(new TreeMap<>(), Math.max(0, seq));
  }

  /** A record covering the audio up to {@code seq} was sent to the ledger. */
  public DurableCursor issued(long seq) {
    if (seq <= acked || issued.containsKey(seq)) return this;
    TreeMap<Long, Boolean> next = new TreeMap<>(issued);
    next.put(seq, false);
    return new DurableCursor(next, acked);
  }

  /** The ledger confirmed the record covering up to {@code seq}; the cursor moves over every confirmed prefix. */
  public DurableCursor confirmed(long seq) {
    if (!issued.containsKey(seq)) return this;
    TreeMap<Long, Boolean> next = new TreeMap<>(issued);
    next.put(seq, true);
    long a = acked;
    while (!next.isEmpty() && next.firstEntry().getValue()) a = next.pollFirstEntry().getKey();
    return new DurableCursor(next, a);
  }

  /** Everything up to here is in the ledger. */
  public long acked() {
    return acked;
  }

  /** Records sent but not confirmed (a failed write stays here: the cursor waits for a later rewrite). */
  public int outstanding() {
    return issued.size();
  }
}
