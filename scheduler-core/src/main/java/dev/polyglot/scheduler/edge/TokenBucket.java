package dev.polyglot.scheduler.edge;

/**
 * One token bucket, immutable: {@code burst} tokens at most, refilled at {@code perSecond}. Taking a token returns
 * the next bucket, or {@code null} when none is left. Times are monotonic milliseconds.
 */
public record TokenBucket(double tokens, long atMs) {

  public static TokenBucket full(int burst, long nowMs) {
    return new TokenBucket(burst, nowMs);
  }

  /** The bucket after one token is taken at {@code nowMs}, or {@code null} if it is empty. */
  public TokenBucket take(long nowMs, double perSecond, int burst) {
    double now = refilled(nowMs, perSecond, burst);
    if (now < 1.0) return null;
    return new TokenBucket(now - 1.0, Math.max(atMs, nowMs));
  }

  /** Whether the bucket is full again at {@code nowMs} (then it holds nothing worth remembering). */
  public boolean fullAt(long nowMs, double perSecond, int burst) {
    return refilled(nowMs, perSecond, burst) >= burst;
  }

  private double refilled(long nowMs, double perSecond, int burst) {
    long elapsed = Math.max(0, nowMs - atMs);
    return Math.min(burst, tokens + elapsed * perSecond / 1000.0);
  }
}
