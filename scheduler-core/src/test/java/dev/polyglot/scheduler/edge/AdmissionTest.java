package dev.polyglot.scheduler.edge;

import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.config.SchedulerSettings;
import dev.polyglot.scheduler.testkit.TestSettings;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AdmissionTest {
  private final AtomicLong now = new AtomicLong(1_000);

  private Admission admission(String overrides) {
    SchedulerSettings s = TestSettings.with(overrides);
    return new Admission(s.admission(), now::get);
  }

  @Test
  void theDefaultsCapSocketsPerAddressAt64() {
    Admission a = admission("");
    List<Admission.Ticket> open = new ArrayList<>();
    for (int i = 0; i < 64; i++) open.add((Admission.Ticket) a.open(Admission.Kind.SESSION, "198.51.100.1"));
    Admission.Decision d = a.open(Admission.Kind.NODE, "198.51.100.1");
    Admission.Refusal r = assertInstanceOf(Admission.Refusal.class, d);
    assertEquals("TOO_MANY_CONNECTIONS", r.code());
    assertTrue(r.message().contains("at most 64"), r.message());
    assertTrue(a.check(Admission.Kind.SESSION, "198.51.100.1").isPresent());
    assertTrue(a.check(Admission.Kind.SESSION, "198.51.100.2").isEmpty(), "another address is not affected");
    open.get(0).close();
    assertInstanceOf(Admission.Ticket.class, a.open(Admission.Kind.NODE, "198.51.100.1"));
  }

  @Test
  void aTicketClosedTwiceGivesItsPlaceBackOnce() {
    Admission a = admission("scheduler.admission.max-session-sockets = 2");
    Admission.Ticket t = (Admission.Ticket) a.open(Admission.Kind.SESSION, "x");
    a.open(Admission.Kind.SESSION, "y");
    t.close();
    t.close();
    assertEquals(1, a.openSockets(Admission.Kind.SESSION));
    assertEquals(0, a.openSockets("x"));
    assertEquals(1, a.openSockets("y"));
  }

  @Test
  void theGlobalCapOfEachKindIsSeparate() {
    Admission a = admission("scheduler.admission.max-node-sockets = 1\nscheduler.admission.max-session-sockets = 1");
    assertInstanceOf(Admission.Ticket.class, a.open(Admission.Kind.NODE, "a"));
    Admission.Refusal r = assertInstanceOf(Admission.Refusal.class, a.open(Admission.Kind.NODE, "b"));
    assertTrue(r.message().contains("node connections"), r.message());
    assertEquals(0, a.openSockets("b"), "a refusal takes no place for its address");
    assertInstanceOf(Admission.Ticket.class, a.open(Admission.Kind.SESSION, "b"));
  }

  @Test
  void zeroMeansNoCap() {
    Admission a = admission("scheduler.admission.max-sockets-per-address = 0\nscheduler.admission.max-session-sockets = 0");
    for (int i = 0; i < 1_000; i++) assertInstanceOf(Admission.Ticket.class, a.open(Admission.Kind.SESSION, "a"));
  }

  @Test
  void concurrentOpensNeverPassTheCapAndClosesBringTheCountsBackToZero() throws Exception {
    Admission a = admission("scheduler.admission.max-sockets-per-address = 50\nscheduler.admission.max-node-sockets = 120");
    int threads = 8;
    AtomicInteger admitted = new AtomicInteger();
    List<Admission.Ticket> tickets = java.util.Collections.synchronizedList(new ArrayList<>());
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> all = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      String address = "10.0.0." + (t % 3);
      Thread th = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < 100; i++) {
          if (a.open(Admission.Kind.NODE, address) instanceof Admission.Ticket ticket) {
            admitted.incrementAndGet();
            tickets.add(ticket);
          }
        }
      });
      th.start();
      all.add(th);
    }
    go.countDown();
    for (Thread th : all) th.join();
    assertEquals(120, admitted.get(), "3 addresses × 50 allowed, but the instance takes 120");
    for (int i = 0; i < 3; i++) assertTrue(a.openSockets("10.0.0." + i) <= 50);
    tickets.parallelStream().forEach(Admission.Ticket::close);
    assertEquals(0, a.openSockets(Admission.Kind.NODE));
    for (int i = 0; i < 3; i++) assertEquals(0, a.openSockets("10.0.0." + i));
  }

  @Test
  void sessionsAreCappedPerInstanceAndComeBackWhenTheyEnd() {
    Admission a = admission("scheduler.admission.max-sessions = 2");
    assertTrue(a.startSession().isEmpty());
    assertTrue(a.startSession().isEmpty());
    assertEquals("TOO_MANY_SESSIONS", a.startSession().orElseThrow().code());
    a.sessionEnded();
    assertTrue(a.startSession().isEmpty());
  }

  @Test
  void registrationsAreLimitedPerAddressAndForTheInstance() {
    Admission a = admission("""
        scheduler.admission.registrations-per-address-burst = 2
        scheduler.admission.registrations-per-address-per-second = 1
        scheduler.admission.registrations-burst = 3
        scheduler.admission.registrations-per-second = 1
        """);
    assertTrue(a.register("a").isEmpty());
    assertTrue(a.register("a").isEmpty());
    Admission.Refusal perAddress = a.register("a").orElseThrow();
    assertEquals("REGISTRATION_RATE_LIMITED", perAddress.code());
    assertTrue(perAddress.message().contains("from this address"), perAddress.message());
    assertTrue(a.register("b").isEmpty());
    Admission.Refusal global = a.register("c").orElseThrow();
    assertTrue(global.message().contains("on this scheduler instance"), global.message());
    now.addAndGet(1_000);
    assertTrue(a.register("a").isEmpty(), "a second later each bucket holds one token again");
  }

  @Test
  void registrationBucketsOfManyAddressesAreForgottenOnceFullAgain() {
    Admission a = admission("scheduler.admission.registrations-burst = 0");
    for (int i = 0; i < 5_000; i++) assertTrue(a.register("10.0." + (i / 250) + "." + (i % 250)).isEmpty());
    assertEquals(5_000, a.registrationBuckets());
    now.addAndGet(10_000); // 2 per second: a bucket of 20 that gave one token is full again after 500 ms
    assertTrue(a.register("192.0.2.1").isEmpty());
    assertEquals(1, a.registrationBuckets(), "only the address that just registered is remembered");
  }

  @Test
  void anIpv6ClientIsCountedByItsSlash64AndAnIpv4ClientByItsAddress() throws Exception {
    assertEquals("2001:db8:1:2::/64", Admission.key(InetAddress.getByName("2001:db8:1:2:aaaa::1")));
    assertEquals(Admission.key(InetAddress.getByName("2001:db8:1:2::5")),
        Admission.key(InetAddress.getByName("2001:db8:1:2:ffff:ffff:ffff:ffff")));
    assertEquals("192.0.2.9", Admission.key(InetAddress.getByName("192.0.2.9")));
  }
}
