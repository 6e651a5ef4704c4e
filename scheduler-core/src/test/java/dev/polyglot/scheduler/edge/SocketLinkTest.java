package dev.polyglot.scheduler.edge;

import static org.junit.jupiter.api.Assertions.*;

import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The outbound bounds a socket actor sees through its link, with the stream played by the test. */
class SocketLinkTest {
  static final ActorTestKit kit = ActorTestKit.create(ConfigFactory.parseString("pekko.actor.provider = local"));

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private final TestProbe<SocketOut> stream = kit.createTestProbe();

  @Test
  void aQueueAtItsFrameBoundRefusesTheNextFrameUntilOneIsSent() {
    SocketLink link = new SocketLink(stream.getRef(), 2, 1_000, 64);
    assertTrue(link.offer("a"));
    assertTrue(link.offer("b"));
    assertFalse(link.offer("c"));
    assertEquals(2, link.queuedFrames());
    link.sent(((SocketOut.Text) stream.receiveMessage()).text());
    assertTrue(link.offer("c"));
    assertEquals("b", ((SocketOut.Text) stream.receiveMessage()).text());
    assertEquals("c", ((SocketOut.Text) stream.receiveMessage()).text());
  }

  @Test
  void aQueueAtItsByteBoundRefusesTheFrameThatWouldPassIt() {
    SocketLink link = new SocketLink(stream.getRef(), 100, 10, 64);
    assertTrue(link.offer("x".repeat(6)));
    assertFalse(link.offer("x".repeat(5)));
    assertTrue(link.offer("x".repeat(4)));
    assertEquals(10, link.queuedBytes());
  }

  @Test
  void anEmptyQueueTakesOneFrameLargerThanTheByteBound() {
    SocketLink link = new SocketLink(stream.getRef(), 100, 10, 64);
    assertTrue(link.offer("x".repeat(50)));
    assertFalse(link.offer("y"));
  }

  @Test
  void theLastFrameBeforeACloseIsQueuedPastTheBoundsAndThenTheStreamCompletes() {
    SocketLink link = new SocketLink(stream.getRef(), 1, 1_000, 64);
    assertTrue(link.offer("a"));
    assertFalse(link.offer("b"));
    assertFalse(link.closing());
    link.closeWith("error");
    assertTrue(link.closing());
    assertEquals("a", ((SocketOut.Text) stream.receiveMessage()).text());
    assertEquals("error", ((SocketOut.Text) stream.receiveMessage()).text());
    assertEquals(SocketOut.Complete.INSTANCE, stream.receiveMessage());
    assertEquals(2, link.queuedFrames(), "the stream's buffer must hold one frame past the bound");
    assertEquals(2, SocketLink.streamBuffer(1));
  }

  @Test
  void afterTheConnectionEndedFramesAreDroppedWithoutReportingAFullQueue() {
    SocketLink link = new SocketLink(stream.getRef(), 1, 1_000, 64);
    link.offer("a");
    stream.receiveMessage();
    link.ended();
    assertTrue(link.offer("b"));
    assertTrue(link.offer("c"));
    stream.expectNoMessage(java.time.Duration.ofMillis(50));
  }

  @Test
  void theInboundLimitIsWhatTheActorLastSet() {
    SocketLink link = new SocketLink(stream.getRef(), 1, 1, 64 * 1024);
    assertEquals(64 * 1024, link.inboundLimit());
    link.inboundLimit(16L << 20);
    assertEquals(16L << 20, link.inboundLimit());
  }
}
