package dev.polyglot.scheduler.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The size check of a whole text message: the shortcuts from its length agree with counting its UTF-8 bytes. */
class WebSocketBridgeLimitTest {

  private static boolean counted(String s, long limit) {
    return s.getBytes(StandardCharsets.UTF_8).length > limit;
  }

  @Test
  void agreesWithTheEncodedLengthAtEveryBoundary() {
    String[] units = {"a", "é", "€", "😀"}; // 1, 2, 3 and 4 bytes (the last one two chars)
    for (long limit : new long[] {0, 1, 2, 3, 4, 5, 11, 12, 13, 300, 301, 302}) {
      for (String unit : units) {
        for (int n = 0; n <= 2 * limit + 2; n++) {
          String s = unit.repeat(n);
          assertEquals(counted(s, limit), WebSocketBridge.overLimit(s, limit), () -> unit + " x " + s.length() / unit.length()
              + " against " + limit);
        }
        String mixed = ("a€é😀").repeat((int) limit / 3 + 1);
        assertEquals(counted(mixed, limit), WebSocketBridge.overLimit(mixed, limit), "mixed against " + limit);
      }
    }
  }

  @Test
  void anAgentHeartbeatFitsWithoutBeingCounted() {
    String heartbeat = "{\"type\":\"node_heartbeat\"," + "\"x\":\"".repeat(300) + "}";
    assertFalse(WebSocketBridge.overLimit(heartbeat, 1 << 20));
    assertTrue(WebSocketBridge.overLimit("€".repeat(400), 1000)); // 400 chars, 1,200 bytes: counted
  }
}
