package dev.polyglot.scheduler.session;

import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.bootstrap.Entities;
import dev.polyglot.scheduler.edge.SocketAck;
import dev.polyglot.scheduler.edge.SocketIn;
import dev.polyglot.scheduler.edge.SocketOut;
import dev.polyglot.scheduler.node.NodeEntity;
import dev.polyglot.scheduler.wire.WireCodec;
import dev.polyglot.scheduler.testkit.ManualClock;
import dev.polyglot.scheduler.testkit.TestKits;
import dev.polyglot.scheduler.testkit.TestSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.RecipientRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The session socket's per-connection limits, with the session entities replaced by one probe that records their ids. */
class SessionSocketLimitsTest {
  static final ActorTestKit kit = TestKits.manualTime();
  static final ManualTime time = ManualTime.get(kit.system());

  private final TestProbe<SessionEntity.Command> sessions = kit.createTestProbe();
  private final TestProbe<SocketOut> out = kit.createTestProbe();
  private final TestProbe<SocketAck> acks = kit.createTestProbe();
  /** Every session id the socket addressed, in order. */
  private final List<String> addressed = new ArrayList<>();

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private ActorRef<SessionSocket.Command> socket(String overrides) {
    Entities entities = new Entities() {
      @Override public RecipientRef<NodeEntity.Command> node(String nodeId) {
        throw new AssertionError("no node entity expected: " + nodeId);
      }

      @Override public RecipientRef<SessionEntity.Command> session(String sessionId) {
        synchronized (addressed) {
          addressed.add(sessionId);
        }
        return sessions.getRef();
      }
    };
    var settings = TestSettings.with(overrides);
    ManualClock clock = new ManualClock(time);
    return kit.spawn(SessionSocket.create(out.getRef(), new SessionSocket.Deps(settings, clock, entities, new WireCodec(),
        new dev.polyglot.scheduler.edge.Admission(settings.admission(), clock::monoMillis))));
  }

  private void send(ActorRef<SessionSocket.Command> s, String json) {
    s.tell(new SessionSocket.Frame(new SocketIn.Text(json), acks.getRef()));
    acks.receiveMessage();
  }

  /** A session_init the socket admits: returns the new session's id. */
  private String init(ActorRef<SessionSocket.Command> s) {
    send(s, "{\"type\":\"session_init\",\"src_lang\":\"zh\",\"tgt_lang\":\"en\"}");
    sessions.expectMessageClass(SessionEntity.Init.class);
    synchronized (addressed) {
      return addressed.get(addressed.size() - 1);
    }
  }

  private String errorFrame() {
    String frame = ((SocketOut.Text) out.receiveMessage()).text();
    assertTrue(frame.contains("\"type\":\"error\""), frame);
    return frame;
  }

  /**
   * Review finding: a closed session keeps its jobs, timers and memory until its last job finishes (up to the close
   * linger), but it no longer counted towards sessions.max-per-connection, so an init-close loop on one socket grew
   * without bound.
   */
  @Test
  void closingSessionsCountTowardsTheSessionsPerConnectionCapUntilTheyEnd() {
    ActorRef<SessionSocket.Command> s = socket("scheduler.sessions.max-per-connection = 2");
    String first = init(s);
    init(s);
    send(s, "{\"type\":\"session_close\",\"session_id\":\"" + first + "\",\"reason\":\"user_stop\"}");
    sessions.expectMessageClass(SessionEntity.Close.class);

    send(s, "{\"type\":\"session_init\",\"src_lang\":\"zh\",\"tgt_lang\":\"en\"}");
    String refused = errorFrame();
    assertTrue(refused.contains("too many sessions on this connection (max 2, closing ones included)"), refused);
    sessions.expectNoMessage(Duration.ofMillis(100));

    s.tell(new SessionSocket.Ended(first)); // the closing session finished its jobs
    init(s);
  }

  @Test
  void aSessionInitWithAnOverLongTraceIdCreatesNoSession() {
    ActorRef<SessionSocket.Command> s = socket("");
    send(s, "{\"type\":\"session_init\",\"src_lang\":\"zh\",\"tgt_lang\":\"en\",\"trace_id\":\"" + "t".repeat(1_000_000) + "\"}");
    String refused = errorFrame();
    assertTrue(refused.contains("\"code\":\"INVALID_MESSAGE\""), refused);
    assertTrue(refused.contains("field trace_id: longer than 128 characters"), refused);
    assertTrue(refused.length() < 300, "the trace id is not echoed");
    sessions.expectNoMessage(Duration.ofMillis(100));
    synchronized (addressed) {
      assertEquals(List.of(), addressed);
    }
  }
}
