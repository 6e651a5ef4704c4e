package dev.polyglot.scheduler.it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The session socket's own contract over real WebSockets: acks, heartbeats, close, and bad input. */
class SessionSocketIT {
  static Server server;

  @BeforeAll
  static void start() {
    server = Server.start("scheduler.websocket.session-max-message = 64KiB");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void sessionInitIsAckedWithTheNegotiatedConstantsAndTheClientsTrace() {
    FakeClient c = FakeClient.connect(server.port);
    c.peer.send("{\"type\":\"session_init\",\"client_version\":\"web-client-v1.0\",\"platform\":\"web\",\"src_lang\":\"zh\","
        + "\"tgt_lang\":\"en\",\"dialect\":null,\"features\":{},\"pairing_code\":null,\"mode\":\"one_way\","
        + "\"trace_id\":\"5b1f0a52-8f7e-4c7b-9d0f-3a1e2b4c5d6e\",\"tenant_id\":null}");
    JsonNode ack = c.peer.await("session_init_ack");
    assertEquals("session created", ack.path("message").asText());
    assertEquals("5b1f0a52-8f7e-4c7b-9d0f-3a1e2b4c5d6e", ack.path("trace_id").asText());
    assertEquals("1.0", ack.path("protocol_version").asText());
    assertFalse(ack.path("use_binary_frame").asBoolean(true));
    assertEquals("opus", ack.path("negotiated_codec").asText());
    assertEquals(16000, ack.path("negotiated_sample_rate").asInt());
    assertEquals(1, ack.path("negotiated_channel_count").asInt());
    c.close();
  }

  @Test
  void severalSessionsLiveOnOneSocketAndHeartbeatsAreAnswered() {
    FakeClient c = FakeClient.connect(server.port);
    String s1 = c.initOneWay("zh", "en");
    String s2 = c.initOneWay("en", "zh");
    assertNotEquals(s1, s2);
    for (String s : List.of(s1, s2)) {
      c.peer.send("{\"type\":\"client_heartbeat\",\"session_id\":\"" + s + "\",\"timestamp\":1767225630000}");
      JsonNode hb = c.peer.await("server_heartbeat", m -> s.equals(m.path("session_id").asText()));
      assertTrue(hb.path("timestamp").asLong() > 1_700_000_000_000L);
    }
    c.close();
  }

  @Test
  void sessionCloseIsAckedAndTheSessionThenRefusesAudio() {
    FakeClient c = FakeClient.connect(server.port);
    String sid = c.initOneWay("zh", "en");
    c.peer.send("{\"type\":\"session_close\",\"session_id\":\"" + sid + "\",\"reason\":\"user_stop\"}");
    assertEquals(sid, c.peer.await("session_close_ack").path("session_id").asText());
    c.chunk(sid, FakeClient.opusFrame(1));
    assertEquals("INVALID_SESSION", c.peer.await("error").path("code").asText());
    c.close();
  }

  @Test
  void audioForAnUnknownSessionOrAnotherSocketsSessionIsRefused() {
    FakeClient a = FakeClient.connect(server.port);
    FakeClient b = FakeClient.connect(server.port);
    String sidOfA = a.initOneWay("zh", "en");
    b.initOneWay("zh", "en");
    b.chunk(sidOfA, FakeClient.opusFrame(1));
    assertEquals("INVALID_SESSION", b.peer.await("error").path("code").asText());
    b.chunk("s-00000000", FakeClient.opusFrame(1));
    a.peer.expectNone("error", Duration.ofMillis(300));
    a.close();
    b.close();
  }

  @Test
  void malformedMessagesGetInvalidMessageAndTheSocketStaysOpen() {
    FakeClient c = FakeClient.connect(server.port);
    c.peer.send("not json at all");
    JsonNode e = c.peer.await("error");
    assertEquals("INVALID_MESSAGE", e.path("code").asText());
    assertTrue(e.path("message").asText().startsWith("Invalid message format"));
    String sid = c.initOneWay("zh", "en");
    assertFalse(c.peer.closed.isDone());
    assertTrue(sid.startsWith("s-"));
    c.close();
  }

  @Test
  void aPayloadThatIsNotBase64IsAnErrorAndTheSessionContinues() {
    FakeNode node = FakeNode.ready(server.port, List.of("e1", "f1"));
    FakeClient c = FakeClient.connect(server.port);
    String sid = c.initOneWay("e1", "f1");
    c.peer.send("{\"type\":\"audio_chunk\",\"session_id\":\"" + sid + "\",\"seq\":1,\"is_final\":false,\"payload\":\"!!!not base64!!!\"}");
    assertTrue(c.peer.await("error").path("message").asText().contains("payload"));
    c.chunk(sid, FakeClient.opusFrame(3));
    c.finalChunk(sid);
    JsonNode job = node.awaitJob();
    assertEquals(0, job.path("utterance_index").asInt());
    c.close();
    node.close();
  }

  @Test
  void aMessageOverTheSessionLimitClosesTheConnection() {
    FakeClient c = FakeClient.connect(server.port);
    String sid = c.initOneWay("zh", "en");
    c.peer.sendFragmented("{\"type\":\"audio_chunk\",\"session_id\":\"" + sid + "\",\"payload\":\"" + "A".repeat(100_000) + "\"}", 10);
    assertEquals("MESSAGE_TOO_BIG", c.peer.await("error").path("code").asText());
    assertTrue(c.peer.awaitClosed());
  }

  @Test
  void aSocketCloseCancelsTheJobsOfItsSessionsOnTheNodes() {
    FakeNode node = FakeNode.ready(server.port, List.of("e2", "f2"));
    FakeClient c = FakeClient.connect(server.port);
    String sid = c.initOneWay("e2", "f2");
    c.chunk(sid, FakeClient.opusFrame(1));
    c.finalChunk(sid);
    JsonNode job = node.awaitJob();
    c.peer.abort();
    JsonNode cancel = node.peer.await("job_cancel");
    assertEquals(job.path("job_id").asText(), cancel.path("job_id").asText());
    assertEquals("session_closed", cancel.path("reason").asText());
    node.close();
  }
}
