package dev.polyglot.scheduler.api;


import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

class WireDialectTest {

  @Test
  void anAgentAnnouncingSupportedLanguagePairsOrNmtCapabilitiesSpeaksTheJanuaryDialect() {
    List<String> zhEn = List.of("zh", "en");
    assertEquals(WireDialect.JANUARY_2026, WireDialect.of(new LanguageCapabilities(zhEn, zhEn, null, null,
        List.of(new LanguagePair("zh", "en")), null)));
    assertEquals(WireDialect.JANUARY_2026, WireDialect.of(new LanguageCapabilities(zhEn, zhEn, null, null, null,
        JsonNodeFactory.instance.arrayNode().add("m2m"))));
    assertEquals(WireDialect.JUNE_2026, WireDialect.of(new LanguageCapabilities(zhEn, zhEn, zhEn, true, null, null)));
    assertEquals(WireDialect.JUNE_2026, WireDialect.of(null));
  }

  @Test
  void dialectNamesRoundTripForOperatorsAndTheLedger() {
    for (WireDialect d : WireDialect.values()) assertEquals(d, WireDialect.fromWireName(d.wireName()));
    assertEquals("2026-01", WireDialect.JANUARY_2026.wireName());
    assertEquals("2026-06", WireDialect.JUNE_2026.wireName());
  }
}
