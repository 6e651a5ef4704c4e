package dev.polyglot.scheduler.protocol;
public record PipelineConfig(boolean useAsr, boolean useNmt, boolean useTts, boolean useSemantic, boolean useTone, Boolean usePhonetic, Boolean useLexicon) {
  public static PipelineConfig streamingDefault() { return new PipelineConfig(true, true, true, false, false, null, null); }
}
