package dev.polyglot.scheduler.session;

/**
 * At-least-once delivery from the socket (RELIABILITY.md P9), as a pure immutable rule: the socket numbers its
 * audio-carrying messages to a session from 1 without gaps; a numbered message is applied once, in order. One already
 * applied (or held by the ledger, for a re-created session) is a duplicate; one past a gap is dropped and the socket is
 * asked to send again from the gap, at most once a second for the same gap. Unnumbered messages (0) always apply.
 */
record AudioSequence(long applied, long askedFrom, long askedAtMono) {
  static final long ASK_INTERVAL_MS = 1_000;

  enum Verdict { APPLY, DUPLICATE, ASK_REPLAY, GAP }

  record Offer(Verdict verdict, AudioSequence next) {}

  static AudioSequence start() {
    return new AudioSequence(0, 0, 0);
  }

  /** A recovered session: the ledger holds every message up to {@code durableSeq}. */
  static AudioSequence at(long durableSeq) {
    return new AudioSequence(Math.max(0, durableSeq), 0, 0);
  }

  Offer offer(long seq, long nowMono) {
    if (seq <= 0) return new Offer(Verdict.APPLY, this);
    if (seq <= applied) return new Offer(Verdict.DUPLICATE, this);
    if (seq > applied + 1) {
      if (askedFrom != applied + 1 || nowMono - askedAtMono >= ASK_INTERVAL_MS) {
        return new Offer(Verdict.ASK_REPLAY, new AudioSequence(applied, applied + 1, nowMono));
      }
      return new Offer(Verdict.GAP, this);
    }
    return new Offer(Verdict.APPLY, new AudioSequence(seq, askedFrom, askedAtMono));
  }

  /** Where a replay must start: the first message not applied. */
  long missing() {
    return applied + 1;
  }
}
