package dev.polyglot.scheduler.edge;

/** What a socket actor writes to its connection's bounded outbound queue. */
public sealed interface SocketOut {
  record Text(String text) implements SocketOut {}

  /** Close the connection after the frames already queued. */
  enum Complete implements SocketOut { INSTANCE }
}
