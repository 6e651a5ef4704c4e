package dev.polyglot.scheduler.config;

import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.testkit.TestSettings;
import org.junit.jupiter.api.Test;

/** The budgets an instance derives from its settings and its max heap, and the line it logs at start-up. */
class MemoryBudgetsTest {
  private static final long MiB = 1L << 20;

  @Test
  void byDefaultPartialMessagesMayHoldAnEighthOfTheHeap() {
    MemoryBudgets b = MemoryBudgets.of(TestSettings.with("").websocket(), 512 * MiB);
    assertEquals(64 * MiB, b.partialMessages());
    assertTrue(b.derived());
    assertEquals(4 * MiB, b.sessionMaxMessage());
    assertEquals(16 * MiB, b.nodeMaxMessage());
    assertEquals(64 * 1024, b.unregisteredNodeMaxMessage());
    assertEquals(1024, b.outboundFrames());
    assertEquals(8 * MiB, b.outboundBytes());
    assertFalse(b.capOverBudget());
  }

  @Test
  void aSetBudgetIsUsedWhateverTheHeap() {
    MemoryBudgets b = MemoryBudgets.of(TestSettings.with("scheduler.websocket.partial-message-budget = 100MiB")
        .websocket(), 512 * MiB);
    assertEquals(100 * MiB, b.partialMessages());
    assertFalse(b.derived());
  }

  @Test
  void aHeapTooSmallForTheNodeCapIsReported() {
    assertTrue(MemoryBudgets.of(TestSettings.with("").websocket(), 64 * MiB).capOverBudget());
  }

  @Test
  void theStartUpLineNamesHeapBudgetCapsAndOutboundBounds() {
    String line = MemoryBudgets.of(TestSettings.with("").websocket(), 1024 * MiB).describe();
    assertEquals("memory budgets: max heap 1 GiB; partial inbound messages 128 MiB across all connections (1/8 of the heap);"
        + " largest inbound message: session 4 MiB, node 16 MiB (64 KiB until node_register succeeded);"
        + " outbound queue per connection 1024 frames / 8 MiB", line);
    assertEquals("247.5 MiB", MemoryBudgets.size(247 * MiB + MiB / 2));
  }

  @Test
  void refusesABudgetThatIsNeitherAutoNorAPositiveSize() {
    assertThrows(IllegalArgumentException.class, () -> TestSettings.with("scheduler.websocket.partial-message-budget = 0"));
    assertThrows(com.typesafe.config.ConfigException.class,
        () -> TestSettings.with("scheduler.websocket.partial-message-budget = lots"));
  }
}
