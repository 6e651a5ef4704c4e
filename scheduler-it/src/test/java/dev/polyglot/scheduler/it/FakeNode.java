package dev.polyglot.scheduler.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** A fake node agent speaking exactly the JSON of PROTOCOL.md §7, as lingua's real agent sends it. */
final class FakeNode {
  final Peer peer;
  String nodeId;

  FakeNode(Peer peer) {
    this.peer = peer;
  }

  static FakeNode connect(int port) {
    return new FakeNode(Peer.connect(port, "/ws/node"));
  }

  static FakeNode connect(String host, int port) {
    return new FakeNode(Peer.connect(host, port, "/ws/node"));
  }

  /** Connects, registers (id null = let the scheduler choose), heartbeats once and returns when acked. */
  static FakeNode ready(int port, List<String> languages) {
    FakeNode n = connect(port);
    n.register(null, languages);
    n.heartbeat(10, 0);
    n.peer.await("node_status", m -> "ready".equals(m.path("status").asText()));
    return n;
  }

  /** {@code node_register} exactly as PROTOCOL.md §7.1 shows the real agent sending it. */
  static String registerJson(String nodeId, List<String> languages, boolean gpu) {
    return dev.polyglot.scheduler.bench.RigNode.registerJson(nodeId, languages, gpu);
  }

  /** Like {@link #ready}, as the January 2026 agent registers (wire dialect {@code 2026-01}). */
  static FakeNode readyJanuary(int port, List<String> languages) {
    FakeNode n = connect(port);
    n.peer.send(dev.polyglot.scheduler.bench.RigNode.registerJsonJanuary(null, languages));
    n.nodeId = n.peer.await("node_register_ack").path("node_id").asText();
    n.heartbeat(10, 0);
    n.peer.await("node_status", m -> "ready".equals(m.path("status").asText()));
    return n;
  }

  /** Registers and waits for the ack; returns the node id. */
  String register(String id, List<String> languages) {
    peer.send(registerJson(id, languages, true));
    nodeId = peer.await("node_register_ack").path("node_id").asText();
    return nodeId;
  }

  void heartbeat(double cpu, int running) {
    peer.send("{\"type\":\"node_heartbeat\",\"node_id\":\"" + nodeId + "\",\"timestamp\":1767225615000,"
        + "\"resource_usage\":{\"cpu_percent\":" + cpu + ",\"gpu_percent\":41.0,\"gpu_mem_percent\":37.2,\"mem_percent\":48.1,\"running_jobs\":" + running + "},"
        + "\"processing_metrics\":{\"serviceEfficiencies\":{\"faster-whisper-vad\":11.8}}}");
  }

  /**
   * Heartbeats every {@code everyMs} on a daemon thread until closed, as the real agent does every 15 s: the node
   * entity reports itself to the instance snapshots at least once per snapshot interval only while it hears from it.
   */
  void keepHeartbeating(long everyMs) {
    Thread t = new Thread(() -> {
      while (!peer.closed.isDone()) {
        try {
          Thread.sleep(everyMs);
          if (!peer.closed.isDone()) heartbeat(10, 0);
        } catch (Exception e) {
          return;
        }
      }
    }, "fake-node-heartbeat-" + nodeId);
    t.setDaemon(true);
    t.start();
  }

  JsonNode awaitJob() {
    return peer.await("job_assign");
  }

  /** A success exactly as the real agent sends it. */
  void succeed(JsonNode job, String asr, String translated) {
    peer.send("{\"type\":\"job_result\",\"job_id\":\"" + job.path("job_id").asText() + "\",\"attempt_id\":"
        + job.path("attempt_id").asInt() + ",\"node_id\":\"" + nodeId + "\",\"session_id\":\"" + job.path("session_id").asText()
        + "\",\"utterance_index\":" + job.path("utterance_index").asInt() + ",\"success\":true,\"text_asr\":\"" + asr
        + "\",\"text_translated\":\"" + translated + "\",\"tts_audio\":\"TAB4gN5v0pQ=\",\"tts_format\":\"opus\","
        + "\"extra\":{\"service_timings\":{\"asr_ms\":412,\"nmt_ms\":96,\"tts_ms\":305,\"total_ms\":851},\"language_probability\":0.98},"
        + "\"processing_time_ms\":870,\"trace_id\":\"" + job.path("trace_id").asText() + "\"}");
  }

  void empty(JsonNode job, String reason, int attemptId) {
    peer.send("{\"type\":\"job_result\",\"job_id\":\"" + job.path("job_id").asText() + "\",\"attempt_id\":" + attemptId
        + ",\"node_id\":\"" + nodeId + "\",\"session_id\":\"" + job.path("session_id").asText() + "\",\"utterance_index\":"
        + job.path("utterance_index").asInt() + ",\"success\":true,\"text_asr\":\"\",\"text_translated\":\"\",\"tts_audio\":\"\","
        + "\"tts_format\":\"opus\",\"extra\":{\"reason\":\"" + reason + "\"},\"processing_time_ms\":120,\"trace_id\":\""
        + job.path("trace_id").asText() + "\"}");
  }

  void fail(JsonNode job, String code, String message) {
    peer.send("{\"type\":\"job_result\",\"job_id\":\"" + job.path("job_id").asText() + "\",\"attempt_id\":"
        + job.path("attempt_id").asInt() + ",\"node_id\":\"" + nodeId + "\",\"session_id\":\"" + job.path("session_id").asText()
        + "\",\"utterance_index\":" + job.path("utterance_index").asInt() + ",\"success\":false,\"processing_time_ms\":35,"
        + "\"error\":{\"code\":\"" + code + "\",\"message\":\"" + message + "\"},\"trace_id\":\"" + job.path("trace_id").asText() + "\"}");
  }

  /** job_id → the tag of its audio ({@link FakeClient#taggedFrame}), for every job this node was given. */
  final java.util.Map<String, Integer> tags = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Answers every job, after {@code delayMs}, with {@code text_asr} naming the tag its audio starts with, so a client
   * can count outcomes by content; records the tag of every job it was given.
   */
  void autoRespondWithTags(long delayMs) {
    Thread t = new Thread(() -> {
      while (!peer.closed.isDone()) {
        try {
          JsonNode job = awaitJob();
          int tag = FakeClient.tagOf(job.path("audio").asText());
          tags.put(job.path("job_id").asText(), tag);
          Thread.sleep(delayMs);
          succeed(job, "tag:" + tag, "translation " + job.path("attempt_id").asInt());
        } catch (AssertionError idle) {
          // no job within the wait: keep waiting
        } catch (Exception e) {
          return;
        }
      }
    }, "fake-node-" + nodeId);
    t.setDaemon(true);
    t.start();
  }

  /** Answers every job with a success after {@code delayMs}, on a daemon thread, until closed. */
  void autoRespond(long delayMs) {
    Thread t = new Thread(() -> {
      while (!peer.closed.isDone()) {
        try {
          JsonNode job = awaitJob();
          Thread.sleep(delayMs);
          succeed(job, "text " + job.path("utterance_index").asInt(), "translation " + job.path("attempt_id").asInt());
        } catch (AssertionError idle) {
          // no job within the wait: keep waiting
        } catch (Exception e) {
          return;
        }
      }
    }, "fake-node-" + nodeId);
    t.setDaemon(true);
    t.start();
  }

  void close() {
    peer.close();
  }
}
