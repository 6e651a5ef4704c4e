package dev.polyglot.scheduler.session;

import java.time.Duration;

/**
 * The idempotency claims of one-shot {@code utterance} messages (pure): the ledger is the authority on
 * {@code (session, utterance_index)}, so a session creates a job for an utterance only once the ledger says the index
 * was fresh. A failed claim is tried again after 400, 800, 1600 ms; one that keeps failing is refused to the client
 * (send it again) rather than risk a second job for the index. {@code pending} counts claims on their way: a closing
 * session does not end before them.
 */
record UtteranceClaims(int pending) {
  static final int ATTEMPTS = 4;

  enum Outcome { RETRY, REFUSE, DUPLICATE, FRESH }

  static UtteranceClaims none() {
    return new UtteranceClaims(0);
  }

  UtteranceClaims started() {
    return new UtteranceClaims(pending + 1);
  }

  /** The ledger answered (or failed) try {@code attempt}; a RETRY keeps the claim pending. */
  record Answer(Outcome outcome, UtteranceClaims next) {}

  Answer answered(boolean failed, int attempt, boolean fresh, boolean indexTaken) {
    if (failed && attempt < ATTEMPTS) return new Answer(Outcome.RETRY, this);
    UtteranceClaims done = new UtteranceClaims(Math.max(0, pending - 1));
    if (failed) return new Answer(Outcome.REFUSE, done);
    return new Answer(fresh && !indexTaken ? Outcome.FRESH : Outcome.DUPLICATE, done);
  }

  /** The answer came after the session stopped accepting: the claim is over, nothing comes of it. */
  UtteranceClaims abandoned() {
    return new UtteranceClaims(Math.max(0, pending - 1));
  }

  static Duration retryDelay(int attempt) {
    return Duration.ofMillis(200L << attempt);
  }
}
