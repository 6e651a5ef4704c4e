package dev.polyglot.scheduler.node;

import static dev.polyglot.scheduler.testkit.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.ops.Metrics;
import dev.polyglot.scheduler.store.InMemoryLedger;
import dev.polyglot.scheduler.store.Ledger;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

class NodeRecordTest {
  private final InMemoryLedger ledger = new InMemoryLedger();
  private final Metrics metrics = new Metrics();

  private Ledger.NodeSnapshot loaded(String id) {
    return ledger.loadNode(id).toCompletableFuture().join().orElse(null);
  }

  @Test
  void aNodeNeverRegisteredIsNotSaved() {
    new NodeRecord(ledger, metrics).save(NodeState.unknown("n", LIMITS));
    assertNull(loaded("n"));
  }

  @Test
  void aRegisteredNodeIsSavedWithItsDrainingUntilItIsForgotten() {
    NodeRecord record = new NodeRecord(ledger, metrics);
    NodeState drained = readyNode("n", List.of("en")).drain(5);
    record.save(drained);
    Ledger.NodeSnapshot snap = loaded("n");
    assertTrue(snap.draining());
    assertEquals(drained.facts(), snap.facts());
    assertEquals(drained.registeredAtMs(), snap.registeredAtMs());
    record.forget("n");
    assertNull(loaded("n"));
  }

  @Test
  void aFailedWriteIsCountedAndNotThrown() {
    Ledger failing = new dev.polyglot.scheduler.testkit.FlakyLedger() {
      @Override
      public CompletionStage<Void> saveNode(NodeSnapshot s) {
        return CompletableFuture.failedFuture(new IllegalStateException("ledger unavailable (test)"));
      }
    };
    new NodeRecord(failing, metrics).save(readyNode("n", List.of("en")));
    assertEquals(1, metrics.value("ledger_write_failed_total", "op", "save_node"));
  }
}
