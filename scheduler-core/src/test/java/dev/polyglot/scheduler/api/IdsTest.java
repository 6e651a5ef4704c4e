package dev.polyglot.scheduler.api;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IdsTest {

  /** Review finding: 32 random bits collide after about 77,000 sessions (birthday bound) and can be guessed. */
  @Test
  void sessionIdsCarry128RandomBitsInTheSPrefixStyle() {
    String id = Ids.sessionId();
    assertTrue(id.matches("s-[0-9A-F]{32}"), id);
  }

  @Test
  void sessionIdsDoNotRepeatAndUseEveryHexDigitInEveryPosition() {
    Set<String> seen = new HashSet<>();
    int[][] digitSeen = new int[32][16];
    for (int i = 0; i < 100_000; i++) {
      String id = Ids.sessionId();
      assertTrue(seen.add(id), "repeated " + id);
      for (int p = 0; p < 32; p++) digitSeen[p][Character.digit(id.charAt(2 + p), 16)]++;
    }
    for (int p = 0; p < 32; p++) {
      for (int d = 0; d < 16; d++) assertTrue(digitSeen[p][d] > 0, "digit " + d + " never at position " + p);
    }
  }
}
