package dev.polyglot.scheduler.session;

import dev.polyglot.scheduler.api.Cut;
import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.dispatch.Dispatcher;
import dev.polyglot.scheduler.api.JobOrder;
import dev.polyglot.scheduler.api.NodeResult;
import dev.polyglot.scheduler.api.ExtraResult;
import dev.polyglot.scheduler.api.FeatureFlags;
import dev.polyglot.scheduler.api.JobError;
import dev.polyglot.scheduler.api.PipelineConfig;
import dev.polyglot.scheduler.session.JobBook.Effect;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JobBookTest {
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

  private static JobOrder order(String jobId, int index) {
    return new JobOrder(jobId, 1, "s-1", index, "zh", "en", PipelineConfig.streamingDefault(), new byte[] {1, 2, 3},
        "opus", 16000, "trace-1", true, 1000, "turn", null, FeatureFlags.empty(), "one_way", null, null, null, 220,
        Cut.TIMER);
  }

  private static NodeResult success(String jobId, int attempt) {
    return new NodeResult(jobId, attempt, true, "今天天气很好", "The weather is nice today", "TAB4", "opus", null, 870,
        null, null, null, null, null, null, null, 0);
  }

  private static NodeResult empty(String jobId, int attempt, String reason) {
    return new NodeResult(jobId, attempt, true, "", "", "", "opus", new ExtraResult(null, null, null, null, null, null, reason),
        120, null, null, null, null, null, null, null, 0);
  }

  private static NodeResult failure(String jobId, int attempt, String code, String message) {
    return new NodeResult(jobId, attempt, false, null, null, null, null, null, 35, new JobError(code, message, null),
        null, null, null, null, null, null, 0);
  }

  @SuppressWarnings("unchecked")
  private <T extends Effect> List<T> of(Class<T> type) {
    return (List<T>) fx.stream().filter(type::isInstance).toList();
  }

  private List<String> clientEvents() {
    return of(Effect.Client.class).stream().map(c -> c.event() instanceof ClientEvent.Ui u ? u.event()
        : c.event() instanceof ClientEvent.Error e ? "error:" + e.code() : c.event().getClass().getSimpleName()).toList();
  }

  /** Creates job-1 and places attempt 1 on the node. */
  private void dispatchedOn(String node) {
    apply(book.create(order("job-1", 0), "zh:en", CORE, "en", null, "stream", null, now()));
    apply(book.placed("job-1", 1, node, now()));
    apply(book.dispatched("job-1", 1, node, now().wall(), now()));
  }

  @Test
  void aNewJobIsPlacedAtOnceWithItsPendingTimer() {
    apply(book.create(order("job-1", 0), "zh:en", CORE, "en", null, "stream", "node-a", now()));
    Dispatcher.PlacementRequest r = of(Effect.Place.class).get(0).request();
    assertEquals(1, r.attemptId());
    assertEquals("node-a", r.affinity());
    assertEquals(1, of(Effect.ArmPending.class).size());
    assertEquals(JobBook.JobState.PENDING, book.job("job-1").orElseThrow().state());
  }

  @Test
  void placementSendsTheJobAndDispatchTellsTheClient() {
    apply(book.create(order("job-1", 0), "zh:en", CORE, "en", null, "stream", null, now()));
    apply(book.placed("job-1", 1, "node-a", now()));
    assertEquals("node-a", of(Effect.Assign.class).get(0).nodeId());
    assertEquals(1, of(Effect.ArmDispatched.class).size());
    apply(book.dispatched("job-1", 1, "node-a", now().wall(), now()));
    assertEquals(List.of("DISPATCHED"), clientEvents());
    assertEquals("node-a", of(Effect.Affinity.class).get(0).nodeId());
  }

  @Test
  void noEligibleNodeFailsTheFirstAttemptWithNoAvailableNode() {
    apply(book.create(order("job-1", 0), "ja:en", CORE, "en", null, "stream", null, now()));
    apply(book.noEligible("job-1", 1, now()));
    assertEquals(List.of("ERROR", "error:NO_AVAILABLE_NODE"), clientEvents());
    assertEquals(JobBook.JobState.FAILED, book.job("job-1").orElseThrow().state());
    assertEquals(1, of(Effect.Ended.class).size());
  }

  @Test
  void pendingTimeoutFailsWithJobTimeoutAndWithdrawsThePlacement() {
    apply(book.create(order("job-1", 0), "zh:en", CORE, "en", null, "stream", null, now()));
    apply(book.queued("job-1", 1));
    assertEquals(1, of(Effect.Busy.class).size());
    apply(book.pendingTimeout("job-1", 1, now()));
    assertEquals(List.of("ERROR", "error:JOB_TIMEOUT"), clientEvents());
    assertEquals(1, of(Effect.Withdraw.class).size());
  }

  @Test
  void aLostNodeFailsOverAtOnceToAnotherNodeWithTheNextAttempt() {
    dispatchedOn("node-a");
    apply(book.lost("job-1", 1, "node-a", now()));
    Dispatcher.PlacementRequest r = of(Effect.Place.class).get(0).request();
    assertEquals(2, r.attemptId());
    assertEquals(Set.of("node-a"), r.excluded());
    assertTrue(clientEvents().isEmpty());
  }

  @Test
  void theDispatchedTimeoutCancelsAndFailsOverThenFailsAfterThreeAttempts() {
    dispatchedOn("node-a");
    apply(book.dispatchedTimeout("job-1", 1, now()));
    assertEquals("job_timeout", of(Effect.CancelOnNode.class).get(0).reason());
    apply(book.placed("job-1", 2, "node-b", now()));
    apply(book.dispatched("job-1", 2, "node-b", now().wall(), now()));
    apply(book.dispatchedTimeout("job-1", 2, now()));
    assertEquals(Set.of("node-a", "node-b"), of(Effect.Place.class).get(0).request().excluded());
    apply(book.placed("job-1", 3, "node-c", now()));
    apply(book.dispatched("job-1", 3, "node-c", now().wall(), now()));
    apply(book.dispatchedTimeout("job-1", 3, now()));
    assertEquals(List.of("ERROR", "error:JOB_TIMEOUT"), clientEvents());
    assertTrue(of(Effect.Place.class).isEmpty(), "never a fourth attempt");
  }

  @Test
  void aLateSuccessOfAnEarlierAttemptWinsAndTheLiveAttemptIsSuperseded() {
    dispatchedOn("node-a");
    apply(book.dispatchedTimeout("job-1", 1, now()));
    apply(book.placed("job-1", 2, "node-b", now()));
    apply(book.result("node-a", success("job-1", 1), now()));
    Effect.CancelOnNode c = of(Effect.CancelOnNode.class).get(0);
    assertEquals("node-b", c.nodeId());
    assertEquals("superseded", c.reason());
    assertEquals(1, of(Effect.Deliver.class).size());
    assertEquals(List.of("ASR_FINAL", "NMT_DONE"), clientEvents());
    apply(book.result("node-b", success("job-1", 2), now()));
    assertEquals("already_finished", of(Effect.Dropped.class).get(0).reason());
    assertTrue(of(Effect.Deliver.class).isEmpty());
  }

  @Test
  void aDuplicateResultIsDeliveredOnce() {
    dispatchedOn("node-a");
    apply(book.result("node-a", success("job-1", 1), now()));
    assertEquals(1, of(Effect.Deliver.class).size());
    apply(book.result("node-a", success("job-1", 1), now()));
    assertTrue(of(Effect.Deliver.class).isEmpty());
  }

  @Test
  void resultsFromUnknownJobsOrForeignNodesAreDropped() {
    dispatchedOn("node-a");
    apply(book.result("node-a", success("job-unknown", 1), now()));
    assertEquals("unknown_job", of(Effect.Dropped.class).get(0).reason());
    apply(book.result("node-z", success("job-1", 1), now()));
    assertEquals("foreign_node", of(Effect.Dropped.class).get(0).reason());
    assertEquals(JobBook.JobState.DISPATCHED, book.job("job-1").orElseThrow().state());
  }

  @Test
  void emptyAcksCompleteSilentlyEvenWithAnotherJobsAttemptId() {
    dispatchedOn("node-a");
    apply(book.result("node-a", empty("job-1", 7, "NO_TEXT_ASSIGNED"), now()));
    assertTrue(clientEvents().isEmpty());
    assertEquals(JobBook.JobState.COMPLETED_EMPTY, book.job("job-1").orElseThrow().state());
    assertEquals(1, of(Effect.Ended.class).size());
  }

  @Test
  void aFailureCountsOnlyFromTheLiveAttempt() {
    dispatchedOn("node-a");
    apply(book.dispatchedTimeout("job-1", 1, now()));
    apply(book.placed("job-1", 2, "node-b", now()));
    apply(book.result("node-a", failure("job-1", 1, "PROCESSING_ERROR", "boom"), now()));
    assertEquals("stale_failure", of(Effect.Dropped.class).get(0).reason());
    apply(book.result("node-b", failure("job-1", 2, "PROCESSING_ERROR", "boom"), now()));
    assertEquals(List.of("ERROR", "error:PROCESSING_ERROR"), clientEvents());
    ClientEvent.Ui ui = (ClientEvent.Ui) of(Effect.Client.class).get(0).event();
    assertNull(ui.errorCode(), "a node code outside §8.1 is not a ui_event error_code");
  }

  @Test
  void aDuplicateRejectionFailsOverInsteadOfFailing() {
    dispatchedOn("node-a");
    apply(book.result("node-a", failure("job-1", 1, "PROCESSING_ERROR", "DUPLICATE_JOB_ID: job-1"), now()));
    assertTrue(clientEvents().isEmpty());
    assertEquals(2, of(Effect.Place.class).get(0).request().attemptId());
  }

  @Test
  void aJobTheAgentSilentlyAbsorbedCompletesWithoutFailover() {
    dispatchedOn("node-a");
    t += 10;
    apply(book.create(order("job-2", 1), "zh:en", CORE, "en", null, "stream", null, now()));
    apply(book.placed("job-2", 1, "node-a", now()));
    apply(book.dispatched("job-2", 1, "node-a", now().wall(), now()));
    t += 10;
    apply(book.result("node-a", success("job-2", 1), now()));
    t += 60_000;
    apply(book.dispatchedTimeout("job-1", 1, now()));
    assertTrue(of(Effect.CancelOnNode.class).isEmpty(), "no job_cancel for an absorbed job");
    assertEquals("node-a", of(Effect.ForgetOnNode.class).get(0).nodeId(), "its slot is freed");
    assertTrue(of(Effect.Place.class).isEmpty(), "no failover for an absorbed job");
    assertTrue(clientEvents().isEmpty());
    assertEquals("absorbed", book.job("job-1").orElseThrow().outcomeCode());
  }

  @Test
  void cancellingAllCancelsDispatchedAttemptsAndWithdrawsPendingOnes() {
    dispatchedOn("node-a");
    apply(book.create(order("job-2", 1), "zh:en", CORE, "en", null, "stream", null, now()));
    apply(book.cancelAll("session_closed", now()));
    assertEquals("session_closed", of(Effect.CancelOnNode.class).get(0).reason());
    assertEquals("job-2", of(Effect.Withdraw.class).get(0).jobId());
    assertEquals(0, book.liveJobs());
  }

  @Test
  void terminalJobsAreForgottenAfterTheRetention() {
    dispatchedOn("node-a");
    apply(book.result("node-a", success("job-1", 1), now()));
    assertTrue(book.hasIndex(0));
    t += 299_999;
    assertTrue(book.sweep(now()).hasIndex(0));
    t += 1;
    assertFalse(book.sweep(now()).hasIndex(0));
  }

  @Test
  void aGrantForAnAttemptNoLongerPlacedIsReleased() {
    dispatchedOn("node-a");
    apply(book.placed("job-1", 1, "node-b", now()));
    assertEquals("node-b", of(Effect.ReleaseOnNode.class).get(0).nodeId());
  }

  // ---------------------------------------------------------------- long turns (issue 15)

  private static JobOrder turnJob(String jobId, int index, String turn, Cut cut) {
    return dev.polyglot.scheduler.testkit.Fixtures.order(jobId, index, cut).withTurnId(turn);
  }

  /** Creates and dispatches one job of a turn on a node. */
  private void dispatch(JobOrder o, String node) {
    apply(book.create(o, "zh:en", CORE, "en", null, "stream", null, now()));
    apply(book.placed(o.jobId(), 1, node, now()));
    apply(book.dispatched(o.jobId(), 1, node, now().wall(), now()));
  }

  @Test
  void aResultForATurnsClosingJobCompletesItsEarlierMaxDurationJobsOnThatNodeSilently() {
    dispatch(turnJob("job-0", 0, "turn-T", Cut.MAX_DURATION), "node-a");
    dispatch(turnJob("job-1", 1, "turn-T", Cut.MANUAL), "node-a");
    apply(book.result("node-a", success("job-1", 1), now()));
    JobBook.Job merged = book.job("job-0").orElseThrow();
    assertEquals(JobBook.JobState.COMPLETED_EMPTY, merged.state());
    assertEquals("merged", merged.outcomeCode());
    assertEquals(List.of("job-0"), of(Effect.ForgetOnNode.class).stream().map(Effect.ForgetOnNode::jobId).toList(),
        "the merged job's slot is freed");
    assertTrue(of(Effect.CancelOnNode.class).isEmpty(), "no job_cancel for a merged job");
    List<Integer> ended = of(Effect.Ended.class).stream().map(Effect.Ended::index).toList();
    assertEquals(List.of(0), ended, "the ordering hold on index 0 is released");
    int endedAt = fx.indexOf(of(Effect.Ended.class).get(0));
    assertTrue(endedAt < fx.indexOf(of(Effect.Deliver.class).get(0)), "released before the closing result is delivered");
    assertEquals(List.of("ASR_FINAL", "NMT_DONE"), clientEvents(), "nothing about the merged job reaches the client");
    apply(book.result("node-a", empty("job-0", 1, "NO_TEXT_ASSIGNED"), now()));
    assertEquals("already_finished", of(Effect.Dropped.class).get(0).reason());
  }

  @Test
  void anEmptyAckOfTheClosingJobAlsoCompletesTheMergedOnes() {
    dispatch(turnJob("job-0", 0, "turn-T", Cut.MAX_DURATION), "node-a");
    dispatch(turnJob("job-1", 1, "turn-T", Cut.MANUAL), "node-a");
    apply(book.result("node-a", empty("job-1", 1, "ASR_EMPTY"), now()));
    assertEquals(JobBook.JobState.COMPLETED_EMPTY, book.job("job-0").orElseThrow().state());
  }

  @Test
  void turnAwareCompletionLeavesJobsOfOtherTurnsOtherNodesAndOtherCutsAlone() {
    dispatch(turnJob("job-0", 0, "turn-T", Cut.MAX_DURATION), "node-b");   // same turn, another node
    dispatch(turnJob("job-1", 1, "turn-S", Cut.MAX_DURATION), "node-a");   // another turn
    dispatch(turnJob("job-2", 2, "turn-T", Cut.TIMER), "node-a");          // a cut that closes the turn
    dispatch(turnJob("job-3", 3, "turn-T", Cut.MANUAL), "node-a");
    apply(book.result("node-a", success("job-3", 1), now()));
    for (String id : List.of("job-0", "job-1", "job-2")) {
      assertEquals(JobBook.JobState.DISPATCHED, book.job(id).orElseThrow().state(), id);
    }
    assertTrue(of(Effect.ForgetOnNode.class).isEmpty());
  }

  @Test
  void aLaterJobOfATurnIsBoundToTheNodeHoldingItsEarlierJobs() {
    dispatch(turnJob("job-0", 0, "turn-T", Cut.MAX_DURATION), "node-a");
    apply(book.create(turnJob("job-1", 1, "turn-T", Cut.MANUAL), "zh:en", CORE, "en", null, "stream", "node-z", now()));
    assertEquals("node-a", of(Effect.Place.class).get(0).request().turnNode());
    apply(book.create(turnJob("job-2", 2, "turn-U", Cut.MANUAL), "zh:en", CORE, "en", null, "stream", "node-z", now()));
    assertNull(of(Effect.Place.class).get(0).request().turnNode(), "a new turn is free to go anywhere");
  }

  @Test
  void aTurnWhoseNodeWasLostIsPlacedFreelyAndItsEarlierJobFailsOver() {
    dispatch(turnJob("job-0", 0, "turn-T", Cut.MAX_DURATION), "node-a");
    apply(book.lost("job-0", 1, "node-a", now()));
    assertEquals(Set.of("node-a"), of(Effect.Place.class).get(0).request().excluded(), "the earlier job fails over");
    apply(book.create(turnJob("job-1", 1, "turn-T", Cut.MANUAL), "zh:en", CORE, "en", null, "stream", null, now()));
    assertNull(of(Effect.Place.class).get(0).request().turnNode());
  }

  @Test
  void aFailoverAttemptIsNeverBoundToTheTurnsNode() {
    dispatch(turnJob("job-0", 0, "turn-T", Cut.MAX_DURATION), "node-a");
    dispatch(turnJob("job-1", 1, "turn-T", Cut.MANUAL), "node-a");
    apply(book.dispatchedTimeout("job-1", 1, now()));
    Dispatcher.PlacementRequest r = of(Effect.Place.class).get(0).request();
    assertEquals(2, r.attemptId());
    assertNull(r.turnNode());
  }

  /** Review finding: terminal jobs were bounded only by time, so a fast session kept every finished job for 5 min. */
  @Test
  void keepsAtMostRetainFinishedMaxTerminalJobsForgettingTheOldestFinishedFirst() {
    assertEquals(256, JobBook.Settings.DEFAULT_RETAIN_FINISHED_MAX);
    for (int i = 0; i < 300; i++) {
      apply(book.create(order("job-" + i, i), "zh:en", CORE, "en", null, "stream", null, now()));
      apply(book.noEligible("job-" + i, 1, now()));
    }
    apply(book.create(order("job-live", 300), "zh:en", CORE, "en", null, "stream", null, now()));
    assertEquals(257, book.jobs().size(), "256 finished jobs and the live one");
    assertFalse(book.hasIndex(43));
    assertTrue(book.job("job-43").isEmpty());
    assertTrue(book.hasIndex(44));
    assertTrue(book.hasIndex(299));
    assertEquals(1, book.liveJobs());
    apply(book.result("node-a", success("job-0", 1), now()));
    assertEquals("unknown_job", of(Effect.Dropped.class).get(0).reason(), "a forgotten job is unknown");
  }

  @Test
  void theCountCapNeverForgetsALiveJob() {
    book = JobBook.empty(new JobBook.Settings(3, 300_000, 2));
    for (int i = 0; i < 5; i++) apply(book.create(order("live-" + i, i), "zh:en", CORE, "en", null, "stream", null, now()));
    for (int i = 5; i < 10; i++) {
      apply(book.create(order("job-" + i, i), "zh:en", CORE, "en", null, "stream", null, now()));
      apply(book.noEligible("job-" + i, 1, now()));
    }
    assertEquals(5, book.liveJobs());
    assertEquals(7, book.jobs().size());
    assertEquals(List.of("live-0", "live-1", "live-2", "live-3", "live-4", "job-8", "job-9"),
        List.copyOf(book.jobs().keySet()), "creation order is kept");
    t += 300_000;
    book = book.sweep(now());
    assertEquals(5, book.jobs().size(), "the time retention still applies");
    assertFalse(book.hasIndex(9));
  }

  /**
   * Review finding: every event copied the whole job map. Measured as bytes allocated per event on a book of 5,000
   * jobs (a copy of that map alone allocates more than 200 KB), not as time.
   */
  @Test
  void anEventOnALargeBookAllocatesAFewKilobytesNotACopyOfTheBook() {
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    assertTrue(mx.isThreadAllocatedMemorySupported() && mx.isThreadAllocatedMemoryEnabled(), "allocation counter available");
    int jobs = 5_000;
    for (int i = 0; i < jobs; i++) {
      apply(book.create(order("job-" + i, i), "zh:en", CORE, "en", null, "stream", null, now()));
    }
    int events = 1_000;
    long tid = Thread.currentThread().getId();
    long before = mx.getThreadAllocatedBytes(tid);
    for (int i = 0; i < events; i++) apply(book.placed("job-" + i, 1, "node-a", now()));
    long perEvent = (mx.getThreadAllocatedBytes(tid) - before) / events;
    System.out.println("bytes allocated per placed() on a book of " + jobs + " jobs: " + perEvent);
    assertEquals(JobBook.JobState.DISPATCHED, book.job("job-999").orElseThrow().state());
    assertTrue(perEvent < 32_768, "allocated " + perEvent + " bytes per event");
  }

  @Test
  void aRequestRefusedByAFullPlacementQueueFailsTheJobAtOnceWithNoAvailableNode() {
    apply(book.create(order("job-1", 0), "zh:en", CORE, "en", null, "stream", null, now()));
    apply(book.queueFull("job-1", 1, 10_000, now()));
    assertEquals(JobBook.JobState.FAILED, book.job("job-1").orElseThrow().state());
    assertEquals(List.of("ERROR", "error:NO_AVAILABLE_NODE"), clientEvents());
    ClientEvent.Error e = (ClientEvent.Error) of(Effect.Client.class).get(1).event();
    assertTrue(e.message().contains("placement queue is full (10000 waiting)"), e.message());
    apply(book.queueFull("job-1", 1, 10_000, now()));
    assertEquals(List.of(), fx, "a second refusal of a finished job changes nothing");
  }

  // ---------------------------------------------------------------- a room's fan-out (BEHAVIOUR.md §12, §9.2)
  // one utterance, one job per listener language, all sharing the speaker's utterance slot

  private static JobOrder order(String jobId, int index, String tgt) {
    return new JobOrder(jobId, 1, "s-speaker", index, "zh", tgt, PipelineConfig.streamingDefault(), new byte[] {1, 2},
        "opus", 16000, "trace-1", true, 1000, "turn-1", null, FeatureFlags.empty(), "one_way", null, null, null, 280,
        Cut.MANUAL);
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
    apply(book.result("node-b", success("job-ja", 1), now()));
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
    apply(book.result("node-a", success("job-en", 1), now()));
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
