package dev.polyglot.scheduler.room;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Room codes and ids as spec/BEHAVIOUR.md §12 and PROTOCOL.md §3 define them. */
class RoomCodesTest {

  @Test
  void theFirstClaimAndTenDrawsAgainAreSixDigitsFrom100000To999999() {
    SplittableRandom rnd = new SplittableRandom(1);
    for (int round = 0; round < 1_000; round++) {
      for (int claim = 0; claim < RoomCodes.DIGIT_CLAIMS; claim++) {
        String code = RoomCodes.code(claim, rnd);
        assertTrue(code.matches("[1-9][0-9]{5}"), code);
        int n = Integer.parseInt(code);
        assertTrue(n >= 100_000 && n <= 999_999, code);
      }
    }
    assertEquals(11, RoomCodes.DIGIT_CLAIMS, "re-drawn up to 10 times");
  }

  @Test
  void afterTheDigitDrawsACodeIsTheFirstSixCharactersOfAUuid() {
    SplittableRandom rnd = new SplittableRandom(2);
    for (int claim = RoomCodes.DIGIT_CLAIMS; claim < RoomCodes.DIGIT_CLAIMS + 50; claim++) {
      assertTrue(RoomCodes.code(claim, rnd).matches("[0-9a-f]{6}"));
    }
  }

  @Test
  void roomIdsAreVersionFourUuids() {
    SplittableRandom rnd = new SplittableRandom(3);
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 1_000; i++) {
      String id = RoomCodes.uuid(rnd);
      UUID u = UUID.fromString(id);
      assertEquals(4, u.version());
      assertEquals(2, u.variant());
      assertEquals(id, u.toString());
      assertTrue(seen.add(id));
    }
  }

  @Test
  void digitCodesSpreadOverTheWholeRange() {
    SplittableRandom rnd = new SplittableRandom(4);
    Set<String> codes = new HashSet<>();
    int low = 0;
    int high = 0;
    for (int i = 0; i < 10_000; i++) {
      String c = RoomCodes.code(0, rnd);
      codes.add(c);
      if (c.charAt(0) == '1') low++;
      if (c.charAt(0) == '9') high++;
    }
    assertTrue(codes.size() > 9_900, "few collisions among 10 000 draws: " + codes.size());
    assertTrue(low > 900 && high > 900, "both ends are drawn: " + low + " / " + high);
  }

  @Test
  void theSameSeedDrawsTheSameCodes() {
    assertEquals(RoomCodes.code(0, new SplittableRandom(9)), RoomCodes.code(0, new SplittableRandom(9)));
    assertThrows(IllegalArgumentException.class, () -> RoomCodes.code(-1, new SplittableRandom(9)));
  }
}
