package dev.polyglot.scheduler.session;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class UtteranceClaimsTest {
  @Test
  void aFailedClaimIsTriedAgainThenRefused() {
    UtteranceClaims c = UtteranceClaims.none().started();
    for (int attempt = 1; attempt < UtteranceClaims.ATTEMPTS; attempt++) {
      UtteranceClaims.Answer a = c.answered(true, attempt, false, false);
      assertEquals(UtteranceClaims.Outcome.RETRY, a.outcome());
      assertEquals(1, a.next().pending(), "still on its way");
      c = a.next();
    }
    UtteranceClaims.Answer last = c.answered(true, UtteranceClaims.ATTEMPTS, false, false);
    assertEquals(UtteranceClaims.Outcome.REFUSE, last.outcome());
    assertEquals(0, last.next().pending());
    assertEquals(Duration.ofMillis(400), UtteranceClaims.retryDelay(1));
    assertEquals(Duration.ofMillis(1_600), UtteranceClaims.retryDelay(3));
  }

  @Test
  void onlyAFreshIndexNotYetInTheBookMakesAJob() {
    UtteranceClaims c = UtteranceClaims.none().started().started();
    assertEquals(UtteranceClaims.Outcome.FRESH, c.answered(false, 1, true, false).outcome());
    assertEquals(UtteranceClaims.Outcome.DUPLICATE, c.answered(false, 1, false, false).outcome());
    assertEquals(UtteranceClaims.Outcome.DUPLICATE, c.answered(false, 1, true, true).outcome());
    assertEquals(1, c.answered(false, 1, true, false).next().pending());
    assertEquals(1, c.abandoned().pending());
  }
}
