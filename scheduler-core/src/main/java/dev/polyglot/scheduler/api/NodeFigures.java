package dev.polyglot.scheduler.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The few facts of a node that {@code /api/v1/stats} and the admin API add to its summary: its agent version, its
 * hardware, the service efficiencies of its last {@code processing_metrics} and the counts of its last
 * {@code rerun_metrics} (at most {@link #MAX_ENTRIES} of each, so a node cannot grow the instance reports). Immutable.
 */
public record NodeFigures(String version, HardwareInfo hardware, Map<String, Double> serviceEfficiencies,
                          Map<String, Double> rerun) implements ClusterMessage {
  static final int MAX_ENTRIES = 16;

  public NodeFigures {
    serviceEfficiencies = serviceEfficiencies == null ? Map.of() : Map.copyOf(serviceEfficiencies);
    rerun = rerun == null ? Map.of() : Map.copyOf(rerun);
  }

  public static NodeFigures of(NodeFacts facts) {
    JsonNode m = facts.metrics();
    Map<String, Double> eff = numbers(m == null ? null : m.path("processing_metrics").path("serviceEfficiencies"));
    if (eff.isEmpty() && m != null) eff = numbers(m.path("processing_metrics").path("service_efficiencies"));
    return new NodeFigures(facts.version(), facts.hardware(), eff, numbers(m == null ? null : m.path("rerun_metrics")));
  }

  /** GPU memory over all GPUs, GB. */
  public double gpuMemoryGb() {
    double sum = 0;
    for (HardwareInfo.Gpu g : hardware.gpus()) if (g.memoryGb() != null) sum += g.memoryGb();
    return sum;
  }

  private static Map<String, Double> numbers(JsonNode o) {
    if (o == null || !o.isObject()) return Map.of();
    Map<String, Double> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext() && out.size() < MAX_ENTRIES; ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getValue().isNumber() && Double.isFinite(e.getValue().asDouble())) out.put(e.getKey(), e.getValue().asDouble());
    }
    return out;
  }
}
