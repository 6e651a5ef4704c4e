package dev.polyglot.scheduler.edge;

/** One inbound WebSocket message, already reassembled (within the size limit) by the HTTP layer. */
public sealed interface SocketIn {
  record Text(String text) implements SocketIn {}

  /**
   * A message over the connection's limit, reported as soon as its parts passed the limit (not at its last frame);
   * nothing of it is kept.
   */
  record TooBig(long limitBytes) implements SocketIn {}

  /**
   * A message the instance's budget for partially received messages could not take (every connection together
   * holds {@code budgetBytes} of unfinished messages); nothing of it is kept.
   */
  record OverBudget(long budgetBytes) implements SocketIn {}

  /** A binary message, which the protocol does not use. */
  enum Binary implements SocketIn { INSTANCE }
}
