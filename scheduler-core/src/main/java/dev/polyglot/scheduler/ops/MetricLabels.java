package dev.polyglot.scheduler.ops;

import java.util.Set;

/**
 * Closed sets of metric label values. A value that comes from a peer (a node's error code, its {@code extra.reason})
 * becomes a label only if it is one the protocol knows; anything else is counted as {@code other}, so a peer cannot
 * create series at will (PROTOCOL.md §8).
 */
public final class MetricLabels {
  private MetricLabels() {}

  public static final String OTHER = "other";

  /**
   * Codes a finished job may carry: the scheduler's own failure codes and cancel reasons, the codes and empty
   * reasons nodes send (§8.1, §8.2), and lingua's catalogue, which nodes may relay.
   */
  static final Set<String> JOB_CODES = Set.of(
      // the scheduler's own
      "JOB_TIMEOUT", "NODE_UNAVAILABLE", "NO_AVAILABLE_NODE", "INTERNAL_ERROR", "session_closed", "absorbed", "merged",
      "empty",
      // node-originated (§8.2) and empty results
      "PROCESSING_ERROR", "MODEL_NOT_AVAILABLE", "ASR_EMPTY", "NO_TEXT_ASSIGNED",
      // lingua's catalogue (§8.1)
      "SESSION_CLOSED", "NODE_OVERLOADED", "MODEL_LOAD_FAILED", "UNSUPPORTED_FEATURE", "INVALID_PAIRING_CODE",
      "WS_DISCONNECTED", "NMT_TIMEOUT", "TTS_TIMEOUT", "MODEL_VERIFY_FAILED", "MODEL_CORRUPTED", "NODE_ID_CONFLICT",
      "SCHEDULER_DEPENDENCY_DOWN", "INVALID_MESSAGE", "INVALID_SESSION", "INVALID_CAPABILITY_SCHEMA", "NO_GPU_AVAILABLE",
      "NODE_NOT_REGISTERED");

  /** The label for a job's end code: itself if known, {@code ""} for none, else {@link #OTHER}. */
  public static String jobCode(String code) {
    if (code == null || code.isEmpty()) return "";
    return JOB_CODES.contains(code) ? code : OTHER;
  }

  /**
   * The {@code finalize_total} label of a segmenter reason, as PROTOCOL.md §10.5 names it: {@code manual},
   * {@code pause_gap}, {@code pause_timer}, {@code max_duration}, {@code max_length}, {@code session_close}.
   */
  public static String finalizeReason(String segmenterReason) {
    return switch (segmenterReason) {
      case "IS_FINAL" -> "manual";
      case "TIMEOUT_GAP" -> "pause_gap";
      case "TIMEOUT_TIMER" -> "pause_timer";
      case "MAX_DURATION" -> "max_duration";
      case "MAX_LENGTH" -> "max_length";
      case "SESSION_CLOSE" -> "session_close";
      default -> OTHER;
    };
  }
}
