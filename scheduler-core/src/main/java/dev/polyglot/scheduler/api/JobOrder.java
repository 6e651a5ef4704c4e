package dev.polyglot.scheduler.api;

import java.util.List;

/**
 * One attempt of one job, with everything the node agent reads from {@code job_assign} (PROTOCOL.md §7.5).
 * The audio is opaque bytes and may reach 500 KiB.
 */
public record JobOrder(
    String jobId,
    int attemptId,
    String sessionId,
    int utteranceIndex,
    String srcLang,
    String tgtLang,
    PipelineConfig pipeline,
    byte[] audio,
    String audioFormat,
    int sampleRate,
    String traceId,
    boolean enableStreamingAsr,
    int partialUpdateIntervalMs,
    String turnId,
    String dialect,
    FeatureFlags features,
    String mode,
    String langA,
    String langB,
    List<String> autoLangs,
    Integer paddingMs,
    Cut cut) implements ClusterMessage {

  public JobOrder {
    cut = cut == null ? Cut.NONE : cut;
  }

  /** Whether the utterance was cut by the client ({@code is_final}, or {@code utterance} with {@code manual_cut}). */
  public boolean manualCut() {
    return cut == Cut.MANUAL;
  }

  /** Whether the cut keeps the turn open (spec/BEHAVIOUR.md §7.5), whatever flag a node's dialect gives it. */
  public boolean maxDurationTriggered() {
    return cut == Cut.MAX_DURATION;
  }

  /** The same job without its audio (kept for terminal jobs, which never travel again). */
  public JobOrder withAudio(byte[] newAudio) {
    return new JobOrder(jobId, attemptId, sessionId, utteranceIndex, srcLang, tgtLang, pipeline, newAudio, audioFormat,
        sampleRate, traceId, enableStreamingAsr, partialUpdateIntervalMs, turnId, dialect, features, mode, langA,
        langB, autoLangs, paddingMs, cut);
  }

  public JobOrder withTurnId(String turn) {
    return new JobOrder(jobId, attemptId, sessionId, utteranceIndex, srcLang, tgtLang, pipeline, audio, audioFormat,
        sampleRate, traceId, enableStreamingAsr, partialUpdateIntervalMs, turn, dialect, features, mode, langA,
        langB, autoLangs, paddingMs, cut);
  }

  public JobOrder withAttempt(int attempt) {
    return new JobOrder(jobId, attempt, sessionId, utteranceIndex, srcLang, tgtLang, pipeline, audio, audioFormat,
        sampleRate, traceId, enableStreamingAsr, partialUpdateIntervalMs, turnId, dialect, features, mode, langA,
        langB, autoLangs, paddingMs, cut);
  }
}
