package dev.polyglot.scheduler.ops;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class MetricsTest {

  @Test
  void labelValuesAreEscapedAsThePrometheusTextFormatRequires() {
    assertEquals("x_total{code=\"a\\\\b\\\"c\\nd\"}", Metrics.series("x_total", "code", "a\\b\"c\nd"));
  }

  @Test
  void aNodeErrorCodeOutsideTheCatalogueIsCountedAsOther() {
    assertEquals("other", MetricLabels.jobCode("X\"\n{evil}"));
    assertEquals("other", MetricLabels.jobCode("PROCESSING_ERROR_" + "x".repeat(1000)));
    assertEquals("PROCESSING_ERROR", MetricLabels.jobCode("PROCESSING_ERROR"));
    assertEquals("ASR_EMPTY", MetricLabels.jobCode("ASR_EMPTY"));
    assertEquals("session_closed", MetricLabels.jobCode("session_closed"));
    assertEquals("", MetricLabels.jobCode(null));
  }

  @Test
  void seriesBeyondTheCapAreFoldedIntoOneOverflowCounter() {
    Metrics m = new Metrics();
    for (int i = 0; i < Metrics.MAX_SERIES + 50; i++) m.inc("x_total", "n", Integer.toString(i));
    assertEquals(Metrics.MAX_SERIES + 1, m.snapshot().size());
    assertEquals(50, m.value(Metrics.OVERFLOW));
    m.inc("x_total", "n", "7");
    assertEquals(2, m.value("x_total", "n", "7"), "existing series keep counting");
  }
}
