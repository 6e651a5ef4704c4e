package dev.polyglot.scheduler.session;

import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.api.Cut;
import dev.polyglot.scheduler.api.FeatureFlags;
import dev.polyglot.scheduler.api.JobOrder;
import dev.polyglot.scheduler.api.NodeResult;
import dev.polyglot.scheduler.api.PipelineConfig;
import dev.polyglot.scheduler.dispatch.Dispatcher;
import dev.polyglot.scheduler.session.JobBook.Effect;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A room's fan-out in the JobBook (spec/BEHAVIOUR.md §12, §9.2): one utterance, one job per listener language, all
 * sharing the speaker's utterance slot; the blocker of docs/ROOMS-INTEGRATION.md §5 (one job per index).
 */
class JobBookFanoutTest {
  private static final Set<String> CORE = Set.of("asr", "nmt", "tts");
  private long t = 1_000;
  private JobBook book = JobBook.empty(new JobBook.Settings(3, 300_000));
  private List<Effect> fx;

  private JobBook.Now now() {
    return new JobBook.Now(t, 1_767_225_600_000L + t);
  }

  private void apply(JobBook.Step s) {
    book = s.next();
    fx = s.effects();
  }

  private static JobOrder order(String jobId, int index, String tgt) {
    return new JobOrder(jobId, 1, "s-speaker", index, "zh", tgt, PipelineConfig.streamingDefault(), new byte[] {1, 2},
        "opus", 16000, "trace-1", true, 1000, "turn-1", null, FeatureFlags.empty(), "one_way", null, null, null, 280,
        Cut.MANUAL);
  }

  private static NodeResult success(String jobId) {
    return new NodeResult(jobId, 1, true, "你好", "hello", "", "opus", null, 100, null, null, null, null, null, null,
        null, 0);
  }

  @SuppressWarnings("unchecked")
  private <T extends Effect> List<T> of(Class<T> type) {
    return (List<T>) fx.stream().filter(type::isInstance).toList();
  }

  /** Utterance 0 fanned out to en (listener s-en) and ja (listeners s-ja1, s-ja2). */
  private void fanOut() {
    apply(book.create(order("job-en", 0, "en"), "zh:en", CORE, "en", null, "stream", "node-a", List.of("s-en"), now()));
    assertEquals(1, of(Effect.Place.class).size(), "the first job of the utterance is placed at once");
    apply(book.create(order("job-ja", 0, "ja"), "zh:ja", CORE, "ja", null, "stream", "node-a",
        List.of("s-ja1", "s-ja2"), now()));
  }

  @Test
  void anUtteranceHoldsOneJobPerTargetLanguageWithItsRecipients() {
    fanOut();
    assertTrue(book.hasIndex(0));
    assertEquals(List.of("job-en", "job-ja"), book.jobsOf(0).stream().map(JobBook.Job::jobId).toList());
    assertEquals(List.of("s-ja1", "s-ja2"), book.job("job-ja").orElseThrow().recipients());
    assertEquals("ja", book.job("job-ja").orElseThrow().stream());
    assertEquals(2, book.liveJobs());
  }

  @Test
  void aSiblingIsPlacedOnlyOnceTheFirstPlacementIsAnsweredAndExcludesTheNodeItGot() {
    fanOut();
    assertTrue(of(Effect.Place.class).isEmpty(), "the second job waits for the first placement's answer");
    assertEquals(1, of(Effect.ArmPending.class).size(), "its pending timeout runs meanwhile");

    apply(book.placed("job-en", 1, "node-a", now()));
    Dispatcher.PlacementRequest ja = of(Effect.Place.class).get(0).request();
    assertEquals("job-ja", ja.jobId());
    assertEquals(1, ja.attemptId());
    assertEquals(Set.of("node-a"), ja.excluded(), "distinct nodes: the sibling's node is excluded");
    assertNull(ja.affinity(), "no affinity: it must not prefer the node its sibling took");
    assertEquals(0, ja.utteranceIndex());
  }

  @Test
  void aSiblingGoesOnWhenTheFirstLanguageHasNoNodeAndOnlyThatLanguageFails() {
    fanOut();
    apply(book.noEligible("job-en", 1, now()));
    assertEquals(JobBook.JobState.FAILED, book.job("job-en").orElseThrow().state());
    assertEquals("NO_AVAILABLE_NODE", ((ClientEvent.Error) of(Effect.Client.class).get(1).event()).code());
    assertEquals("job-ja", of(Effect.Place.class).get(0).request().jobId(), "the other language is placed");
    assertEquals(JobBook.JobState.PENDING, book.job("job-ja").orElseThrow().state());
  }

  @Test
  void aSiblingIsPlacedWhenTheFirstOneWaitsForCapacity() {
    fanOut();
    apply(book.queued("job-en", 1));
    assertEquals(1, of(Effect.Busy.class).size());
    assertEquals("job-ja", of(Effect.Place.class).get(0).request().jobId());
  }

