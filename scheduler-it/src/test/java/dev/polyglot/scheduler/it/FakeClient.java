package dev.polyglot.scheduler.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Base64;

/** A fake web client speaking exactly the JSON of PROTOCOL.md §6, as lingua's real web client sends it. */
final class FakeClient {
  final Peer peer;
  private long seq;
  /** Where audio chunks go: straight to the socket, or through a model of the web client's send queue. */
  private java.util.function.Consumer<String> audioOut;

  private FakeClient(Peer peer) {
    this.peer = peer;
    this.audioOut = peer::send;
  }

  /** Sends every later audio chunk (final ones included) through {@code out} instead of straight to the socket. */
  void sendAudioVia(java.util.function.Consumer<String> out) {
    this.audioOut = out;
  }

  static FakeClient connect(int port) {
    return new FakeClient(Peer.connect(port, "/ws/session"));
  }

  static FakeClient connect(String host, int port) {
    return new FakeClient(Peer.connect(host, port, "/ws/session"));
  }

  /** One-way {@code session_init} exactly as the web client sends it; returns the session id. */
  String initOneWay(String src, String tgt) {
    peer.send("{\"type\":\"session_init\",\"client_version\":\"web-client-v1.0\",\"platform\":\"web\",\"src_lang\":\"" + src
        + "\",\"tgt_lang\":\"" + tgt + "\",\"dialect\":null,\"features\":{},\"pairing_code\":null,\"mode\":\"one_way\","
        + "\"trace_id\":\"5b1f0a52-8f7e-4c7b-9d0f-3a1e2b4c5d6e\",\"tenant_id\":null}");
    return peer.await("session_init_ack").path("session_id").asText();
  }

  String initTwoWay(String a, String b) {
    peer.send("{\"type\":\"session_init\",\"client_version\":\"web-client-v1.0\",\"platform\":\"web\",\"src_lang\":\"auto\","
        + "\"tgt_lang\":\"" + b + "\",\"dialect\":null,\"features\":{},\"pairing_code\":null,\"mode\":\"two_way_auto\",\"lang_a\":\""
        + a + "\",\"lang_b\":\"" + b + "\",\"auto_langs\":[\"" + a + "\",\"" + b + "\"],"
        + "\"trace_id\":\"0d9c2e7a-1b3f-4a6e-8c2d-7f5e4b3a2c1d\",\"tenant_id\":null}");
    return peer.await("session_init_ack").path("session_id").asText();
  }

  /** One 256 ms recorder frame: 13 Opus Plan A packets of 60 bytes, length-prefixed. */
  static byte[] opusFrame(int marker) {
    byte[] b = new byte[13 * 62];
    for (int p = 0; p < 13; p++) {
      b[p * 62] = 60;
      b[p * 62 + 1] = 0;
      for (int i = 2; i < 62; i++) b[p * 62 + i] = (byte) (marker + i);
    }
    return b;
  }

  /** A recorder frame whose first packet carries {@code tag} (4 bytes, big-endian): a node can tell utterances apart. */
  static byte[] taggedFrame(int tag) {
    byte[] b = opusFrame(tag);
    b[2] = (byte) (tag >>> 24);
    b[3] = (byte) (tag >>> 16);
    b[4] = (byte) (tag >>> 8);
    b[5] = (byte) tag;
    return b;
  }

  /** The tag of {@link #taggedFrame} at the start of an utterance's audio (base64, as in job_assign). */
  static int tagOf(String audioBase64) {
    byte[] a = Base64.getDecoder().decode(audioBase64);
    return ((a[2] & 0xff) << 24) | ((a[3] & 0xff) << 16) | ((a[4] & 0xff) << 8) | (a[5] & 0xff);
  }

  void chunk(String sessionId, byte[] audio) {
    audioOut.accept("{\"type\":\"audio_chunk\",\"session_id\":\"" + sessionId + "\",\"seq\":" + (seq++)
        + ",\"is_final\":false,\"payload\":\"" + Base64.getEncoder().encodeToString(audio) + "\"}");
  }

  /** The final chunk as the web client sends it on the send button or after 3 s of silence. */
  void finalChunk(String sessionId) {
    audioOut.accept("{\"type\":\"audio_chunk\",\"session_id\":\"" + sessionId + "\",\"seq\":" + (seq++)
        + ",\"is_final\":true,\"payload\":\"\"}");
  }

  void heartbeat(String sessionId) {
    peer.send("{\"type\":\"client_heartbeat\",\"session_id\":\"" + sessionId + "\",\"timestamp\":1767225630000}");
  }

  /** One utterance: one recorder frame, then the final chunk (the send button). */
  void speak(String sessionId, int marker) {
    chunk(sessionId, opusFrame(marker));
    finalChunk(sessionId);
  }

  JsonNode awaitResult(String sessionId) {
    return peer.await("translation_result", m -> sessionId.equals(m.path("session_id").asText()));
  }

  void close() {
    peer.close();
  }
}
