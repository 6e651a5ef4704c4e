package dev.polyglot.scheduler.http;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The client address a trusted proxy names in {@code admission.client-ip-header}. */
class ClientAddressTest {

  @Test
  void theLastAddressOfAListIsTheOneTheNearestProxyAdded() {
    assertEquals("203.0.113.7", SchedulerServer.fromHeader("10.1.1.1, 198.51.100.2,203.0.113.7"));
    assertEquals("203.0.113.7", SchedulerServer.fromHeader(" 203.0.113.7 "));
  }

  @Test
  void anIpv6AddressIsCountedByItsSlash64() {
    assertEquals("2001:db8:0:1::/64", SchedulerServer.fromHeader("2001:db8:0:1:2:3:4:5"));
  }

  @Test
  void aValueThatIsNoAddressLiteralIsCountedUnderItsTextAndNeverLookedUp() {
    assertEquals("scheduler.invalid", SchedulerServer.fromHeader("scheduler.invalid"));
    assertEquals("x".repeat(64), SchedulerServer.fromHeader("x".repeat(500)));
    assertNull(SchedulerServer.fromHeader("1.2.3.4, "));
  }
}