  @Test
  void threeLanguagesArePlacedOneAfterTheOtherEachExcludingTheNodesBefore() {
    fanOut();
    apply(book.create(order("job-ko", 0, "ko"), "zh:ko", CORE, "ko", null, "stream", null, List.of("s-ko"), now()));
    assertTrue(of(Effect.Place.class).isEmpty());
    apply(book.placed("job-en", 1, "node-a", now()));
    assertEquals(List.of("job-ja"), of(Effect.Place.class).stream().map(p -> p.request().jobId()).toList());
    apply(book.placed("job-ja", 1, "node-b", now()));
    Dispatcher.PlacementRequest ko = of(Effect.Place.class).get(0).request();
    assertEquals("job-ko", ko.jobId());
    assertEquals(Set.of("node-a", "node-b"), ko.excluded());
  }

  @Test
  void aWaitingSiblingThatTimesOutIsNeverPlacedLater() {
    fanOut();
    t += 10_000;
    apply(book.pendingTimeout("job-ja", 1, now()));
    assertEquals(JobBook.JobState.FAILED, book.job("job-ja").orElseThrow().state());
    apply(book.placed("job-en", 1, "node-a", now()));
    assertTrue(of(Effect.Place.class).isEmpty());
  }

  @Test
  void aFailoverOfOneLanguageExcludesTheNodesOfTheOthers() {
    fanOut();
    apply(book.placed("job-en", 1, "node-a", now()));
    apply(book.placed("job-ja", 1, "node-b", now()));
    apply(book.lost("job-ja", 1, "node-b", now()));
    Dispatcher.PlacementRequest retry = of(Effect.Place.class).get(0).request();
    assertEquals(2, retry.attemptId());
    assertEquals(Set.of("node-a", "node-b"), retry.excluded());
  }

  @Test
  void eachLanguageCompletesOnItsOwnAndKeepsItsStream() {
    fanOut();
    apply(book.placed("job-en", 1, "node-a", now()));
    apply(book.placed("job-ja", 1, "node-b", now()));
    apply(book.result("node-b", success("job-ja"), now()));
    Effect.Deliver d = of(Effect.Deliver.class).get(0);
    assertEquals("ja", d.stream());
    assertEquals(List.of("s-ja1", "s-ja2"), d.draft().job().recipients());
    assertEquals(JobBook.JobState.DISPATCHED, book.job("job-en").orElseThrow().state());
    assertTrue(of(Effect.CancelOnNode.class).isEmpty(), "the sibling on node-a is not superseded");
  }

  @Test
  void forgettingOneFinishedLanguageKeepsTheUtteranceIndexWhileAnotherJobHasIt() {
    fanOut();
    apply(book.placed("job-en", 1, "node-a", now()));
    apply(book.result("node-a", success("job-en"), now()));
    t += 300_000;
    book = book.sweep(now());
    assertTrue(book.job("job-en").isEmpty());
    assertTrue(book.hasIndex(0), "job-ja still holds utterance 0");
    assertEquals(List.of("job-ja"), book.jobsOf(0).stream().map(JobBook.Job::jobId).toList());
  }

  @Test
  void cancellingSelectsTheJobsAndUnblocksTheirStreams() {
    fanOut();
    apply(book.placed("job-en", 1, "node-a", now()));
    apply(book.placed("job-ja", 1, "node-b", now()));
    apply(book.cancel(j -> j.recipients().contains("s-en"), "session_closed", now()));
    assertEquals(JobBook.JobState.CANCELLED, book.job("job-en").orElseThrow().state());
    assertEquals(JobBook.JobState.DISPATCHED, book.job("job-ja").orElseThrow().state());
    assertEquals("node-a", of(Effect.CancelOnNode.class).get(0).nodeId());
    assertEquals(List.of("en"), of(Effect.Ended.class).stream().map(Effect.Ended::stream).toList());
  }

  @Test
  void cancellingEveryJobNeverPlacesAWaitingSibling() {
    fanOut();
    apply(book.cancelAll("session_closed", now()));
    assertTrue(of(Effect.Place.class).isEmpty());
    assertEquals(0, book.liveJobs());
  }

  @Test
  void aRecoveredJobKeepsItsRecipients() {
    apply(book.recover(order("job-ja", 4, "ja"), "zh:ja", CORE, "ja", null, 0, List.of("node-b"), List.of("s-ja1"),
        now()));
    assertEquals(List.of("s-ja1"), book.job("job-ja").orElseThrow().recipients());
    assertEquals(Set.of("node-b"), of(Effect.Place.class).get(0).request().excluded());
  }

  @Test
  void aJobOutsideARoomHasNoRecipientsAndIsPlacedAtOnceAsBefore() {
    apply(book.create(order("job-1", 0, "en"), "zh:en", CORE, "en", null, "stream", null, now()));
    assertEquals(List.of(), book.job("job-1").orElseThrow().recipients());
    assertEquals(1, of(Effect.Place.class).size());
    apply(book.create(order("job-2", 1, "en"), "zh:en", CORE, "en", null, "stream", null, now()));
    assertEquals(1, of(Effect.Place.class).size(), "another utterance never waits for the first one's placement");
  }
}
