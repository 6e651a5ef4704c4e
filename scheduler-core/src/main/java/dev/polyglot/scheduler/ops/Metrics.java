package dev.polyglot.scheduler.ops;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * Lock-free counters of one ActorSystem (one scheduler instance). A counter is named like its Prometheus
 * series, labels included: {@code invalid_message_total{socket="node",code="INVALID_MESSAGE"}}.
 * Lost with the instance; counters are per-instance by nature.
 */
public final class Metrics implements Extension {
  /** Series kept at most: a label value that slipped past {@link MetricLabels} cannot grow the map without bound. */
  static final int MAX_SERIES = 10_000;
  static final String OVERFLOW = "metric_series_overflow_total";

  private final ConcurrentHashMap<String, LongAdder> counters = new ConcurrentHashMap<>();

  public static Metrics get(ActorSystem<?> system) {
    return Id.INSTANCE.apply(system);
  }

  public void inc(String series) {
    LongAdder a = counters.get(series);
    if (a == null) {
      a = counters.size() < MAX_SERIES ? counters.computeIfAbsent(series, k -> new LongAdder())
          : counters.computeIfAbsent(OVERFLOW, k -> new LongAdder());
    }
    a.increment();
  }

  public void inc(String name, String... labelPairs) {
    inc(series(name, labelPairs));
  }

  public long value(String name, String... labelPairs) {
    LongAdder a = counters.get(series(name, labelPairs));
    return a == null ? 0 : a.sum();
  }

  /** A sorted copy of every counter. */
  public Map<String, Long> snapshot() {
    Map<String, Long> out = new TreeMap<>();
    counters.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  /**
   * The series name with its labels, label values escaped as the Prometheus text format requires (backslash,
   * double quote and line feed). Callers pass values from closed sets ({@link MetricLabels}); escaping only keeps a
   * slip from corrupting the exposition.
   */
  static String series(String name, String... labelPairs) {
    if (labelPairs.length == 0) return name;
    StringBuilder b = new StringBuilder(name).append('{');
    for (int i = 0; i + 1 < labelPairs.length; i += 2) {
      if (i > 0) b.append(',');
      b.append(labelPairs[i]).append("=\"");
      escape(labelPairs[i + 1], b);
      b.append('"');
    }
    return b.append('}').toString();
  }

  static void escape(String value, StringBuilder b) {
    if (value == null) return;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> b.append("\\\\");
        case '"' -> b.append("\\\"");
        case '\n' -> b.append("\\n");
        default -> b.append(c);
      }
    }
  }

  private static final class Id extends ExtensionId<Metrics> {
    static final Id INSTANCE = new Id();

    @Override public Metrics createExtension(ActorSystem<?> system) { return new Metrics(); }
  }
}
