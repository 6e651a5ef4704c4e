package dev.polyglot.scheduler.session;

import dev.polyglot.scheduler.api.Cut;
import dev.polyglot.scheduler.api.Ids;
import dev.polyglot.scheduler.api.JobOrder;
import dev.polyglot.scheduler.api.PipelineConfig;
import dev.polyglot.scheduler.pool.PoolMembership;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * How a session turns an utterance into a job (pure): a streamed utterance takes the session's languages and the
 * streaming pipeline; a one-shot {@code utterance} overrides them field by field. In a room, each job of an utterance's
 * fan-out takes its listeners' language as {@code tgt_lang} (BEHAVIOUR.md §12). The pool is {@code lang_a:lang_b}
 * for a two-way session whose source is {@code auto}, else {@code src:tgt} (BEHAVIOUR.md §4).
 */
record JobFactory(String sessionId, SessionEntity.InitData init, boolean streamingAsr, int partialIntervalMs) {

  /** The job of a streamed utterance, under {@code jobId} (the id given at its seal, or a new one). */
  JobOrder streamed(Segmenter.Utterance u, String jobId) {
    return streamed(u, jobId, init.tgtLang());
  }

  /** The job of a streamed utterance that translates to {@code tgtLang} (one job of a room's fan-out). */
  JobOrder streamed(Segmenter.Utterance u, String jobId, String tgtLang) {
    return new JobOrder(jobId, 1, sessionId, u.index(), init.srcLang(), tgtLang,
        PipelineConfig.streamingDefault(), u.audio(), "opus", 16000, init.traceId(), streamingAsr, partialIntervalMs,
        u.turnId(), init.dialect(), init.features(), init.mode(), init.langA(), init.langB(), init.autoLangs(),
        u.paddingMs(), cutOf(u.reason()));
  }

  /** The job of a one-shot {@code utterance}. */
  JobOrder oneShot(SessionEntity.UtteranceData u, String jobId) {
    return oneShot(u, jobId, tgtLangOf(u));
  }

  /** The job of a one-shot {@code utterance} that translates to {@code tgtLang} (one job of a room's fan-out). */
  JobOrder oneShot(SessionEntity.UtteranceData u, String jobId, String tgtLang) {
    return new JobOrder(jobId, 1, sessionId, u.index(), or(u.srcLang(), init.srcLang()), tgtLang,
        u.pipeline(), u.audio(), u.audioFormat(), u.sampleRate(), or(u.traceId(), init.traceId()), streamingAsr,
        partialIntervalMs, Ids.uuid(), or(u.dialect(), init.dialect()), u.features() != null ? u.features()
        : init.features(), init.mode(), init.langA(), init.langB(), init.autoLangs(), null,
        u.manualCut() ? Cut.MANUAL : Cut.NONE);
  }

  /** The target language a one-shot {@code utterance} asks for: its own, else the session's. */
  String tgtLangOf(SessionEntity.UtteranceData u) {
    return or(u.tgtLang(), init.tgtLang());
  }

  String poolOf(JobOrder o) {
    if ("auto".equalsIgnoreCase(o.srcLang()) && init.langA() != null && init.langB() != null) {
      return PoolMembership.pool(init.langA(), init.langB());
    }
    return PoolMembership.pool(o.srcLang(), o.tgtLang());
  }

  static Set<String> requiredTypes(PipelineConfig p) {
    Set<String> t = new LinkedHashSet<>();
    if (p.useAsr()) t.add("asr");
    if (p.useNmt()) t.add("nmt");
    if (p.useTts()) t.add("tts");
    if (p.useSemantic()) t.add("semantic");
    if (p.useTone()) t.add("tone");
    return t;
  }

  static Cut cutOf(Segmenter.Reason reason) {
    return switch (reason) {
      case IS_FINAL -> Cut.MANUAL;
      case TIMEOUT_GAP -> Cut.GAP;
      case TIMEOUT_TIMER -> Cut.TIMER;
      case MAX_DURATION -> Cut.MAX_DURATION;
      case MAX_LENGTH, SESSION_CLOSE -> Cut.NONE;
    };
  }

  private static String or(String a, String b) {
    return a != null ? a : b;
  }
}
