package dev.polyglot.scheduler.edge;

/**
 * When a socket's peer last sent something, for the idle close: only frames the peer sends count, never what the
 * scheduler sends (replies, pings), so a peer that only listens is closed after the idle timeout. Owned by one
 * socket actor; times are monotonic milliseconds.
 */
public final class Inbound {
  /** The {@code error} code a socket closed for idleness is told. */
  public static final String IDLE_TIMEOUT = "IDLE_TIMEOUT";

  private final long idleMs;
  private long lastMs;

  public Inbound(long idleMs, long nowMs) {
    this.idleMs = idleMs;
    this.lastMs = nowMs;
  }

  /** The peer sent a frame. */
  public void seen(long nowMs) {
    lastMs = Math.max(lastMs, nowMs);
  }

  /** How long the peer may still stay silent; 0 or less = idle now. */
  public long leftMillis(long nowMs) {
    return idleMs - (nowMs - lastMs);
  }
}
