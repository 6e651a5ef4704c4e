package dev.polyglot.scheduler.session;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class SealedJobsTest {

  /**
   * Review finding (the durableSealed leak): with a slow ledger the sealed write is confirmed after the job was created
   * and placed, and that confirmation was kept forever, one entry per job.
   */
  @Test
  void aConfirmationThatArrivesAfterItsJobWasCreatedIsNotKept() {
    SealedJobs s = SealedJobs.empty();
    for (int i = 0; i < 10_000; i++) {
      s = s.seal(i, "job-" + i);
      SealedJobs.Released r = s.release(i); // the hangover ended: the job is created and placed
      assertEquals("job-" + i, r.jobId());
      s = r.next();
      assertFalse(s.take("job-" + i).durable(), "not confirmed yet: the job waits for its own write");
      s = s.confirmed("job-" + i); // the slow ledger confirms the sealed write now
    }
    assertEquals(0, s.size());
  }

  @Test
  void aConfirmationBeforeTheJobExistsLetsItBePlacedAtOnceAndIsThenGone() {
    SealedJobs s = SealedJobs.empty().seal(0, "job-0").confirmed("job-0");
    assertTrue(s.sealed(0));
    SealedJobs.Released r = s.release(0);
    SealedJobs.Taken t = r.next().take("job-0");
    assertTrue(t.durable());
    assertEquals(0, t.next().size());
  }

  @Test
  void aFinishedOrSweptJobForgetsItsConfirmation() {
    SealedJobs s = SealedJobs.empty().seal(0, "job-0").confirmed("job-0").seal(1, "job-1").confirmed("job-1");
    assertEquals(4, s.size());
    s = s.forget("job-0");
    assertEquals(3, s.size());
    s = s.release(1).next(); // released but its placement never came (the session ended meanwhile)
    assertEquals(2, s.size(), "job-0 still sealed, job-1's confirmation left behind");
    assertEquals(1, s.sweep().size(), "the sweep drops the confirmation of an utterance no longer waiting");
  }

  @Test
  void aConfirmationForAnUnknownJobIsIgnored() {
    assertEquals(0, SealedJobs.empty().confirmed("job-x").size());
  }
}
