package dev.polyglot.scheduler.it;

import static org.junit.jupiter.api.Assertions.*;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The memory budgets of the WebSocket edge over real sockets: a message is refused at the connection's cap while it
 * still streams, an unregistered node socket has a small cap, and a peer that stops reading gets
 * {@code OUTBOUND_QUEUE_FULL} and the close (no 1011, no ERROR).
 */
class MemoryBudgetIT {
  static final int PART = 64 * 1024;
  static Server server;

  @BeforeAll
  static void start() {
    server = Server.start("""
        scheduler.websocket.session-max-message = 1MiB
        scheduler.websocket.outbound-queue-size = 64
        scheduler.websocket.outbound-queue-bytes = 64KiB
        pekko.http.server.idle-timeout = 5s
        """);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** Issue 10: an over-cap fragmented message streamed for 512 MB kept the connection until FIN. */
  @Test
  void aFragmentedMessageOverTheCapIsRefusedAtTheCapWhileTheClientIsStillSending() throws Exception {
    Peer p = Peer.connect(server.port, "/ws/session");
    long limit = 64L << 20; // the client would go on to 64 MiB; the cap is 1 MiB
    String part = "A".repeat(PART);
    p.sendPart("{\"type\":\"audio_chunk\",\"session_id\":\"s-1\",\"payload\":\"", false).get(10, TimeUnit.SECONDS);
    long sent = 0;
    long sentAtError = -1;
    while (sent < limit) {
      if (!p.all("error").isEmpty()) {
        sentAtError = sent;
        break;
      }
      try {
        p.sendPart(part, false).get(10, TimeUnit.SECONDS); // never the last part: no FIN
      } catch (Exception closedUnderUs) {
        break;
      }
      sent += PART;
    }
    JsonNode error = p.await("error");
    assertEquals("MESSAGE_TOO_BIG", error.path("code").asText());
    assertTrue(p.awaitClosed(), "the server closes the connection");
    System.out.printf("over-cap message: error after %.1f MiB sent (cap 1 MiB), closed with %d; FIN never sent%n",
        (sentAtError < 0 ? sent : sentAtError) / (double) (1 << 20), p.closed.get());
    assertTrue(sent < limit, "the error came while the client was still sending, after " + sent + " bytes");
    assertTrue(server.http.inboundBudget().peak() <= 1 << 20,
        "the scheduler never held more than the cap: peak " + server.http.inboundBudget().peak());
    Server.await("the refused message's reservation returned", () -> server.http.inboundBudget().held() == 0);
  }

  @Test
  void anUnregisteredNodeSocketIsRefusedA100KiBMessageThatARegisteredNodeMaySend() {
    String big = "{\"type\":\"node_heartbeat\",\"pad\":\"" + "x".repeat(100 * 1024) + "\"}";
    Peer stranger = Peer.connect(server.port, "/ws/node");
    stranger.sendFragmented(big, 10);
    JsonNode error = stranger.await("error");
    assertEquals("MESSAGE_TOO_BIG", error.path("code").asText());
    assertTrue(error.path("message").asText().contains("node_register"), error.toString());
    assertTrue(stranger.awaitClosed());

    FakeNode node = FakeNode.ready(server.port, List.of("m1", "n1"));
    node.peer.sendFragmented(big.replace("\"pad\"", "\"node_id\":\"" + node.nodeId + "\",\"pad\""), 10);
    node.peer.send("{\"type\":\"not_a_type\"}");
    assertEquals("INVALID_MESSAGE", node.peer.await("error").path("code").asText(), "the connection reads on");
    assertTrue(node.peer.all("error").isEmpty(), "no MESSAGE_TOO_BIG for the registered node");
    assertFalse(node.peer.closed.isDone());
    Server.await("the taken message's reservation returned", () -> server.http.inboundBudget().held() == 0);
    assertTrue(server.http.inboundBudget().peak() >= 100 * 1024, "the streamed message was counted while it came");
    node.close();
  }

  /** Issue 10: a slow reader overflowed the outbound queue: close 1011, ERROR with a stack trace, no error frame. */
  @Test
  void aClientThatStopsReadingGetsOutboundQueueFullThenTheCloseAndNothingIsLoggedAsAnError() throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    root.addAppender(logs);
    try {
      long before = server.metrics().value("outbound_queue_full_total", "socket", "session");
      Peer p = fillTheQueueOfAClientThatDoesNotRead();
      p.request(Long.MAX_VALUE); // reads again: what was queued, then the error, then the close
      JsonNode error = p.await("error");
      assertEquals("OUTBOUND_QUEUE_FULL", error.path("code").asText());
      assertTrue(p.awaitClosed(), "closed after the error");
      int code = p.closed.get();
      System.out.println("slow reader: close code " + code + ", server_heartbeats read " + p.all("server_heartbeat").size());
      assertNotEquals(1011, code);
      assertTrue(p.all("server_heartbeat").size() >= 1, "what was queued before the bound is delivered first");
      Server.await("the session ended with its socket", () ->
          server.metrics().value("sessions_ended_total", "reason", "socket_closed") >= 1);
      List<ILoggingEvent> full = logs.list.stream().filter(e -> e.getFormattedMessage().contains("outbound queue full")).toList();
      assertEquals(1, full.size(), "logged once: " + full);
      assertEquals(Level.WARN, full.get(0).getLevel());
      List<ILoggingEvent> errors = logs.list.stream().filter(e -> e.getLevel() == Level.ERROR).toList();
      assertTrue(errors.isEmpty(), "no ERROR: " + errors);
      assertEquals(before + 1, server.metrics().value("outbound_queue_full_total", "socket", "session"));
    } finally {
      root.detachAppender(logs);
    }
  }

