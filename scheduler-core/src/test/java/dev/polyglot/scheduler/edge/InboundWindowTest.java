package dev.polyglot.scheduler.edge;

import dev.polyglot.scheduler.config.FlowLimits;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class InboundWindowTest {
  private final InboundWindow w = new InboundWindow(new FlowLimits(8, 1_000, 4));

  @Test
  void marksEveryFewMessagesAndFillsAtTheMessageBound() {
    for (int i = 1; i <= 3; i++) {
      w.sent(10);
      assertEquals(0, w.markDue());
    }
    w.sent(10);
    assertEquals(4, w.markDue());
    assertEquals(0, w.markDue(), "one mark per number");
    for (int i = 5; i <= 8; i++) w.sent(10);
    assertTrue(w.full());
    assertEquals(8, w.markDue(), "a full window always has a mark on its way");
    w.taken(4);
    assertFalse(w.full());
    assertEquals(4, w.outstanding());
    assertEquals(40, w.outstandingBytes());
  }

  @Test
  void fillsAtTheByteBoundWithASingleLargeMessageAndMarksIt() {
    w.sent(1_500);
    assertTrue(w.full());
    assertEquals(1, w.markDue());
    w.taken(1);
    assertFalse(w.full());
    assertEquals(0, w.outstandingBytes());
  }

  @Test
  void staleOrFutureConfirmationsChangeNothingWrong() {
    w.sent(10);
    w.sent(10);
    w.taken(5);
    assertEquals(0, w.outstanding(), "a confirmation beyond what was sent covers what was sent");
    w.taken(1);
    assertEquals(0, w.outstanding());
    w.sent(10);
    assertEquals(1, w.outstanding());
  }

  @Test
  void refusesLimitsThatCouldNeverMark() {
    assertThrows(IllegalArgumentException.class, () -> new FlowLimits(4, 100, 5));
    assertThrows(IllegalArgumentException.class, () -> new FlowLimits(0, 100, 1));
  }
}
