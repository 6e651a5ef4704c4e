package dev.polyglot.scheduler.session;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class DurableCursorTest {

  @Test
  void movesOnlyOverAConfirmedPrefix() {
    DurableCursor c = DurableCursor.empty().issued(5).issued(9).issued(12);
    c = c.confirmed(9);
    assertEquals(0, c.acked(), "the record up to 5 is not confirmed: nothing below 9 is safe yet");
    c = c.confirmed(5);
    assertEquals(9, c.acked());
    c = c.confirmed(12);
    assertEquals(12, c.acked());
    assertEquals(0, c.outstanding());
  }

  @Test
  void aRecoveredSessionStartsAtItsDurableSequenceAndIgnoresOlderRecords() {
    DurableCursor c = DurableCursor.at(40).issued(30).issued(41);
    assertEquals(1, c.outstanding(), "a record at or below the cursor changes nothing");
    assertEquals(41, c.confirmed(41).acked());
    assertEquals(40, c.confirmed(99).acked(), "a confirmation of nothing issued changes nothing");
  }

  @Test
  void anUnconfirmedRecordHoldsTheCursorBackUntilItIsConfirmed() {
    DurableCursor c = DurableCursor.empty().issued(3).issued(4).confirmed(4);
    assertEquals(0, c.acked());
    assertEquals(2, c.outstanding());
  }
}
