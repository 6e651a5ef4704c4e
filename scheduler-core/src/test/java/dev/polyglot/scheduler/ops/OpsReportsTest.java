package dev.polyglot.scheduler.ops;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OpsReportsTest {

  @Test
  void languagesAreCountedAsLinguasStatsCountThem() {
    var one = new LiveSessions.Info("s-1", "zh", "en", "one_way", null, null, "web", "1", "t", 1);
    var auto = new LiveSessions.Info("s-2", "auto", "en", "one_way", null, null, "web", "1", "t", 2);
    var two = new LiveSessions.Info("s-3", "auto", "en", "two_way", "zh", "ja", "web", "1", "t", 3);
    Map<String, OpsReports.LanguageUse> use = OpsReports.languages(List.of(one, auto, two));
    assertEquals(new OpsReports.LanguageUse(2, 1), use.get("zh"));
    assertEquals(new OpsReports.LanguageUse(0, 2), use.get("en"));
    assertEquals(new OpsReports.LanguageUse(1, 1), use.get("ja"));
    assertFalse(use.containsKey("auto"));
  }
}
