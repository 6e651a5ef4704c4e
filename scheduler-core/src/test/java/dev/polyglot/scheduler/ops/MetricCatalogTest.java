package dev.polyglot.scheduler.ops;

import static org.junit.jupiter.api.Assertions.*;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class MetricCatalogTest {

  /** A counter the code counts without a catalogue entry would be exported with a made-up HELP text. */
  @Test
  void everyCounterTheCodeCountsHasItsHelpInTheCatalogue() throws IOException {
    Pattern inc = Pattern.compile("\\.inc\\(\\s*\"([a-z_]+)\"");
    Set<String> counted = new TreeSet<>();
    for (Path root : new Path[] {Path.of("src/main/java"), Path.of("../scheduler-http/src/main/java")}) {
      if (!Files.isDirectory(root)) continue;
      try (Stream<Path> files = Files.walk(root)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          Matcher m = inc.matcher(Files.readString(f));
          while (m.find()) counted.add(m.group(1));
        }
      }
    }
    assertTrue(counted.size() > 40, "found the counters: " + counted);
    Set<String> missing = new TreeSet<>();
    for (String c : counted) if (!MetricCatalog.knownCounter(c)) missing.add(c);
    assertEquals(Set.of(), missing, "counters without HELP in MetricCatalog");
  }

  @Test
  void theExpositionHasHelpAndTypeForCountersAndHistograms() throws IOException {
    Metrics m = new Metrics();
    m.inc("jobs_created_total", "path", "stream");
    m.observe(MetricCatalog.DISPATCH, 0.004);
    m.observe(MetricCatalog.PLACEMENT, 0.002, "placed");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, m.registry().scrape());
    String text = out.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("# HELP scheduler_jobs_created_total Jobs created"), text);
    assertTrue(text.contains("# TYPE scheduler_jobs_created_total counter"), text);
    assertTrue(text.contains("scheduler_jobs_created_total{path=\"stream\"} 1.0"), text);
    assertTrue(text.contains("# TYPE scheduler_dispatch_seconds histogram"), text);
    assertTrue(text.contains("scheduler_dispatch_seconds_bucket{le=\"0.005\"} 1"), text);
    assertTrue(text.contains("scheduler_dispatch_seconds_count 1"), text);
    assertTrue(text.contains("scheduler_placement_seconds_count{outcome=\"placed\"} 1"), text);
    assertEquals(1, m.window(MetricCatalog.DISPATCH).since(0).length, "the dispatch window remembers the value");
  }

  @Test
  void aCounterCountedWithOtherLabelsThanItsFirstUseIsFoldedIntoTheOverflowInsteadOfFailing() {
    Metrics m = new Metrics();
    m.inc("x_total", "a", "1");
    m.inc("x_total", "b", "1");
    assertEquals(1, m.value("x_total", "a", "1"));
    assertEquals(1, m.value(Metrics.OVERFLOW));
  }

  @Test
  void finalizeReasonsAreNamedAsTheProtocolNamesThem() {
    assertEquals("manual", MetricLabels.finalizeReason("IS_FINAL"));
    assertEquals("pause_gap", MetricLabels.finalizeReason("TIMEOUT_GAP"));
    assertEquals("pause_timer", MetricLabels.finalizeReason("TIMEOUT_TIMER"));
    assertEquals("max_duration", MetricLabels.finalizeReason("MAX_DURATION"));
    assertEquals("max_length", MetricLabels.finalizeReason("MAX_LENGTH"));
    assertEquals("session_close", MetricLabels.finalizeReason("SESSION_CLOSE"));
  }

  @Test
  void aLatencyWindowKeepsTheNewestValuesAndGivesNearestRankPercentiles() {
    LatencyWindow w = new LatencyWindow(4);
    for (int i = 1; i <= 6; i++) w.record(1000 + i, i * 10);
    assertArrayEquals(new long[] {30, 40, 50, 60}, w.since(0), "the ring keeps the last four");
    assertArrayEquals(new long[] {50, 60}, w.since(1005));
    LatencyWindow.Summary s = LatencyWindow.Summary.of(new long[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
    assertEquals(5, s.p50());
    assertEquals(10, s.p95());
    assertEquals(10, s.max());
    assertEquals(10, s.count());
  }
}
