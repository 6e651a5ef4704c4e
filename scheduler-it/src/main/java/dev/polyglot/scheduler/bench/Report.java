package dev.polyglot.scheduler.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The JSON result, the text report (also printed) and the HTML page with the latency chart. */
final class Report {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final double[] CHART_PERCENTILES = {50, 90, 99, 99.9, 99.99, 100};

  final List<LoadRig.Result> runs = new ArrayList<>();
  final Map<String, Object> meta = new LinkedHashMap<>();
  /** Lines printed under the table (the cluster benchmark's analysis). */
  final List<String> notes = new ArrayList<>();

  Optional<LoadRig.Result> find(String scenario, String label) {
    return runs.stream().filter(r -> r.json.get("scenario").equals(scenario) && r.label.equals(label)).findFirst();
  }

  @SuppressWarnings("unchecked")
  static double p99(LoadRig.Result r) {
    return ((Number) ((Map<String, Object>) r.json.get("dispatch_ms")).get("p99")).doubleValue();
  }

  /** The targets, printed (never asserted). */
  Map<String, Object> ratios() {
    Map<String, Object> m = new LinkedHashMap<>();
    var s1 = find("S1", "scheduler");
    var s2 = find("S2", "scheduler");
    var s2relay = find("S2", "relay");
    var s2seed = find("S2", "seed");
    var s1relay = find("S1", "relay");
    if (s1.isPresent() && s2.isPresent()) {
      double ratio = p99(s2.get()) / p99(s1.get());
      m.put("S2_over_S1_dispatch_p99", LoadRig.round(ratio, 2));
      m.put("target_S2_le_1.25x_S1", ratio <= 1.25 ? "met" : "MISSED");
    }
    if (s2.isPresent()) {
      m.put("S2_dispatch_p99_ms", p99(s2.get()));
      m.put("target_S2_p99_le_5ms", p99(s2.get()) <= 5 ? "met" : "MISSED");
    }
    if (s2.isPresent() && s2relay.isPresent()) {
      double ratio = p99(s2.get()) / p99(s2relay.get());
      m.put("S2_over_relay_dispatch_p99", LoadRig.round(ratio, 2));
      m.put("target_S2_le_2x_relay", ratio <= 2 ? "met" : "MISSED");
    }
    if (s1.isPresent() && s1relay.isPresent()) m.put("S1_over_relay_dispatch_p99", LoadRig.round(p99(s1.get()) / p99(s1relay.get()), 2));
    if (s2.isPresent() && s2seed.isPresent()) {
      m.put("S2_seed_dispatch_p99_ms", p99(s2seed.get()));
      m.put("S2_seed_over_scheduler_dispatch_p99", LoadRig.round(p99(s2seed.get()) / p99(s2.get()), 1));
      m.put("S2_seed_saturated", s2seed.get().json.get("saturated"));
    }
    find("S3", "scheduler").ifPresent(s3 -> {
      Object pause = s3.json.get("target_gc_max_pause_ms");
      m.put("S3_gc_max_pause_ms", pause);
      if (pause instanceof Number p) m.put("target_S3_no_gc_pause_over_50ms", p.longValue() <= 50 ? "met" : "MISSED");
    });
    find("S4", "scheduler").ifPresent(s4 -> m.put("S4_check", ((Number) s4.json.get("slot_violations")).longValue() == 0
        && ((Number) s4.json.get("lost")).longValue() == 0 ? "no node above its slots, none lost" : "FAILED: see S4 run"));
    return m;
  }

