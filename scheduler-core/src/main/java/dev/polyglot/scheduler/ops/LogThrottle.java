package dev.polyglot.scheduler.ops;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Rate limit of one kind of log line: at most one per interval per key (a node id, say), so a peer that repeats a
 * fault cannot flood the log. The caller still counts every occurrence in {@link Metrics}. Owned by one actor; times
 * are monotonic milliseconds. Remembers at most {@code maxKeys} keys (the least recently logged are forgotten first,
 * and may then be logged again sooner).
 */
public final class LogThrottle {
  private final long intervalMs;
  private final int maxKeys;
  private final Map<String, long[]> state; // key → {last logged at, suppressed since}

  public LogThrottle(long intervalMs, int maxKeys) {
    if (intervalMs < 0 || maxKeys <= 0) throw new IllegalArgumentException("intervalMs >= 0 and maxKeys > 0");
    this.intervalMs = intervalMs;
    this.maxKeys = maxKeys;
    this.state = new LinkedHashMap<>(16, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
        return size() > LogThrottle.this.maxKeys;
      }
    };
  }

  /**
   * {@code -1} when this occurrence is not to be logged; otherwise it is logged now, and the result is how many
   * occurrences for this key were not logged since the previous line.
   */
  public long allow(String key, long nowMs) {
    long[] s = state.get(key);
    if (s != null && nowMs - s[0] < intervalMs) {
      s[1]++;
      return -1;
    }
    long suppressed = s == null ? 0 : s[1];
    state.remove(key); // re-inserted last: the least recently logged key is the eldest
    state.put(key, new long[] {nowMs, 0});
    return suppressed;
  }
}
