package dev.polyglot.scheduler.bench;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Keeps the rooms part of {@code ./scheduler demo} working: against an in-process scheduler, it sees what it prints. */
class RoomDemoSmokeIT {

  @Test
  @Timeout(120)
  void theRoomsDemoFansOutPerLanguageOnDistinctNodesAndRelays() throws Exception {
    try (Target t = new Target.InProcess("scheduler", "")) {
      RoomDemo.Outcome o = RoomDemo.run(t.host, t.port, 2);
      assertTrue(o.roomCode().matches("[1-9][0-9]{5}"), o.roomCode());
      assertEquals(Map.of("Bob (en)", List.of("The weather is nice today", "The weather is nice today"),
          "Chiyo (ja)", List.of("今日はいい天気です", "今日はいい天気です")), o.heard());
      for (Map<String, String> nodes : o.nodesByUtterance().values()) {
        assertEquals(2, nodes.size(), "one job per listener language: " + nodes);
        assertNotEquals(nodes.get("en"), nodes.get("ja"), "on distinct nodes: " + nodes);
      }
      assertNotNull(o.relayedTo());
      assertEquals(1, o.totalRooms());
    }
  }
}
