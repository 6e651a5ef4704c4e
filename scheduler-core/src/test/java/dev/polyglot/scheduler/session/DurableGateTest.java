package dev.polyglot.scheduler.session;

import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.dispatch.Dispatcher;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The durable-before-place gate (RELIABILITY.md P9) without actors. */
class DurableGateTest {
  private static Supplier<String> ids(String... ids) {
    var it = List.of(ids).iterator();
    return it::next;
  }

  private static Dispatcher.PlacementRequest first(String jobId) {
    return new Dispatcher.PlacementRequest(jobId, 1, "s-1", 0, "zh:en", Set.of("asr"), Set.of(), null, null);
  }

  @Test
  void aFirstAttemptWaitsForItsOwnWriteAndIsPlacedOnceWhenItLands() {
    DurableGate g = DurableGate.empty().cover("job-0", 3);
    DurableGate.Step s = g.await(first("job-0"));
    assertNull(s.place(), "not durable yet: it waits");
    assertTrue(s.next().awaiting("job-0"));
    DurableGate.Step written = s.next().jobWritten(first("job-0"), true);
    assertEquals(first("job-0"), written.place());
    assertEquals(3, written.ackedTo(), "the socket may forget the audio the job holds");
    assertNull(written.next().waitOver(first("job-0")).place(), "placed once: the durable wait finds nothing");
  }

  @Test
  void theDurableWaitPlacesAJobWhoseWriteHangsAndTheLateWriteDoesNotPlaceItAgain() {
    DurableGate g = DurableGate.empty().cover("job-0", 1).await(first("job-0")).next();
    DurableGate.Step over = g.waitOver(first("job-0"));
    assertEquals(first("job-0"), over.place());
    assertEquals(0, over.ackedTo(), "not durable: the socket keeps the audio");
    DurableGate.Step late = over.next().jobWritten(first("job-0"), true);
    assertNull(late.place());
    assertEquals(1, late.ackedTo(), "the late write still lets the socket forget the audio");
  }

  @Test
  void aFailedWritePlacesTheJobButOwesTheAudio() {
    DurableGate g = DurableGate.empty().cover("job-0", 2).await(first("job-0")).next();
    DurableGate.Step failed = g.jobWritten(first("job-0"), false);
    assertEquals(first("job-0"), failed.place(), "Redis trouble never holds dispatch");
    assertEquals(0, failed.ackedTo());
    assertEquals(2, failed.next().covers("job-0"), "the next rewrite still covers the audio");
  }

  @Test
  void anUtteranceSealedAndConfirmedDuringItsHangoverIsPlacedAtOnce() {
    DurableGate g = DurableGate.empty().noteSealed(List.of(0), 5, 0);
    DurableGate.Step sealed = g.seal(0, ids("job-0"));
    assertEquals("job-0", sealed.jobId());
    assertEquals(5, sealed.seq(), "the sealed write covers the audio applied so far");
    DurableGate.Step confirmed = sealed.next().sealWritten("job-0", 5);
    assertEquals(5, confirmed.ackedTo());
    assertNull(confirmed.place(), "no job yet");
    DurableGate.Step created = confirmed.next().jobIdFor(0, ids("unused"));
    assertEquals("job-0", created.jobId(), "the job takes the id given at its seal");
    DurableGate.Step placed = created.next().await(first("job-0"));
    assertEquals(first("job-0"), placed.place(), "durable already: no waiting");
    assertTrue(placed.next().held().isEmpty());
  }

  @Test
  void aSealedWriteConfirmedAfterTheJobWasCreatedReleasesItsWaitingPlacement() {
    DurableGate g = DurableGate.empty().noteSealed(List.of(0), 1, 0);
    g = g.seal(0, ids("job-0")).next();
    g = g.jobIdFor(0, ids("unused")).next();
    DurableGate.Step waiting = g.await(first("job-0"));
    assertNull(waiting.place());
    DurableGate.Step sealedWrite = waiting.next().sealWritten("job-0", 1);
    assertEquals(first("job-0"), sealedWrite.place(), "the sealed write suffices");
    assertNull(sealedWrite.next().jobWritten(first("job-0"), true).place(), "and its own write does not place again");
  }

  @Test
  void aGapCutLeavesTheLastMessageToTheNextUtterance() {
    DurableGate g = DurableGate.empty().noteSealed(List.of(0), 7, 320);
    DurableGate.Step s = g.seal(0, ids("job-0"));
    assertEquals(6, s.seq());
  }

  @Test
  void theSocketIsAcknowledgedOnlyUpToTheFirstAudioNotYetDurable() {
    DurableGate g = DurableGate.empty().cover("job-a", 2).cover("job-b", 4);
    DurableGate.Step b = g.await(first("job-b")).next().jobWritten(first("job-b"), true);
    assertEquals(0, b.ackedTo(), "job-a's audio (2) is not durable: nothing may be forgotten");
    DurableGate.Step a = b.next().await(first("job-a")).next().jobWritten(first("job-a"), true);
    assertEquals(4, a.ackedTo());
  }

