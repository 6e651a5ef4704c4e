package dev.polyglot.scheduler.api;

/**
 * Feature flags ({@code features}, {@code features_supported}): all optional, passed through
 * unchanged and never interpreted. Unknown keys are dropped on input; null flags are omitted on output.
 */
public record FeatureFlags(
    Boolean emotionDetection,
    Boolean voiceStyleDetection,
    Boolean speechRateDetection,
    Boolean speechRateControl,
    Boolean speakerIdentification,
    Boolean personaAdaptation) {

  private static final FeatureFlags EMPTY = new FeatureFlags(null, null, null, null, null, null);

  /** The empty object {@code {}}. */
  public static FeatureFlags empty() {
    return EMPTY;
  }
}
