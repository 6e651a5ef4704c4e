package dev.polyglot.scheduler.it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sessions end to end over real WebSockets: a fake web client and fake node agents sending exactly the JSON
 * of PROTOCOL.md. Each test uses its own language pair so the shared scheduler's pools do not mix tests.
 */
class SessionFlowIT {
  static Server server;

  @BeforeAll
  static void start() {
    server = Server.start("""
        scheduler.jobs.dispatched-timeout = 2s
        scheduler.jobs.pending-timeout = 3s
        """);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void theWebClientFlowProducesOneManualCutJobAndOneTranslationResult() {
    FakeNode node = FakeNode.ready(server.port, List.of("a1", "b1"));
    FakeClient client = FakeClient.connect(server.port);
    String sid = client.initOneWay("a1", "b1");
    assertTrue(sid.matches("s-[0-9A-F]{32}"), sid);
    ByteArrayOutputStream sent = new ByteArrayOutputStream();
    for (int i = 0; i < 4; i++) {
      byte[] frame = FakeClient.opusFrame(i);
      sent.writeBytes(frame);
      client.chunk(sid, frame);
      sleep(256);
    }
    client.finalChunk(sid);
    JsonNode job = node.awaitJob();
    assertTrue(job.path("job_id").asText().matches("job-[0-9a-f-]{36}"), job.toString());
    assertEquals(1, job.path("attempt_id").asInt());
    assertEquals(sid, job.path("session_id").asText());
    assertEquals(0, job.path("utterance_index").asInt());
    assertTrue(job.path("is_manual_cut").asBoolean());
    assertFalse(job.has("is_timeout_triggered"));
    assertEquals(280, job.path("padding_ms").asInt());
    assertArrayEquals(sent.toByteArray(), Base64.getDecoder().decode(job.path("audio").asText()));
    assertEquals("opus", job.path("audio_format").asText());
    assertEquals(16000, job.path("sample_rate").asInt());
    assertTrue(job.path("enable_streaming_asr").asBoolean());
    assertEquals(1000, job.path("partial_update_interval_ms").asInt());
    assertTrue(job.path("turn_id").asText().length() >= 32);
    assertTrue(job.path("pipeline").path("use_tts").asBoolean());
    assertFalse(job.path("pipeline").path("use_semantic").asBoolean());
    client.peer.await("ui_event", m -> "DISPATCHED".equals(m.path("event").asText()));
    node.succeed(job, "今天天气很好", "The weather is nice today");
    JsonNode r = client.awaitResult(sid);
    assertEquals(0, r.path("utterance_index").asInt());
    assertEquals(job.path("job_id").asText(), r.path("job_id").asText());
    assertEquals("The weather is nice today", r.path("text_translated").asText());
    assertEquals("opus", r.path("tts_format").asText());
    assertTrue(r.path("group_id").asText().startsWith("group_" + sid + "_"));
    assertEquals(0, r.path("part_index").asInt());
    assertEquals(851, r.path("service_timings").path("total_ms").asInt());
    assertTrue(r.path("scheduler_sent_at_ms").asLong() > 0);
    client.peer.await("ui_event", m -> "ASR_FINAL".equals(m.path("event").asText()));
    client.peer.await("ui_event", m -> "NMT_DONE".equals(m.path("event").asText()));
    client.peer.expectNone("translation_result", Duration.ofMillis(300));
    client.close();
    node.close();
  }

  @Test
  void aGapOfThreeAndAHalfSecondsCutsAnUtteranceWithTheTimeoutFlag() {
    FakeNode node = FakeNode.ready(server.port, List.of("a2", "b2"));
    FakeClient client = FakeClient.connect(server.port);
    String sid = client.initOneWay("a2", "b2");
    client.chunk(sid, FakeClient.opusFrame(1));
    sleep(3500);
    client.chunk(sid, FakeClient.opusFrame(2));
    JsonNode job = node.awaitJob();
    assertTrue(job.path("is_timeout_triggered").asBoolean());
    assertEquals(220, job.path("padding_ms").asInt());
    assertEquals(0, job.path("utterance_index").asInt());
    client.close();
    node.close();
  }

  @Test
  void tenSecondsOfAudioCutWithTheMaxDurationFlag() {
    FakeNode node = FakeNode.ready(server.port, List.of("a3", "b3"));
    FakeClient client = FakeClient.connect(server.port);
    String sid = client.initOneWay("a3", "b3");
    for (int i = 0; i < 40; i++) client.chunk(sid, FakeClient.opusFrame(i)); // 40 × 260 ms estimated
    JsonNode job = node.awaitJob();
    assertTrue(job.path("is_max_duration_triggered").asBoolean(), job.toString());
    assertEquals(220, job.path("padding_ms").asInt());
    client.finalChunk(sid);
    JsonNode closing = node.awaitJob();
    assertEquals(1, closing.path("utterance_index").asInt());
    assertEquals(job.path("turn_id").asText(), closing.path("turn_id").asText(), "a turn continues across max-duration cuts");
    client.close();
    node.close();
  }

  @Test
  void aTwoWaySessionLandsInPoolLangALangB() {
    FakeNode node = FakeNode.ready(server.port, List.of("a4", "b4"));
    FakeClient client = FakeClient.connect(server.port);
    String sid = client.initTwoWay("a4", "b4");
    client.chunk(sid, FakeClient.opusFrame(1));
    client.finalChunk(sid);
    JsonNode job = node.awaitJob();
    assertEquals("auto", job.path("src_lang").asText());
    assertEquals("two_way_auto", job.path("mode").asText());
    assertEquals("a4", job.path("lang_a").asText());
    assertEquals("b4", job.path("lang_b").asText());
    client.close();
    node.close();
  }

  @Test
  void threeSessionsOverTwoNodesAnsweringOutOfOrderGetResultsInIndexOrder() {
    FakeNode n1 = FakeNode.ready(server.port, List.of("a5", "b5"));
    FakeNode n2 = FakeNode.ready(server.port, List.of("a5", "b5"));
    List<FakeClient> clients = new ArrayList<>();
    List<String> sids = new ArrayList<>();
    for (int c = 0; c < 3; c++) {
      FakeClient client = FakeClient.connect(server.port);
      clients.add(client);
      sids.add(client.initOneWay("a5", "b5"));
    }
    for (int u = 0; u < 2; u++) {
      for (int c = 0; c < 3; c++) {
        clients.get(c).chunk(sids.get(c), FakeClient.opusFrame(u));
        clients.get(c).finalChunk(sids.get(c));
      }
      sleep(300); // past the manual hangover, so index u is sealed before u + 1
    }
    Server.await("six jobs", () -> n1.peer.all("job_assign").size() + n2.peer.all("job_assign").size() == 6);
    List<Runnable> answers = new ArrayList<>();
    for (FakeNode n : List.of(n1, n2)) {
      int count = n.peer.all("job_assign").size();
      for (int i = 0; i < count; i++) {
        JsonNode j = n.awaitJob();
        answers.add(() -> n.succeed(j, "text " + j.path("utterance_index").asInt(), "t"));
      }
    }
    java.util.Collections.reverse(answers); // later utterances first: out of order
    answers.forEach(Runnable::run);
    for (int c = 0; c < 3; c++) {
      JsonNode first = clients.get(c).awaitResult(sids.get(c));
      JsonNode second = clients.get(c).awaitResult(sids.get(c));
      assertEquals(0, first.path("utterance_index").asInt(), "session " + c);
      assertEquals(1, second.path("utterance_index").asInt(), "session " + c);
    }
    clients.forEach(FakeClient::close);
    n1.close();
    n2.close();
  }
}
