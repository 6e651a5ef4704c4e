package dev.polyglot.scheduler.config;

/**
 * The size of one socket's inbound window towards one entity ({@code edge.InboundWindow}): at most
 * {@code maxMessages} messages and {@code maxBytes} bytes not yet taken, with a mark every {@code markEvery}.
 */
public record FlowLimits(int maxMessages, long maxBytes, int markEvery) {
  public FlowLimits {
    if (maxMessages < 1 || maxBytes < 1 || markEvery < 1 || markEvery > maxMessages) {
      throw new IllegalArgumentException("window needs 1 <= markEvery <= maxMessages and maxBytes >= 1: " + this);
    }
  }
}
