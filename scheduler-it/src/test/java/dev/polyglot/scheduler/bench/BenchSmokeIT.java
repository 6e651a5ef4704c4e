package dev.polyglot.scheduler.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Keeps the load rig working in CI: a seconds-long tiny scenario against an in-process scheduler and the two
 * baselines. It asserts that the rig produced a report with placements and lost nothing; never timings.
 */
class BenchSmokeIT {

  @Test
  @Timeout(180)
  void tinyScenarioProducesAReportWithPlacementsAndNothingLost() throws Exception {
    Path out = Path.of("target", "bench-smoke");
    Report report = BenchMain.run("smoke", "--in-process", "--nodes=5", "--sessions=5", "--duration=3", "--warmup=1",
        "--targets=scheduler,relay,seed", "--out=" + out);

    assertEquals(3, report.runs.size());
    for (LoadRig.Result r : report.runs) {
      Map<String, Object> j = r.json;
      String who = j.get("target").toString();
      assertTrue(((Number) j.get("utterances_sent")).longValue() > 0, who + " sent nothing");
      assertTrue(((Number) j.get("placed")).longValue() > 0, who + " placed nothing");
      assertEquals(0L, ((Number) j.get("lost")).longValue(), who + " lost utterances");
      assertEquals(0L, ((Number) j.get("slot_violations")).longValue(), who + " ran a node above its slots");
      assertTrue(r.dispatch.getTotalCount() > 0, who + " recorded no dispatch latency");
    }
    assertTrue(Files.size(out.resolve("bench-result.json")) > 0);
    assertTrue(Files.readString(out.resolve("bench-report.html")).contains("<svg"));
    assertTrue(Files.readString(out.resolve("bench-report.txt")).contains("scheduler"));
  }
}
