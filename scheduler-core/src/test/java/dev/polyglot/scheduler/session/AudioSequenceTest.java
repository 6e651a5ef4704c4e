package dev.polyglot.scheduler.session;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class AudioSequenceTest {
  @Test
  void messagesApplyInOrderOnceAndUnnumberedOnesAlways() {
    AudioSequence s = AudioSequence.start();
    AudioSequence.Offer o = s.offer(1, 0);
    assertEquals(AudioSequence.Verdict.APPLY, o.verdict());
    assertEquals(AudioSequence.Verdict.DUPLICATE, o.next().offer(1, 0).verdict());
    assertEquals(AudioSequence.Verdict.APPLY, o.next().offer(0, 0).verdict());
    assertEquals(1, o.next().offer(0, 0).next().applied());
  }

  @Test
  void aGapAsksForAReplayAtMostOnceASecond() {
    AudioSequence s = AudioSequence.start().offer(1, 0).next();
    AudioSequence.Offer gap = s.offer(3, 100);
    assertEquals(AudioSequence.Verdict.ASK_REPLAY, gap.verdict());
    assertEquals(2, gap.next().missing());
    assertEquals(AudioSequence.Verdict.GAP, gap.next().offer(4, 600).verdict(), "asked 0.5 s ago: dropped quietly");
    assertEquals(AudioSequence.Verdict.ASK_REPLAY, gap.next().offer(4, 1_100).verdict());
    AudioSequence.Offer filled = gap.next().offer(2, 700);
    assertEquals(AudioSequence.Verdict.APPLY, filled.verdict());
    assertEquals(AudioSequence.Verdict.APPLY, filled.next().offer(3, 700).verdict());
  }

  @Test
  void aRecoveredSessionDropsWhatTheLedgerHolds() {
    AudioSequence s = AudioSequence.at(5);
    assertEquals(AudioSequence.Verdict.DUPLICATE, s.offer(5, 0).verdict());
    assertEquals(AudioSequence.Verdict.APPLY, s.offer(6, 0).verdict());
  }
}
