package dev.polyglot.scheduler.session;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Sealed utterances with one job per target language (a room's fan-out): keyed by (index, language). */
class SealedJobsFanoutTest {

  @Test
  void eachLanguageOfAnUtteranceIsSealedAndReleasedUnderItsOwnJobId() {
    SealedJobs s = SealedJobs.empty().seal(0, "en", "job-en").seal(0, "ja", "job-ja");
    assertTrue(s.sealed(0));
    assertEquals(2, s.size());
    SealedJobs.Released en = s.release(0, "en");
    assertEquals("job-en", en.jobId());
    assertTrue(en.next().sealed(0), "ja is still sealed");
    SealedJobs.Released ja = en.next().release(0, "ja");
    assertEquals("job-ja", ja.jobId());
    assertFalse(ja.next().sealed(0));
    assertEquals(0, ja.next().size());
  }

  @Test
  void aLanguageNeverSealedIsReleasedWithoutAnId() {
    SealedJobs s = SealedJobs.empty().seal(0, "en", "job-en");
    assertNull(s.release(0, "ko").jobId());
    assertNull(s.release(1, "en").jobId());
  }

  @Test
  void theRestOfAnUtteranceIsHandedBackWithItsConfirmations() {
    SealedJobs s = SealedJobs.empty().seal(0, "en", "job-en").seal(0, "ja", "job-ja").confirmed("job-ja")
        .seal(1, "en", "job-1");
    SealedJobs.Released en = s.release(0, "en");
    SealedJobs.Leftover rest = en.next().releaseRest(0);
    assertEquals(List.of("job-ja"), rest.jobIds(), "ja left the room during the hangover: its id is handed back");
    assertFalse(rest.next().sealed(0));
    assertFalse(rest.next().take("job-ja").durable(), "its confirmation is gone too");
    assertTrue(rest.next().sealed(1), "other utterances are untouched");
    assertEquals(1, rest.next().size());
  }

  @Test
  void aConfirmationOfOneLanguageIsKeptUntilItsJobIsCreated() {
    SealedJobs s = SealedJobs.empty().seal(0, "en", "job-en").seal(0, "ja", "job-ja").confirmed("job-ja");
    s = s.release(0, "ja").next();
    SealedJobs.Taken taken = s.take("job-ja");
    assertTrue(taken.durable(), "created after its write was confirmed: placed at once");
    assertEquals(1, taken.next().size(), "only job-en is left");
  }

  @Test
  void theSweepKeepsConfirmationsOfLanguagesStillSealed() {
    SealedJobs s = SealedJobs.empty().seal(0, "en", "job-en").seal(0, "ja", "job-ja").confirmed("job-en")
        .confirmed("job-ja");
    s = s.release(0, "ja").next().sweep();
    assertTrue(s.take("job-en").durable());
    assertFalse(s.take("job-ja").durable(), "released: its confirmation was swept");
  }
}
