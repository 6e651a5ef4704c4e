package dev.polyglot.scheduler.session;

import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.config.SchedulerSettings;
import dev.polyglot.scheduler.edge.Admission;
import dev.polyglot.scheduler.edge.SocketAck;
import dev.polyglot.scheduler.edge.SocketIn;
import dev.polyglot.scheduler.edge.SocketOut;
import dev.polyglot.scheduler.wire.WireCodec;
import dev.polyglot.scheduler.testkit.ManualClock;
import dev.polyglot.scheduler.testkit.TestEntities;
import dev.polyglot.scheduler.testkit.TestKits;
import dev.polyglot.scheduler.testkit.TestSettings;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The session socket's deadlines and its share of the instance's session cap, with the session entity a probe. */
class SessionSocketTest {
  static final ActorTestKit kit = TestKits.manualTime();
  static final ManualTime time = ManualTime.get(kit.system());
  static final String INIT = "{\"type\":\"session_init\",\"src_lang\":\"zh\",\"tgt_lang\":\"en\"}";

  private final ManualClock clock = new ManualClock(time);
  private final TestProbe<SessionEntity.Command> sessions = kit.createTestProbe();
  private final TestProbe<SocketOut> out = kit.createTestProbe();
  private final TestProbe<SocketAck> acks = kit.createTestProbe();

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private ActorRef<SessionSocket.Command> socket(SchedulerSettings settings, Admission admission, TestProbe<SocketOut> to) {
    return kit.spawn(SessionSocket.create(to.getRef(), new SessionSocket.Deps(settings, clock,
        new TestEntities(null, sessions.getRef(), null), new WireCodec(), admission)));
  }

  private void send(ActorRef<SessionSocket.Command> s, String json) {
    s.tell(new SessionSocket.Frame(new SocketIn.Text(json), acks.getRef()));
    acks.receiveMessage();
  }

  private static String text(TestProbe<SocketOut> p) {
    return ((SocketOut.Text) p.receiveMessage()).text();
  }

  @Test
  void aClientWithoutSessionInitIsToldWhatWasExpectedAndClosedAtTheHandshakeDeadline() {
    SchedulerSettings settings = TestSettings.with("");
    socket(settings, new Admission(settings.admission(), clock::monoMillis), out);
    clock.advance(Duration.ofSeconds(10).minusMillis(1));
    out.expectNoMessage(Duration.ofMillis(50));
    clock.advance(Duration.ofMillis(1));
    String error = text(out);
    assertTrue(error.contains("\"code\":\"INVALID_SESSION\"") && error.contains("session_init expected within 10 s"), error);
    assertEquals(SocketOut.Complete.INSTANCE, out.receiveMessage());
  }

  @Test
  void aClientThatOpenedASessionIsNotClosedAtTheHandshakeDeadline() {
    SchedulerSettings settings = TestSettings.with("");
    ActorRef<SessionSocket.Command> s = socket(settings, new Admission(settings.admission(), clock::monoMillis), out);
    send(s, INIT);
    sessions.expectMessageClass(SessionEntity.Init.class);
    clock.advance(Duration.ofSeconds(10));
    out.expectNoMessage(Duration.ofMillis(50));
  }

  @Test
  void aClientThatSendsNothingForTheIdleTimeoutIsClosedWhatEverTheSchedulerSendsIt() {
    SchedulerSettings settings = TestSettings.with("");
    ActorRef<SessionSocket.Command> s = socket(settings, new Admission(settings.admission(), clock::monoMillis), out);
    send(s, INIT);
    sessions.expectMessageClass(SessionEntity.Init.class);
    for (int i = 0; i < 4; i++) {
      clock.advance(Duration.ofSeconds(29));
      s.tell(new SessionSocket.Deliver("s-1", new ClientEvent.ServerHeartbeat("s-1", 1L))); // outbound only
      out.receiveMessage();
    }
    clock.advance(Duration.ofSeconds(4).minusMillis(1)); // 120 s minus 1 ms since session_init
    out.expectNoMessage(Duration.ofMillis(50));
    clock.advance(Duration.ofMillis(1));
    String error = text(out);
    assertTrue(error.contains("\"code\":\"IDLE_TIMEOUT\""), error);
    assertEquals(SocketOut.Complete.INSTANCE, out.receiveMessage());
  }

  @Test
  void aClientHeartbeatingEvery30SecondsIsNeverIdle() {
    SchedulerSettings settings = TestSettings.with("");
    ActorRef<SessionSocket.Command> s = socket(settings, new Admission(settings.admission(), clock::monoMillis), out);
    send(s, INIT);
    SessionEntity.Init init = sessions.expectMessageClass(SessionEntity.Init.class);
    for (int i = 0; i < 10; i++) {
      clock.advance(Duration.ofSeconds(30));
      send(s, "{\"type\":\"client_heartbeat\",\"session_id\":\"unknown\"}"); // even a refused message is inbound
      out.receiveMessage(); // INVALID_SESSION for the made-up id
      clock.advance(Duration.ofSeconds(1)); // past the error-reply interval
    }
    out.expectNoMessage(Duration.ofMillis(50));
    assertNotNull(init);
  }

  @Test
  void overTheInstancesSessionCapASocketWithoutSessionsIsToldAndClosedAndOneWithSessionsOnlyTold() {
    SchedulerSettings settings = TestSettings.with("scheduler.admission.max-sessions = 2");
    Admission admission = new Admission(settings.admission(), clock::monoMillis);
    ActorRef<SessionSocket.Command> first = socket(settings, admission, out);
    send(first, INIT);
    send(first, INIT);
    sessions.receiveSeveralMessages(2);
    send(first, INIT);
    String refused = text(out);
    assertTrue(refused.contains("\"code\":\"TOO_MANY_SESSIONS\""), refused);
    out.expectNoMessage(Duration.ofMillis(50)); // its sessions go on: no close

    TestProbe<SocketOut> secondOut = kit.createTestProbe();
    ActorRef<SessionSocket.Command> second = socket(settings, admission, secondOut);
    send(second, INIT);
    assertTrue(text(secondOut).contains("\"code\":\"TOO_MANY_SESSIONS\""));
    assertEquals(SocketOut.Complete.INSTANCE, secondOut.receiveMessage());
    sessions.expectNoMessage(Duration.ofMillis(50));

    first.tell(SessionSocket.StreamEnded.INSTANCE);
    sessions.receiveSeveralMessages(2); // SocketClosed to both sessions
    kit.createTestProbe().expectTerminated(first);
    assertEquals(0, admission.sessions(), "a closed socket's sessions give their places back");
  }

  @Test
  void anEndedSessionOfAnotherSocketGivesNoPlaceBack() {
    SchedulerSettings settings = TestSettings.with("");
    Admission admission = new Admission(settings.admission(), clock::monoMillis);
    ActorRef<SessionSocket.Command> s = socket(settings, admission, out);
    send(s, INIT);
    sessions.expectMessageClass(SessionEntity.Init.class);
    assertEquals(1, admission.sessions());
    s.tell(new SessionSocket.Ended("s-NOT-MINE"));
    assertEquals(1, admission.sessions());
    s.tell(SessionSocket.StreamEnded.INSTANCE);
    sessions.expectMessageClass(SessionEntity.SocketClosed.class);
    kit.createTestProbe().expectTerminated(s);
    assertEquals(0, admission.sessions());
  }
}
