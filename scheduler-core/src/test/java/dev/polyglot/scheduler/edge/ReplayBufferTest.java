package dev.polyglot.scheduler.edge;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReplayBufferTest {

  @Test
  void keepsMessagesInOrderUntilTheyAreSafe() {
    ReplayBuffer<String> b = new ReplayBuffer<>(1_000);
    assertEquals(1, b.keep("a", 10));
    assertEquals(2, b.keep("b", 10));
    assertEquals(3, b.keep("c", 10));
    assertEquals(List.of("b", "c"), b.from(2));
    b.safeUpTo(2);
    assertEquals(List.of("c"), b.from(1));
    assertEquals(10, b.keptBytes());
    b.safeUpTo(3);
    assertTrue(b.isEmpty());
    assertEquals(4, b.nextSeq(), "numbers never restart");
  }

  @Test
  void forgetsTheOldestPastItsByteBoundAndCountsIt() {
    ReplayBuffer<String> b = new ReplayBuffer<>(25);
    b.keep("a", 10);
    b.keep("b", 10);
    b.keep("c", 10);
    assertEquals(List.of("b", "c"), b.from(1));
    assertEquals(1, b.overflowed());
    ReplayBuffer<String> big = new ReplayBuffer<>(5);
    big.keep("huge", 50);
    assertEquals(List.of("huge"), big.from(1), "the newest message is always kept");
  }

  @Test
  void aDifferentIncarnationAnsweringMeansTheEntityWasRecreated() {
    ReplayBuffer<String> b = new ReplayBuffer<>(100);
    assertFalse(b.answeredBy(7), "the first answer sets the incarnation");
    assertFalse(b.answeredBy(7));
    assertFalse(b.answeredBy(0), "an answer without an incarnation changes nothing");
    assertTrue(b.answeredBy(8));
    assertFalse(b.answeredBy(8));
  }
}
