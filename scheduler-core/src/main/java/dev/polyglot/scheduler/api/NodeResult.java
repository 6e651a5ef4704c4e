package dev.polyglot.scheduler.api;

import java.util.List;

/** A node's answer to a job, as the scheduler keeps it (translated from {@code job_result} at the socket). */
public record NodeResult(
    String jobId,
    int attemptId,
    boolean success,
    String textAsr,
    String textTranslated,
    String ttsAudio,
    String ttsFormat,
    ExtraResult extra,
    Integer processingTimeMs,
    JobError error,
    Long nodeCompletedAtMs,
    String asrQualityLevel,
    List<String> reasonCodes,
    Double qualityScore,
    Integer rerunCount,
    SegmentsMeta segmentsMeta,
    long receivedAtMs) implements ClusterMessage {

  /** {@code ASR_EMPTY} / {@code NO_TEXT_ASSIGNED}, or a success whose texts and audio are all blank. */
  public boolean isEmptyAck() {
    if (!success) return false;
    String reason = extra == null ? null : extra.reason();
    if ("ASR_EMPTY".equals(reason) || "NO_TEXT_ASSIGNED".equals(reason)) return true;
    return blank(textAsr) && blank(textTranslated) && blank(ttsAudio);
  }

  /** A failure whose message marks a rejected duplicate (PROTOCOL.md §8.2): a reason to fail over, not to fail. */
  public boolean isDuplicateRejection() {
    if (success || error == null || error.message() == null) return false;
    String m = error.message();
    return m.startsWith("DUPLICATE_JOB_ID:") || m.startsWith("DUPLICATE_UTTERANCE_INDEX:");
  }

  private static boolean blank(String s) {
    return s == null || s.trim().isEmpty();
  }
}
