package dev.polyglot.scheduler.edge;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class TokenBucketTest {

  @Test
  void aFullBucketGivesItsBurstAtOnceThenNothing() {
    TokenBucket b = TokenBucket.full(3, 0);
    for (int i = 0; i < 3; i++) {
      b = b.take(0, 1.0, 3);
      assertNotNull(b, "token " + i);
    }
    assertNull(b.take(0, 1.0, 3));
  }

  @Test
  void tokensComeBackAtTheRateButNeverAboveTheBurst() {
    TokenBucket b = TokenBucket.full(2, 0).take(0, 2.0, 2).take(0, 2.0, 2);
    assertNull(b.take(499, 2.0, 2), "one token takes 500 ms at 2 per second");
    TokenBucket later = b.take(500, 2.0, 2);
    assertNotNull(later);
    assertTrue(later.fullAt(10_000, 2.0, 2));
    TokenBucket refilled = later.take(60_000, 2.0, 2).take(60_000, 2.0, 2);
    assertNotNull(refilled);
    assertNull(refilled.take(60_000, 2.0, 2), "an hour of silence is worth the burst, not more");
  }

  @Test
  void aClockReadingFromBeforeTheLastTakeAddsNothing() {
    TokenBucket b = TokenBucket.full(1, 1_000).take(1_000, 1.0, 1);
    assertNull(b.take(500, 1.0, 1));
  }
}
