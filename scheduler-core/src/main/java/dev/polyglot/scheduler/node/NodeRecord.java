package dev.polyglot.scheduler.node;

import dev.polyglot.scheduler.ops.Metrics;
import dev.polyglot.scheduler.store.Ledger;

/**
 * A node's registration in the ledger, so that an entity re-created after its instance died knows the node: saved
 * whenever what it registered with or its draining changes, forgotten with an Offline node. A failed write is
 * counted ({@code ledger_write_failed_total}) and not retried: the next change saves again. A collaborator owned by
 * one NodeEntity; the writes complete on the ledger's threads and touch nothing of the entity.
 */
final class NodeRecord {
  private final Ledger ledger;
  private final Metrics metrics;

  NodeRecord(Ledger ledger, Metrics metrics) {
    this.ledger = ledger;
    this.metrics = metrics;
  }

  /** Saves what a registered node is known by (nothing for a node never registered). */
  void save(NodeState s) {
    if (!s.known() || s.facts() == null) return;
    ledger.saveNode(new Ledger.NodeSnapshot(s.nodeId(), s.facts(), s.draining(), s.registeredAtMs()))
        .whenComplete((ok, ex) -> {
          if (ex != null) metrics.inc("ledger_write_failed_total", "op", "save_node");
        });
  }

  void forget(String nodeId) {
    ledger.forgetNode(nodeId);
  }
}