  /**
   * A peer that neither reads nor sends once its queue filled: the scheduler reads nothing more from it either, so the
   * connection is idle both ways and the connection's idle timeout (5 s here) drops it. Proof from the peer's side: reading
   * again afterwards finds the connection reset, where a kept connection would still deliver the queued frames, the
   * error and a close 1000 (as the test above shows).
   */
  @Test
  void aClientThatStopsReadingAndSendingLosesItsConnectionToTheIdleTimeout() throws Exception {
    Peer p = fillTheQueueOfAClientThatDoesNotRead(); // then sends nothing more and never reads
    Thread.sleep(12_000); // more than twice the idle timeout
    p.request(Long.MAX_VALUE);
    assertTrue(p.awaitClosed());
    System.out.printf("silent slow reader: after 12 s the connection was gone (close %d, %d server_heartbeats and %d errors"
        + " still readable)%n", p.closed.get(), p.all("server_heartbeat").size(), p.all("error").size());
    // closed either way: dropped by the stream's idle timeout, or closed by the socket actor's inbound-only idle check
    // (IDLE_TIMEOUT) after what was queued; what matters is that it did not stay open for as long as the peer waits
    assertTrue(p.closed.isDone(), "the silent slow reader's connection was closed");
  }

  /**
   * A session client that read its {@code session_init_ack} and then nothing, sending {@code client_heartbeat}s (each
   * answered by a {@code server_heartbeat} it does not read) until the scheduler counts its queue full.
   */
  private static Peer fillTheQueueOfAClientThatDoesNotRead() {
    Peer p = Peer.connect(server.port, "/ws/session", 1);
    p.send("{\"type\":\"session_init\",\"client_version\":\"web-client-v1.0\",\"platform\":\"web\",\"src_lang\":\"zh\","
        + "\"tgt_lang\":\"en\",\"mode\":\"one_way\"}");
    String sid = p.await("session_init_ack").path("session_id").asText();
    long before = server.metrics().value("outbound_queue_full_total", "socket", "session");
    String heartbeat = "{\"type\":\"client_heartbeat\",\"session_id\":\"" + sid + "\",\"timestamp\":1767225630000}";
    int sentHeartbeats = 0;
    long started = System.nanoTime();
    java.util.concurrent.CompletableFuture<?> sending = java.util.concurrent.CompletableFuture.completedFuture(null);
    // bounded in count and time
    while (server.metrics().value("outbound_queue_full_total", "socket", "session") == before) {
      assertTrue(sentHeartbeats < 400_000 && System.nanoTime() - started < TimeUnit.SECONDS.toNanos(45),
          "the queue never filled after " + sentHeartbeats + " heartbeats");
      try {
        sending.get(1, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException stopped) {
        continue; // the scheduler reads no more: it is closing
      } catch (Exception e) {
        throw new AssertionError(e);
      }
      sending = p.sendPart(heartbeat, true);
      sentHeartbeats++;
    }
    System.out.printf("slow reader: queue full after %d heartbeats sent in %d ms%n", sentHeartbeats,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    return p;
  }
}
