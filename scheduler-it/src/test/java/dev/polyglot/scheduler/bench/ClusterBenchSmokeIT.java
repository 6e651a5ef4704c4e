package dev.polyglot.scheduler.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Keeps the cluster benchmark ({@code ./scheduler bench cluster}) working: a tiny run of its three-instance setup, the
 * instances in this JVM. It asserts that both phases placed and answered every utterance and that the report carries
 * the cluster lines; never timings.
 */
class ClusterBenchSmokeIT {

  @Test
  @Timeout(240)
  void aTinyThreeInstanceRunAnswersEveryUtteranceInBothPhases() throws Exception {
    Path out = Path.of("target", "bench-cluster-smoke");
    Report report = BenchMain.run("cluster", "--in-process", "--setups=3-mem", "--nodes=3", "--sessions=6",
        "--warmup-utterances=5", "--sequential=10", "--bursts=2", "--burst-size=6", "--out=" + out);

    assertEquals(2, report.runs.size(), "one result per phase");
    for (LoadRig.Result r : report.runs) {
      Map<String, Object> j = r.json;
      long sent = ((Number) j.get("utterances_sent")).longValue();
      assertEquals(sent, ((Number) j.get("placed")).longValue(), r.label + " placed fewer than it sent");
      assertEquals(sent, ((Number) j.get("results")).longValue(), r.label + " got fewer results than it sent");
      assertEquals(0L, ((Number) j.get("lost")).longValue(), r.label + " lost utterances");
      assertEquals(3, ((Number) j.get("instances")).intValue());
    }
    assertEquals(10, report.runs.get(0).dispatch.getTotalCount());
    assertEquals(12, report.runs.get(1).dispatch.getTotalCount());
    String text = Files.readString(out.resolve("bench-report.txt"));
    assertTrue(text.contains("cluster 3-mem"), text);
    String entities = report.runs.get(0).json.get("entities").toString();
    for (String instance : new String[] {"bench-1:", "bench-2:", "bench-3:"}) {
      assertTrue(entities.contains(instance), "where the entities live is reported per instance: " + entities);
    }
  }
}
