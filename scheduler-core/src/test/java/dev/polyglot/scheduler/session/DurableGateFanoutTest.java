package dev.polyglot.scheduler.session;

import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.dispatch.Dispatcher;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The durable-before-place gate with one job per target language of an utterance (a room's fan-out). */
class DurableGateFanoutTest {
  private static Supplier<String> ids(String... ids) {
    var it = List.of(ids).iterator();
    return it::next;
  }

  private static Dispatcher.PlacementRequest first(String jobId) {
    return new Dispatcher.PlacementRequest(jobId, 1, "s-1", 0, "zh:ja", Set.of("asr"), Set.of(), null, null);
  }

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
