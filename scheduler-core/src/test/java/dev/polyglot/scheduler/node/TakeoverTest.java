package dev.polyglot.scheduler.node;

import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.api.NodeFacts;
import dev.polyglot.scheduler.testkit.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;

class TakeoverTest {
  private static final NodeFacts FACTS = Fixtures.agentFacts(List.of("en"));
  private static final NodeFacts NEWER = Fixtures.agentFacts(List.of("en", "zh"));

  @Test
  void aFirstClaimWaitsForTheLiveConnectionToProveItself() {
    Takeover.Step<String> step = Takeover.<String>none().claim("b", FACTS, () -> false);
    assertEquals(Takeover.Claimed.WAITS, step.claimed());
    assertTrue(step.next().waiting());
    assertEquals("b", step.next().claimant());
    assertEquals(FACTS, step.next().facts());
  }

  @Test
  void aClaimWhileTheLiveConnectionsInstanceIsLostTakesOverAtOnceWithoutWaiting() {
    Takeover.Step<String> step = Takeover.<String>none().claim("b", FACTS, () -> true);
    assertEquals(Takeover.Claimed.TAKES_OVER, step.claimed());
    assertFalse(step.next().waiting());
  }

  @Test
  void aSecondClaimantIsRefusedAndTheFirstKeepsWaiting() {
    Takeover<String> waiting = Takeover.<String>none().claim("b", FACTS, () -> false).next();
    Takeover.Step<String> step = waiting.claim("c", NEWER, () -> true);
    assertEquals(Takeover.Claimed.REFUSED, step.claimed());
    assertSame(waiting, step.next());
    assertEquals("b", step.next().claimant());
  }

  @Test
  void theWaitingClaimantRegisteringAgainKeepsItsNewerFacts() {
    Takeover<String> waiting = Takeover.<String>none().claim("b", FACTS, () -> false).next();
    Takeover.Step<String> step = waiting.claim("b", NEWER, () -> true);
    assertEquals(Takeover.Claimed.STILL_WAITS, step.claimed());
    assertEquals(NEWER, step.next().facts());
  }

  @Test
  void onlyAnotherConnectionThanTheClaimantDisplacesTheClaim() {
    Takeover<String> waiting = Takeover.<String>none().claim("b", FACTS, () -> false).next();
    assertTrue(waiting.waitingOtherThan("a"));
    assertFalse(waiting.waitingOtherThan("b"));
    assertTrue(waiting.isClaimant("b"));
    assertFalse(Takeover.<String>none().waitingOtherThan("a"));
    assertFalse(Takeover.<String>none().isClaimant("b"));
  }
}
