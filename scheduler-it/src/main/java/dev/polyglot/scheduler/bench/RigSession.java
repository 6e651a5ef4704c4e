package dev.polyglot.scheduler.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;

/** A fake web client (PROTOCOL.md §6): one-way zh→en session; each utterance is one audio chunk, then the final chunk. */
final class RigSession {
  static final String INIT = "{\"type\":\"session_init\",\"client_version\":\"web-client-v1.0\",\"platform\":\"web\",\"src_lang\":\"zh\","
      + "\"tgt_lang\":\"en\",\"dialect\":null,\"features\":{},\"pairing_code\":null,\"mode\":\"one_way\","
      + "\"trace_id\":\"5b1f0a52-8f7e-4c7b-9d0f-3a1e2b4c5d6e\",\"tenant_id\":null}";

  private final RigStats stats;
  private final String payload;
  final CompletableFuture<RigSession> ready = new CompletableFuture<>();
  volatile String sessionId;
  private int nextIndex;
  private long seq;
  Conn conn;

  RigSession(RigStats stats, String payloadBase64) {
    this.stats = stats;
    this.payload = payloadBase64;
  }

  CompletableFuture<RigSession> connect(Conn.Clients clients, String host, int port) {
    return Conn.open(clients, host, port, "/ws/session", this::onMessage).thenCompose(c -> {
      conn = c;
      c.send(INIT);
      return ready;
    });
  }

  /** Sends one utterance: its audio, then {@code is_final:true}; the clock starts as the final frame is handed over. */
  synchronized void utter() {
    int index = nextIndex++;
    conn.send("{\"type\":\"audio_chunk\",\"session_id\":\"" + sessionId + "\",\"seq\":" + (seq++)
        + ",\"is_final\":false,\"payload\":\"" + payload + "\"}");
    String fin = "{\"type\":\"audio_chunk\",\"session_id\":\"" + sessionId + "\",\"seq\":" + (seq++) + ",\"is_final\":true,\"payload\":\"\"}";
    stats.onFinalSent(sessionId, index, System.nanoTime());
    conn.send(fin);
  }

  private void onMessage(String text) {
    JsonNode m = stats.parse(text);
    if (m == null) return;
    switch (m.path("type").asText()) {
      case "session_init_ack" -> {
        sessionId = m.path("session_id").asText();
        ready.complete(this);
      }
      case "translation_result" -> stats.onResult(m.path("session_id").asText(), m.path("utterance_index").asInt());
      case "backpressure" -> stats.backpressure.increment();
      case "error" -> {
        JsonNode idx = m.path("details").path("utterance_index");
        if (idx.isInt()) stats.onJobError(sessionId, idx.asInt(), m.path("code").asText());
        else stats.onOtherError(m.path("code").asText());
      }
      default -> { }
    }
  }

  void close() {
    if (conn != null) conn.close();
  }

  /** {@code bytes} of Opus "Plan A" audio: 60-byte packets, each with its 2-byte length prefix, as the web client records. */
  static String audio(int bytes) {
    int packets = Math.max(1, bytes / 62);
    byte[] b = new byte[packets * 62];
    for (int p = 0; p < packets; p++) {
      b[p * 62] = 60;
      b[p * 62 + 1] = 0;
      for (int i = 2; i < 62; i++) b[p * 62 + i] = (byte) (p + i);
    }
    return Base64.getEncoder().encodeToString(b);
  }
}
