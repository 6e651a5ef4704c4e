package dev.polyglot.scheduler.protocol;
public record FeatureFlags(Boolean emotionDetection, Boolean voiceStyleDetection, Boolean speechRateDetection, Boolean speechRateControl, Boolean speakerIdentification, Boolean personaAdaptation) {
  public static FeatureFlags empty() { return new FeatureFlags(null, null, null, null, null, null); }
}
