package dev.polyglot.scheduler.store;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The in-memory ledger's idempotency keys and session keys are bounded, as Redis's TTL bounds the Redis ledger's. */
class InMemoryLedgerTest {

  private static boolean claim(Ledger l, String session, int index, String jobId) {
    return l.claimUtterance(session, index, jobId).toCompletableFuture().join();
  }

  private static Ledger.SessionSnapshot snapshot(String id) {
    return new Ledger.SessionSnapshot(id, "zh", "en", "one_way", null, null, "t", 0, null, 0);
  }

  /** Review finding: a session's idempotency keys grew with every utterance until the session ended. */
  @Test
  void aSessionKeepsAtMostTheNewestIdempotencyKeys() {
    InMemoryLedger l = new InMemoryLedger();
    int n = InMemoryLedger.MAX_UTTERANCE_KEYS_PER_SESSION + 904;
    for (int i = 0; i < n; i++) assertTrue(claim(l, "s-1", i, "job-" + i));
    assertEquals(InMemoryLedger.MAX_UTTERANCE_KEYS_PER_SESSION, l.utteranceKeys("s-1"));
    assertFalse(claim(l, "s-1", n - 1, "job-other"), "a recent key still holds");
    assertTrue(claim(l, "s-1", 0, "job-other"), "the oldest keys were forgotten");
  }

  @Test
  void aClaimStaysIdempotentForItsOwnJob() {
    InMemoryLedger l = new InMemoryLedger();
    assertTrue(claim(l, "s-1", 3, "job-a"));
    assertTrue(claim(l, "s-1", 3, "job-a"));
    assertFalse(claim(l, "s-1", 3, "job-b"));
  }

  @Test
  void aSessionNotWrittenForTheTtlIsForgottenWholeAndAWrittenOneIsKept() {
    AtomicLong clock = new AtomicLong(0);
    InMemoryLedger l = new InMemoryLedger(Duration.ofHours(24), 100, clock::get);
    l.saveSession(snapshot("s-idle"));
    claim(l, "s-idle", 0, "job-0");
    for (int h = 1; h <= 25; h++) { // s-busy writes every hour
      clock.set(Duration.ofHours(h).toMillis());
      claim(l, "s-busy", h, "job-" + h);
    }
    assertTrue(l.loadSession("s-idle").toCompletableFuture().join().isEmpty(), "the idle session's snapshot expired");
    assertEquals(0, l.utteranceKeys("s-idle"));
    assertTrue(claim(l, "s-idle", 0, "job-new"), "its keys expired with it");
    assertEquals(25, l.utteranceKeys("s-busy"), "every write refreshed the busy session");
  }
}
