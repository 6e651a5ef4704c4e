package dev.polyglot.scheduler.session;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BusySignalTest {
  @Test
  void atMostOneSignalPerWindow() {
    BusySignal b = BusySignal.create(400);
    BusySignal.Offer first = b.offer(1_000);
    assertTrue(first.send());
    assertFalse(first.next().offer(1_399).send());
    assertTrue(first.next().offer(1_400).send());
  }

  @Test
  void theFirstJobStillWaitingNamesThePoolAtTheEndOfTheWindow() {
    BusySignal b = BusySignal.create(400).queued("job-1").queued("job-2");
    Map<String, String> pending = Map.of("job-2", "zh:en");
    assertEquals(Optional.of("zh:en"), b.stillBusy(id -> Optional.ofNullable(pending.get(id))));
    assertEquals(Optional.empty(), b.gone("job-2").stillBusy(id -> Optional.ofNullable(pending.get(id))));
    assertEquals(b, b.queued("job-1"), "queued twice is queued once");
  }
}
