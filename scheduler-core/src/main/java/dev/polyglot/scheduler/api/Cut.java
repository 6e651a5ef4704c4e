package dev.polyglot.scheduler.api;

/**
 * Why an utterance was cut (spec/BEHAVIOUR.md §7.3). The job keeps the reason itself, not wire flags: how a reason
 * reads on the wire depends on the node it is written to ({@code protocol.WireDialect}).
 */
public enum Cut {
  /** {@code is_final} from the client, or an {@code utterance} with {@code manual_cut}. */
  MANUAL,
  /** A non-empty chunk more than the pause after the previous one. */
  GAP,
  /** The pause timer: no non-empty chunk for the pause. */
  TIMER,
  /** The estimated duration reached the maximum: the only cut that keeps the turn open. */
  MAX_DURATION,
  /** Buffer overflow, session close, or an {@code utterance} without {@code manual_cut}: no flag. */
  NONE
}
