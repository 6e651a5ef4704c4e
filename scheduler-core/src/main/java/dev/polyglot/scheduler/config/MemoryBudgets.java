package dev.polyglot.scheduler.config;

import java.util.Locale;

/**
 * The memory an instance lets its WebSocket connections hold, fixed at start-up from the settings and the JVM's
 * max heap: the budget for partially received messages across all connections (1/8 of the max heap unless
 * {@code scheduler.websocket.partial-message-budget} sets it), the per-connection message caps, and the
 * per-connection outbound bounds. {@link #describe()} is the one line the instance logs when it starts.
 */
public record MemoryBudgets(long maxHeap, long partialMessages, boolean derived, long sessionMaxMessage,
                            long nodeMaxMessage, long unregisteredNodeMaxMessage, int outboundFrames,
                            long outboundBytes) {

  /** The share of the max heap that partial messages may hold when the budget is "auto". */
  public static final int HEAP_FRACTION = 8;

  public static MemoryBudgets of(SchedulerSettings.WebSocket ws, long maxHeap) {
    boolean derived = ws.partialMessageBudget() == 0;
    long partial = derived ? Math.max(1, maxHeap / HEAP_FRACTION) : ws.partialMessageBudget();
    // an unregistered node socket never gets more than a registered one
    return new MemoryBudgets(maxHeap, partial, derived, ws.sessionMaxMessage(), ws.nodeMaxMessage(),
        Math.min(ws.unregisteredNodeMaxMessage(), ws.nodeMaxMessage()), ws.outboundQueueSize(), ws.outboundQueueBytes());
  }

  /** Caps larger than the whole budget: such a message could never be received (worth a warning at start-up). */
  public boolean capOverBudget() {
    return Math.max(sessionMaxMessage, nodeMaxMessage) > partialMessages;
  }

  public String describe() {
    return "memory budgets: max heap " + size(maxHeap) + "; partial inbound messages " + size(partialMessages)
        + " across all connections" + (derived ? " (1/" + HEAP_FRACTION + " of the heap)" : " (set)")
        + "; largest inbound message: session " + size(sessionMaxMessage) + ", node " + size(nodeMaxMessage)
        + " (" + size(unregisteredNodeMaxMessage) + " until node_register succeeded); outbound queue per connection "
        + outboundFrames + " frames / " + size(outboundBytes);
  }

  static String size(long bytes) {
    if (bytes >= 1L << 30 && bytes % (1L << 20) == 0 && bytes % (1L << 30) == 0) return (bytes >> 30) + " GiB";
    if (bytes >= 1L << 20) return bytes % (1L << 20) == 0 ? (bytes >> 20) + " MiB"
        : String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
    if (bytes >= 1L << 10 && bytes % (1L << 10) == 0) return (bytes >> 10) + " KiB";
    return bytes + " bytes";
  }
}
