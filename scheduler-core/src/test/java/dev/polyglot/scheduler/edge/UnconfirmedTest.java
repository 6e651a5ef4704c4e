package dev.polyglot.scheduler.edge;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class UnconfirmedTest {

  @Test
  void aConfirmationForgetsEverythingUpToItsNumber() {
    Unconfirmed<String> u = new Unconfirmed<>();
    u.sent(1, "a", 0);
    u.sent(3, "b", 0);
    assertEquals(List.of(), u.taken(2, 7));
    assertFalse(u.isEmpty());
    assertEquals(List.of(), u.taken(3, 7));
    assertTrue(u.isEmpty());
  }

  @Test
  void anAnswerFromAnotherIncarnationSendsEverythingStillKeptAgain() {
    Unconfirmed<String> u = new Unconfirmed<>();
    u.sent(1, "a", 0);
    u.sent(2, "b", 0);
    assertEquals(List.of(), u.taken(0, 111), "the first answer names the incarnation");
    assertEquals(List.of(), u.taken(0, 111));
    assertEquals(List.of("b"), u.taken(1, 222), "re-created: what it did not confirm goes again, oldest first");
    assertEquals(List.of(), u.taken(1, 222));
  }

  @Test
  void aNewIncarnationWithNothingKeptAsksForNothing() {
    Unconfirmed<String> u = new Unconfirmed<>();
    u.taken(0, 111);
    assertEquals(List.of(), u.taken(5, 222));
  }

  @Test
  void atARetryEverythingGoesAgainOnlyOnceTheOldestWaitedTheInterval() {
    Unconfirmed<String> u = new Unconfirmed<>();
    u.sent(1, "a", 1_000);
    u.sent(2, "b", 2_500);
    assertEquals(List.of(), u.due(2_999, 2_000));
    assertEquals(List.of("a", "b"), u.due(3_000, 2_000));
    u.taken(1, 5);
    assertEquals(List.of(), u.due(3_000, 2_000), "the oldest left is younger than the interval");
    assertEquals(List.of("b"), u.due(4_500, 2_000));
  }
}
