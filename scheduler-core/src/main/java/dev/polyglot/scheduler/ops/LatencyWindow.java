package dev.polyglot.scheduler.ops;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The most recent values of one latency (milliseconds), for the percentiles the JSON API and the dashboard show
 * (Prometheus keeps the histograms; this answers "p95 over the last minutes" without a Prometheus server). A ring of
 * {@code capacity} slots written without locks by many actors: a writer takes the next slot with one atomic
 * increment. A reader racing a writer may see one slot's time and value from two different writes; percentiles over
 * hundreds of values do not care.
 */
public final class LatencyWindow {
  public static final int DEFAULT_CAPACITY = 2048;

  private final AtomicLong next = new AtomicLong();
  private final AtomicLongArray at;
  private final AtomicLongArray values;

  public LatencyWindow(int capacity) {
    at = new AtomicLongArray(capacity);
    values = new AtomicLongArray(capacity);
  }

  public void record(long atMs, long valueMs) {
    int slot = (int) Math.floorMod(next.getAndIncrement(), (long) at.length());
    values.set(slot, valueMs);
    at.set(slot, atMs);
  }

  /** The values recorded at or after {@code sinceMs}, sorted ascending. */
  public long[] since(long sinceMs) {
    int n = (int) Math.min(next.get(), at.length());
    long[] out = new long[n];
    int k = 0;
    for (int i = 0; i < n; i++) {
      long t = at.get(i);
      if (t >= sinceMs && t > 0) out[k++] = values.get(i);
    }
    long[] sorted = Arrays.copyOf(out, k);
    Arrays.sort(sorted);
    return sorted;
  }

  /** Percentiles of values; {@code sorted} must be ascending. */
  public record Summary(long count, long p50, long p95, long p99, long max) {
    public static final Summary EMPTY = new Summary(0, 0, 0, 0, 0);

    public static Summary of(long[] sorted) {
      if (sorted.length == 0) return EMPTY;
      return new Summary(sorted.length, at(sorted, 0.50), at(sorted, 0.95), at(sorted, 0.99), sorted[sorted.length - 1]);
    }

    /** Nearest rank: the smallest value with at least {@code q} of the values at or below it. */
    static long at(long[] sorted, double q) {
      int rank = (int) Math.ceil(q * sorted.length);
      return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
  }
}
