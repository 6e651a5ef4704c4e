package dev.polyglot.scheduler.edge;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The accounting of partially received messages: one budget for all connections, and one message on one of them. */
class InboundBudgetTest {

  private static byte[] bytes(int n) {
    return new byte[n];
  }

  @Test
  void reservesUpToTheLimitAndRefusesThePartThatWouldPassIt() {
    InboundBudget budget = new InboundBudget(100);
    assertTrue(budget.tryReserve(60));
    assertTrue(budget.tryReserve(40));
    assertFalse(budget.tryReserve(1));
    assertEquals(100, budget.held());
    assertEquals(1, budget.refusals());
    budget.release(40);
    assertTrue(budget.tryReserve(1));
    assertEquals(61, budget.held());
    assertEquals(100, budget.peak());
  }

  @Test
  void aRefusedReservationTakesNothing() {
    InboundBudget budget = new InboundBudget(10);
    assertFalse(budget.tryReserve(11));
    assertEquals(0, budget.held());
    assertTrue(budget.tryReserve(10));
  }

  @Test
  void releasingWhatWasNeverReservedIsAnErrorAndChangesNothing() {
    InboundBudget budget = new InboundBudget(10);
    budget.tryReserve(3);
    assertThrows(IllegalStateException.class, () -> budget.release(4));
    assertEquals(3, budget.held());
  }

  @Test
  void manyThreadsReservingAtOnceNeverTakeMoreThanTheLimit() throws Exception {
    InboundBudget budget = new InboundBudget(10_000);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Long>> kept = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        kept.add(pool.submit(() -> {
          start.await();
          long mine = 0;
          for (int i = 0; i < 5_000; i++) {
            if (budget.tryReserve(7)) mine += 7;
            if (i % 3 == 0 && mine >= 7) {
              budget.release(7);
              mine -= 7;
            }
            assertTrue(budget.held() <= 10_000);
          }
          return mine;
        }));
      }
      start.countDown();
      long total = 0;
      for (Future<Long> f : kept) total += f.get(30, TimeUnit.SECONDS);
      assertEquals(total, budget.held(), "what the threads kept is exactly what the budget holds");
      assertTrue(budget.peak() <= 10_000, "peak " + budget.peak());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aFinishedMessageKeepsItsReservationUntilTheActorTakesIt() {
    InboundBudget budget = new InboundBudget(1_000);
    PartialMessage m = new PartialMessage(budget);
    assertEquals(PartialMessage.Outcome.KEPT, m.add("{\"type\":".getBytes(StandardCharsets.UTF_8), 100));
    assertEquals(PartialMessage.Outcome.KEPT, m.add("\"é文😀\"}".getBytes(StandardCharsets.UTF_8), 100));
    assertEquals(m.bytes(), budget.held());
    assertEquals("{\"type\":\"é文😀\"}", m.finish());
    assertEquals(m.bytes(), budget.held(), "complete but not yet taken: still counted");
    m.release();
    assertEquals(0, budget.held());
    m.release();
    assertEquals(0, budget.held(), "released once");
  }

  @Test
  void aMessageOverTheConnectionLimitIsDroppedAtThePartThatPassesIt() {
    InboundBudget budget = new InboundBudget(1_000);
    PartialMessage m = new PartialMessage(budget);
    assertEquals(PartialMessage.Outcome.KEPT, m.add(bytes(60), 100));
    assertEquals(PartialMessage.Outcome.KEPT, m.add(bytes(40), 100), "exactly the limit is allowed");
    assertEquals(PartialMessage.Outcome.OVER_LIMIT, m.add(bytes(1), 100));
    assertEquals(0, budget.held(), "the dropped message returned everything");
    assertEquals(0, budget.refusals(), "the limit, not the budget, refused it");
    assertThrows(IllegalStateException.class, () -> m.add(bytes(1), 100));
  }

  @Test
  void aMessageTheBudgetCannotTakeIsDroppedAndTheOthersKeepTheirs() {
    InboundBudget budget = new InboundBudget(150);
    PartialMessage first = new PartialMessage(budget);
    PartialMessage second = new PartialMessage(budget);
    assertEquals(PartialMessage.Outcome.KEPT, first.add(bytes(100), 1_000));
    assertEquals(PartialMessage.Outcome.KEPT, second.add(bytes(40), 1_000));
    assertEquals(PartialMessage.Outcome.OVER_BUDGET, second.add(bytes(20), 1_000));
    assertEquals(100, budget.held(), "only the refused message gave its bytes back");
    assertEquals(1, budget.refusals());
    assertEquals(PartialMessage.Outcome.KEPT, first.add(bytes(50), 1_000));
    assertEquals(150, budget.held());
  }

  @Test
  void aMessageAbandonedMidwayReturnsItsReservationOnceHoweverOftenReleased() {
    InboundBudget budget = new InboundBudget(1_000);
    PartialMessage m = new PartialMessage(budget);
    m.add(bytes(300), 1_000);
    m.release();
    m.release();
    assertEquals(0, budget.held());
    assertThrows(IllegalStateException.class, m::finish);
  }

  @Test
  void aMessageFinishedAndReleasedFromTwoThreadsAtOnceIsReturnedOnce() throws Exception {
    InboundBudget budget = new InboundBudget(1_000_000);
    for (int i = 0; i < 200; i++) {
      PartialMessage m = new PartialMessage(budget);
      m.add(bytes(100), 1_000);
      m.finish();
      Thread other = new Thread(m::release);
      other.start();
      m.release();
      other.join();
      assertEquals(0, budget.held());
    }
  }

  @Test
  void anEmptyMessageIsAnEmptyText() {
    InboundBudget budget = new InboundBudget(1);
    assertEquals("", new PartialMessage(budget).finish());
  }
}
