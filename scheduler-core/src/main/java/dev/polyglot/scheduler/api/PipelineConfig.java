package dev.polyglot.scheduler.api;


/**
 * Which stages a job runs. The five main flags are always sent; {@code usePhonetic} and
 * {@code useLexicon} are normalised to {@code TRUE} or null, so they are sent only when true.
 */
public record PipelineConfig(
    boolean useAsr,
    boolean useNmt,
    boolean useTts,
    boolean useSemantic,
    boolean useTone,
    Boolean usePhonetic,
    Boolean useLexicon) {

  private static final PipelineConfig STREAMING =
      new PipelineConfig(true, true, true, false, false, null, null);

  public PipelineConfig {
    usePhonetic = Norm.onlyTrue(usePhonetic);
    useLexicon = Norm.onlyTrue(useLexicon);
  }

  /** Streamed audio, and the input default: asr, nmt, tts on; semantic, tone off. */
  public static PipelineConfig streamingDefault() {
    return STREAMING;
  }

  /** Merges partial input with the §5.1 defaults (null = absent). */
  public static PipelineConfig withDefaults(
      Boolean useAsr, Boolean useNmt, Boolean useTts, Boolean useSemantic, Boolean useTone,
      Boolean usePhonetic, Boolean useLexicon) {
    return new PipelineConfig(
        useAsr == null || useAsr,
        useNmt == null || useNmt,
        useTts == null || useTts,
        useSemantic != null && useSemantic,
        useTone != null && useTone,
        usePhonetic,
        useLexicon);
  }
}
