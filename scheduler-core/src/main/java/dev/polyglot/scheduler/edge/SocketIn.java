package dev.polyglot.scheduler.edge;

/** One inbound WebSocket message, already reassembled (within the size limit) by the HTTP layer. */
public sealed interface SocketIn {
  record Text(String text) implements SocketIn {}

  /** A message over the configured limit; its frames were drained without being kept. */
  record TooBig(long limitBytes) implements SocketIn {}

  /** A binary message, which the protocol does not use. */
  enum Binary implements SocketIn { INSTANCE }
}
