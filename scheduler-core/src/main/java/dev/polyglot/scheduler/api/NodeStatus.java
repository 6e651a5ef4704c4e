package dev.polyglot.scheduler.api;

import java.util.Locale;

/** The health status of a node as peers and operators see it (spec/BEHAVIOUR.md §2.2). */
public enum NodeStatus {
  REGISTERING, READY, DEGRADED, DRAINING, OFFLINE;

  /** Lower-case, as in {@code node_status} and {@code node_register_ack}. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Capitalised, as {@code /api/v1/cluster} shows it ({@code Ready}). */
  public String display() {
    String w = wire();
    return Character.toUpperCase(w.charAt(0)) + w.substring(1);
  }
}
