package dev.polyglot.scheduler.edge;

import static org.junit.jupiter.api.Assertions.*;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The registry that closes this instance's sockets on shutdown, with probes standing in for socket actors. */
class OpenSocketsTest {
  static final ActorTestKit kit = ActorTestKit.create(ConfigFactory.parseString("pekko.actor.provider = local"));

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private final ActorRef<OpenSockets.Command> sockets = kit.spawn(OpenSockets.create());
  private final TestProbe<OpenSockets.AllClosed> asker = kit.createTestProbe();

  private TestProbe<String> opened() {
    TestProbe<String> socket = kit.createTestProbe();
    sockets.tell(new OpenSockets.Opened<>(socket.getRef(), "close"));
    return socket;
  }

  @Test
  void closeAllTellsEverySocketToCloseAndAnswersOnlyOnceAllHaveStopped() {
    TestProbe<String> a = opened();
    TestProbe<String> b = opened();
    sockets.tell(new OpenSockets.CloseAll(asker.getRef()));
    a.expectMessage("close");
    b.expectMessage("close");
    a.stop();
    asker.expectNoMessage(Duration.ofMillis(100));
    b.stop();
    assertEquals(new OpenSockets.AllClosed(2), asker.receiveMessage());
  }

  @Test
  void aSocketOpenedWhileClosingIsClosedAtOnceAndWaitedFor() {
    TestProbe<String> first = opened();
    sockets.tell(new OpenSockets.CloseAll(asker.getRef()));
    first.expectMessage("close");
    TestProbe<String> late = opened();
    late.expectMessage("close");
    first.stop();
    asker.expectNoMessage(Duration.ofMillis(100));
    late.stop();
    assertEquals(new OpenSockets.AllClosed(2), asker.receiveMessage());
  }

  @Test
  void withNoSocketOpenCloseAllAnswersAtOnce() {
    sockets.tell(new OpenSockets.CloseAll(asker.getRef()));
    assertEquals(new OpenSockets.AllClosed(0), asker.receiveMessage());
  }
}
