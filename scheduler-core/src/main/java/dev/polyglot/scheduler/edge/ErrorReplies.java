package dev.polyglot.scheduler.edge;

import java.util.HashMap;
import java.util.Map;

/**
 * The per-connection rate limit of bad-input {@code error} replies (PROTOCOL.md §4.4): at most one per
 * interval for the same code. Owned by one socket actor; times are monotonic milliseconds.
 */
public final class ErrorReplies {
  private final long intervalMs;
  private final Map<String, Long> lastSent = new HashMap<>();

  public ErrorReplies(long intervalMs) {
    this.intervalMs = intervalMs;
  }

  /** Whether an error with this code may be sent now; records it if so. */
  public boolean allow(String code, long nowMs) {
    Long last = lastSent.get(code);
    if (last != null && nowMs - last < intervalMs) return false;
    lastSent.put(code, nowMs);
    return true;
  }
}
