package dev.polyglot.scheduler.ops;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class LogThrottleTest {

  @Test
  void logsAKeyAtMostOncePerIntervalAndTellsHowManyWereNotLogged() {
    LogThrottle t = new LogThrottle(60_000, 16);
    assertEquals(0, t.allow("node-x", 0));
    assertEquals(-1, t.allow("node-x", 1));
    assertEquals(-1, t.allow("node-x", 59_999));
    assertEquals(0, t.allow("node-y", 59_999), "another key has its own interval");
    assertEquals(2, t.allow("node-x", 60_000), "two were not logged since the last line");
    assertEquals(-1, t.allow("node-x", 60_001));
  }

  @Test
  void remembersABoundedNumberOfKeys() {
    LogThrottle t = new LogThrottle(60_000, 2);
    t.allow("a", 0);
    t.allow("b", 0);
    t.allow("c", 0); // "a" is forgotten
    assertEquals(-1, t.allow("b", 1));
    assertEquals(0, t.allow("a", 1), "a forgotten key may be logged again");
  }
}
