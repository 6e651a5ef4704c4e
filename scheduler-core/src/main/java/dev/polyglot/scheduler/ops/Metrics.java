package dev.polyglot.scheduler.ops;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * The metrics of one ActorSystem (one scheduler instance), kept in a Prometheus Java client 1.x
 * {@link PrometheusRegistry}: counters, the histograms of {@link MetricCatalog}, and whatever gauges and JVM collectors
 * the HTTP edge registers. A counter is named like its series without the {@code scheduler_} prefix, labels included:
 * {@code invalid_message_total{socket="node",code="INVALID_MESSAGE"}}; its {@code # HELP} text comes from the
 * catalogue. Callers pass label values from closed sets ({@link MetricLabels}); the number of series is capped anyway.
 * Exemplars are off: nothing here traces, and an observation on the dispatch path should cost no more than an add.
 * Lost with the instance; counters are per-instance by nature.
 */
public final class Metrics implements Extension {
  /** Series kept at most: a label value that slipped past {@link MetricLabels} cannot grow the registry without bound. */
  static final int MAX_SERIES = 10_000;
  static final String OVERFLOW = "metric_series_overflow_total";
  /** Every metric of this project is exported under this prefix (PROTOCOL.md §10.5). */
  public static final String PREFIX = "scheduler_";

  private final PrometheusRegistry registry = new PrometheusRegistry();
  /** Counter families by name, with the label names they were created with. */
  private final ConcurrentHashMap<String, Family> families = new ConcurrentHashMap<>();
  /** Counter series by their key ({@link #series}). */
  private final ConcurrentHashMap<String, CounterDataPoint> counters = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Histogram> histograms = new ConcurrentHashMap<>();
  private final Map<String, LatencyWindow> windows = new ConcurrentHashMap<>();

  private record Family(Counter counter, String[] labelNames) {}

  public Metrics() {
    for (MetricCatalog.Hist h : MetricCatalog.HISTOGRAMS) {
      histograms.put(h.name(), Histogram.builder().name(PREFIX + h.name()).help(h.help())
          .labelNames(h.labelNames()).classicOnly().classicUpperBounds(h.buckets()).withoutExemplars().register(registry));
      if (h.window()) windows.put(h.name(), new LatencyWindow(LatencyWindow.DEFAULT_CAPACITY));
    }
  }

  public static Metrics get(ActorSystem<?> system) {
    return Id.INSTANCE.apply(system);
  }

  /** The registry {@code /metrics} renders; the HTTP edge adds its gauges and the JVM collectors to it. */
  public PrometheusRegistry registry() {
    return registry;
  }

  /** A counter without labels, by name. */
  public void inc(String name) {
    inc(name, new String[0]);
  }

  public void inc(String name, String... labelPairs) {
    String key = series(name, labelPairs);
    CounterDataPoint p = counters.get(key);
    if (p == null) p = dataPoint(key, name, labelPairs);
    p.inc();
  }

  private CounterDataPoint dataPoint(String key, String name, String[] labelPairs) {
    if (counters.size() >= MAX_SERIES) return overflow();
    String[] names = new String[labelPairs.length / 2];
    String[] values = new String[names.length];
    for (int i = 0; i < names.length; i++) {
      names[i] = labelPairs[2 * i];
      values[i] = labelPairs[2 * i + 1] == null ? "" : labelPairs[2 * i + 1];
    }
    Family f;
    try {
      f = families.computeIfAbsent(name, n -> new Family(Counter.builder().name(PREFIX + n).help(MetricCatalog.help(n))
          .labelNames(names).withoutExemplars().register(registry), names));
    } catch (IllegalArgumentException badName) {
      return overflow();
    }
    if (!Arrays.equals(f.labelNames(), names)) return overflow(); // a slip: the family has other labels
    return counters.computeIfAbsent(key, k -> names.length == 0 ? f.counter().labelValues() : f.counter().labelValues(values));
  }

  private CounterDataPoint overflow() {
    return counters.computeIfAbsent(OVERFLOW, k -> families.computeIfAbsent(OVERFLOW, n -> new Family(
        Counter.builder().name(PREFIX + n).help(MetricCatalog.help(n)).withoutExemplars().register(registry), new String[0]))
        .counter().labelValues());
  }

  /**
   * One observation, in seconds, of a histogram of {@link MetricCatalog#HISTOGRAMS}; its label values in the order of
   * the catalogue. Histograms with a recent window also remember the value for {@link #window}'s percentiles.
   */
  public void observe(String name, double seconds, String... labelValues) {
    Histogram h = histograms.get(name);
    if (h == null || !(seconds >= 0) || Double.isInfinite(seconds)) return;
    if (labelValues.length == 0) h.observe(seconds);
    else h.labelValues(labelValues).observe(seconds);
    LatencyWindow w = windows.get(name);
    if (w != null) w.record(System.currentTimeMillis(), Math.round(seconds * 1000));
  }

  /** The recent values of a histogram that keeps a window (milliseconds), or {@code null}. */
  public LatencyWindow window(String name) {
    return windows.get(name);
  }

  public long value(String name, String... labelPairs) {
    CounterDataPoint p = counters.get(series(name, labelPairs));
    return p == null ? 0 : (long) p.get();
  }

  /** A sorted copy of every counter series that was counted at least once (keys as {@link #series}). */
  public Map<String, Long> snapshot() {
    Map<String, Long> out = new TreeMap<>();
    counters.forEach((k, v) -> out.put(k, (long) v.get()));
    return out;
  }

  /** The sum of every series of one counter (all label values). */
  public long total(String name) {
    long sum = 0;
    String prefix = name + "{";
    for (var e : counters.entrySet()) {
      if (e.getKey().equals(name) || e.getKey().startsWith(prefix)) sum += (long) e.getValue().get();
    }
    return sum;
  }

  /**
   * The series key with its labels, label values escaped as the Prometheus text format requires (backslash, double
   * quote and line feed): a stable key for lookups and {@link #snapshot}.
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