  @Test
  void aDuplicateOrRefusedUtteranceSettlesItsAudio() {
    DurableGate.Step s = DurableGate.empty().settled(3);
    assertEquals(3, s.ackedTo());
    assertEquals(0, DurableGate.empty().settled(0).ackedTo(), "unnumbered: nothing to settle");
  }

  @Test
  void aRecoveredSessionStartsAtTheLedgersFloor() {
    DurableGate g = DurableGate.at(9);
    assertEquals(9, g.acked());
    assertEquals(0, g.settled(5).ackedTo(), "already durable: nothing new to tell the socket");
  }

  @Test
  void finishedAndSweptJobsLeaveNothingBehind() {
    DurableGate g = DurableGate.empty().noteSealed(List.of(0), 1, 0).seal(0, ids("job-0")).next()
        .sealWritten("job-0", 1).next();
    g = g.jobIdFor(0, ids("x")).next().finished("job-0").sweep();
    assertTrue(g.held().isEmpty());
  }

  // ---------------------------------------------------------------- one job per target language (a room's fan-out)

  @Test
  void everyLanguageOfASealedUtteranceGetsItsJobIdAndCoversItsAudio() {
    DurableGate g = DurableGate.empty().noteSealed(List.of(0), 5, 0);
    DurableGate.Sealing s = g.seal(0, List.of("en", "ja"), ids("job-en", "job-ja"));
    assertEquals(Map.of("en", "job-en", "ja", "job-ja"), s.jobIds());
    assertEquals(List.of("en", "ja"), List.copyOf(s.jobIds().keySet()), "in the order of the targets");
    assertEquals(5, s.seq());
    assertEquals(5, s.next().covers("job-en"));
    assertEquals(5, s.next().covers("job-ja"));
    assertTrue(s.next().sealed(0));
  }

  @Test
  void theJobsTakeTheirSealedIdsAndAreEachPlacedAtOnceOnceTheirWriteIsConfirmed() {
    DurableGate g = DurableGate.empty().noteSealed(List.of(0), 5, 0).seal(0, List.of("en", "ja"),
        ids("job-en", "job-ja")).next();
    DurableGate.Step en = g.sealWritten("job-en", 5);
    assertEquals(5, en.ackedTo(), "one write holding the audio lets the socket forget it");
    g = en.next().sealWritten("job-ja", 5).next();
    DurableGate.Creation c = g.jobIdsFor(0, List.of("en", "ja"), ids("unused"));
    assertEquals(Map.of("en", "job-en", "ja", "job-ja"), c.jobIds());
    assertEquals(List.of(), c.dropped());
    assertFalse(c.next().sealed(0));
    assertEquals(first("job-ja"), c.next().await(first("job-ja")).place(), "its sealed write suffices");
  }

  @Test
  void aLanguageThatJoinedDuringTheHangoverGetsANewIdAndOneThatLeftIsHandedBack() {
    DurableGate g = DurableGate.empty().noteSealed(List.of(0), 5, 0).seal(0, List.of("en", "ja"),
        ids("job-en", "job-ja")).next();
    DurableGate.Creation c = g.jobIdsFor(0, List.of("en", "ko"), ids("job-ko"));
    assertEquals(Map.of("en", "job-en", "ko", "job-ko"), c.jobIds());
    assertEquals(List.of("job-ja"), c.dropped(), "to be deleted from the ledger: no job will finish it");
    assertEquals(0, c.next().covers("job-ko"), "the sealed writes already hold the audio");
    assertNull(c.next().await(first("job-ko")).place(), "a new id waits for its own write");
  }

  @Test
  void anUtteranceNeverSealedGivesNewIdsThatEachCoverItsAudio() {
    DurableGate g = DurableGate.empty().noteSealed(List.of(0), 7, 0);
    DurableGate.Creation c = g.jobIdsFor(0, List.of("en", "ja"), ids("job-en", "job-ja"));
    assertEquals(7, c.next().covers("job-en"));
    assertEquals(7, c.next().covers("job-ja"));
    assertEquals(0, c.next().jobIdsFor(0, List.of("en"), ids("job-x")).next().covers("job-x"),
        "the utterance's audio was handed to its jobs once");
  }

  @Test
  void aSingleJobUtteranceBehavesAsBefore() {
    DurableGate g = DurableGate.empty().noteSealed(List.of(0), 3, 0);
    DurableGate.Step sealed = g.seal(0, ids("job-0"));
    assertEquals("job-0", sealed.jobId());
    assertEquals(3, sealed.seq());
    assertEquals("job-0", sealed.next().jobIdFor(0, ids("unused")).jobId());
  }
}
