package dev.polyglot.scheduler.session;

import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.api.Cut;
import dev.polyglot.scheduler.api.FeatureFlags;
import dev.polyglot.scheduler.api.JobOrder;
import dev.polyglot.scheduler.api.PipelineConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobFactoryTest {
  private static SessionEntity.InitData init(String src, String langA, String langB) {
    return new SessionEntity.InitData(src, "en", "web", "web", langA == null ? "one_way" : "two_way", langA, langB,
        null, null, FeatureFlags.empty(), null, "trace-s");
  }

  @Test
  void aStreamedUtteranceTakesTheSessionsLanguagesAndItsCutReason() {
    JobFactory f = new JobFactory("s-1", init("zh", null, null), true, 1000);
    Segmenter.Utterance u = new Segmenter.Utterance(3, new byte[] {1}, Segmenter.Reason.TIMEOUT_GAP, 900, 42L, "turn-1",
        220, false, true, false);
    JobOrder o = f.streamed(u, "job-9");
    assertEquals("job-9", o.jobId());
    assertEquals(3, o.utteranceIndex());
    assertEquals("zh", o.srcLang());
    assertEquals(Cut.GAP, o.cut());
    assertEquals("zh:en", f.poolOf(o));
  }

  @Test
  void aOneShotUtteranceOverridesFieldByFieldAndATwoWayAutoSessionUsesItsPair() {
    JobFactory f = new JobFactory("s-1", init("auto", "zh", "ja"), true, 1000);
    SessionEntity.UtteranceData u = new SessionEntity.UtteranceData(0, new byte[] {1}, "pcm", 16000, true, null, "ja",
        null, null, PipelineConfig.streamingDefault(), null);
    JobOrder o = f.oneShot(u, "job-1");
    assertEquals("ja", o.tgtLang());
    assertEquals("trace-s", o.traceId());
    assertEquals(Cut.MANUAL, o.cut());
    assertEquals("zh:ja", f.poolOf(o), "lang_a:lang_b for a two-way session whose source is auto");
    assertEquals(List.of("asr"), List.copyOf(JobFactory.requiredTypes(new PipelineConfig(true, false, false, false,
        false, null, null))));
  }

  @Test
  void everySegmenterReasonMapsToACut() {
    for (Segmenter.Reason r : Segmenter.Reason.values()) assertNotNull(JobFactory.cutOf(r));
    assertEquals(Cut.MAX_DURATION, JobFactory.cutOf(Segmenter.Reason.MAX_DURATION));
    assertEquals(Cut.TIMER, JobFactory.cutOf(Segmenter.Reason.TIMEOUT_TIMER));
  }
}