  String text() {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%-12s %-16s %8s %8s %8s %8s %8s | %8s %8s | %7s %9s %8s %8s %5s %s%n",
        "scenario", "target", "d.p50", "d.p90", "d.p99", "d.p99.9", "d.max", "e2e.p50", "e2e.p99", "placed", "hb/s", "cpu ms/s",
        "gc max", "lost", "notes"));
    for (LoadRig.Result r : runs) {
      Map<String, Object> j = r.json;
      @SuppressWarnings("unchecked") Map<String, Object> d = (Map<String, Object>) j.get("dispatch_ms");
      @SuppressWarnings("unchecked") Map<String, Object> e = (Map<String, Object>) j.get("end_to_end_ms");
      String notes = (Boolean.TRUE.equals(j.get("saturated")) ? "SATURATED " : "")
          + (((Number) j.get("backpressure_msgs")).longValue() > 0 ? "backpressure=" + j.get("backpressure_msgs") + " " : "")
          + (((Map<?, ?>) j.get("error_codes")).isEmpty() ? "" : "errors=" + j.get("error_codes"));
      b.append(String.format(Locale.ROOT, "%-12s %-16s %8s %8s %8s %8s %8s | %8s %8s | %7s %9s %8s %8s %5s %s%n",
          j.get("scenario"), r.label, d.get("p50"), d.get("p90"), d.get("p99"), d.get("p99_9"), d.get("max"), e.get("p50"), e.get("p99"),
          j.get("placed"), j.get("heartbeats_handled_per_s"), j.getOrDefault("target_cpu_ms_per_s", "-"),
          j.getOrDefault("target_gc_max_pause_ms", "-"), j.get("lost"), notes));
    }
    b.append("(latencies in ms; d = dispatch: final audio frame sent -> job_assign at the node; e2e: final frame -> translation_result)\n");
    for (LoadRig.Result r : runs) {
      Map<String, Object> j = r.json;
      if (j.containsKey("heap_per_idle_node_bytes")) {
        b.append(String.format(Locale.ROOT, "%-12s %-16s heap/idle node %s B, heap/idle session %s B, target cpu %s ms/s (%s us per heartbeat, all cpu counted), rig cpu %s ms/s, nodes ready in %s s, load average %s%n",
            j.get("scenario"), r.label, j.get("heap_per_idle_node_bytes"), j.get("heap_per_idle_session_bytes"),
            j.get("target_cpu_ms_per_s"), j.get("target_cpu_us_per_heartbeat"), j.get("rig_cpu_ms_per_s"), j.get("nodes_ready_s"),
            j.get("machine_loadavg_1m_at_end")));
      }
    }
    ratios().forEach((k, v) -> b.append(k).append(": ").append(v).append('\n'));
    notes.forEach(n -> b.append(n).append('\n'));
    return b.toString();
  }

  void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    Map<String, Object> all = new LinkedHashMap<>(meta);
    all.put("runs", runs.stream().map(r -> r.json).toList());
    all.put("ratios", ratios());
    all.put("notes", notes);
    Files.writeString(dir.resolve("bench-result.json"), JSON.writeValueAsString(all));
    Files.writeString(dir.resolve("bench-report.txt"), text());
    Files.writeString(dir.resolve("bench-report.html"), html());
  }

  private String html() {
    StringBuilder b = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>scheduler benchmark</title>"
        + "<style>body{font-family:sans-serif;margin:2em}pre{background:#f6f6f6;padding:1em;font-size:12px}</style></head><body>"
        + "<h1>Scheduler benchmark</h1><p>" + esc(String.valueOf(meta.get("command"))) + " &mdash; " + esc(String.valueOf(meta.get("started")))
        + "</p><h2>Dispatch latency by percentile</h2>");
    b.append(chart(true)).append("<h2>End-to-end latency by percentile</h2>").append(chart(false));
    b.append("<h2>Report</h2><pre>").append(esc(text())).append("</pre></body></html>");
    return b.toString();
  }

  /** An SVG line chart: x = percentile on a "nines" scale, y = latency on a log scale. */
  private String chart(boolean dispatch) {
    int w = 900;
    int h = 420;
    int left = 60;
    int bottom = 40;
    double yMin = 0.05;
    double yMax = 10_000;
    String[] colors = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
    StringBuilder s = new StringBuilder("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + (w + 260) + "\" height=\"" + h + "\">");
    for (double y = yMin * 2; y <= yMax; y *= 10) {
      int py = yPix(y, yMin, yMax, h - bottom);
      s.append("<line x1=\"" + left + "\" x2=\"" + w + "\" y1=\"" + py + "\" y2=\"" + py + "\" stroke=\"#ddd\"/>");
      s.append("<text x=\"5\" y=\"" + (py + 4) + "\" font-size=\"11\">" + (y < 1 ? String.valueOf(y) : String.valueOf((long) y)) + " ms</text>");
    }
    for (int i = 0; i < CHART_PERCENTILES.length; i++) {
      int px = left + i * (w - left) / (CHART_PERCENTILES.length - 1);
      s.append("<text x=\"" + (px - 15) + "\" y=\"" + (h - 15) + "\" font-size=\"11\">p" + (CHART_PERCENTILES[i] == 100 ? "max" : fmt(CHART_PERCENTILES[i])) + "</text>");
    }
    int k = 0;
    for (LoadRig.Result r : runs) {
      var hist = dispatch ? r.dispatch : r.endToEnd;
      if (hist.getTotalCount() == 0) continue;
      String color = colors[k % colors.length];
      StringBuilder pts = new StringBuilder();
      for (int i = 0; i < CHART_PERCENTILES.length; i++) {
        double p = CHART_PERCENTILES[i];
        double v = (p == 100 ? hist.getMaxValue() : hist.getValueAtPercentile(p)) / 1000.0;
        pts.append(left + i * (w - left) / (CHART_PERCENTILES.length - 1)).append(',')
            .append(yPix(Math.max(yMin, v), yMin, yMax, h - bottom)).append(' ');
      }
      s.append("<polyline fill=\"none\" stroke=\"" + color + "\" stroke-width=\"2\" points=\"" + pts + "\"/>");
      s.append("<text x=\"" + (w + 10) + "\" y=\"" + (20 + k * 16) + "\" font-size=\"12\" fill=\"" + color + "\">"
          + esc(r.json.get("scenario") + " " + r.label) + "</text>");
      k++;
    }
    return s.append("</svg>").toString();
  }

  private static int yPix(double v, double min, double max, int height) {
    double f = (Math.log10(v) - Math.log10(min)) / (Math.log10(max) - Math.log10(min));
    return (int) Math.round(10 + (1 - Math.min(1, Math.max(0, f))) * (height - 10));
  }

  private static String fmt(double d) {
    return d == Math.floor(d) ? String.valueOf((long) d) : String.valueOf(d);
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
