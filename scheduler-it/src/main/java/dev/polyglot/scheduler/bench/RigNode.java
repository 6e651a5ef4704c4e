package dev.polyglot.scheduler.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A fake node agent: registers as PROTOCOL.md §7.1 shows, heartbeats (§7.3) and answers each job_assign (§7.7). */
public final class RigNode {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String REGISTER = registerJson(java.util.List.of("zh", "en"));

  private final RigStats stats;
  private final ScheduledExecutorService timer;
  private final int processingMs;
  private final int slots;
  private final boolean leanHeartbeat;
  private final AtomicInteger running = new AtomicInteger();
  final CompletableFuture<RigNode> ready = new CompletableFuture<>();
  volatile String nodeId;
  Conn conn;

  RigNode(RigStats stats, ScheduledExecutorService timer, int processingMs, int slots, boolean leanHeartbeat) {
    this.stats = stats;
    this.leanHeartbeat = leanHeartbeat;
    this.timer = timer;
    this.processingMs = processingMs;
    this.slots = slots;
  }

  CompletableFuture<RigNode> connect(Conn.Clients clients, String host, int port) {
    return Conn.open(clients, host, port, "/ws/node", this::onMessage).thenCompose(c -> {
      conn = c;
      c.send(REGISTER);
      return ready;
    });
  }

  /** The agent's services and capabilities, as it sends them in {@code node_register} and in every heartbeat. */
  private static final String SERVICES = "["
      + "{\"service_id\":\"faster-whisper-vad\",\"type\":\"asr\",\"device\":\"gpu\",\"status\":\"running\",\"version\":\"2.0.0\"},"
      + "{\"service_id\":\"nmt-m2m100\",\"type\":\"nmt\",\"device\":\"gpu\",\"status\":\"running\",\"version\":\"2.0.0\"},"
      + "{\"service_id\":\"piper-tts\",\"type\":\"tts\",\"device\":\"gpu\",\"status\":\"running\",\"version\":\"2.0.0\"},"
      + "{\"service_id\":\"semantic-repair-en-zh\",\"type\":\"semantic\",\"device\":\"gpu\",\"status\":\"running\",\"version\":\"2.0.0\"},"
      + "{\"service_id\":\"lexicon-intent-cpu\",\"type\":\"lexicon\",\"device\":\"cpu\",\"status\":\"running\",\"version\":\"2.0.0\"}]";
  private static final String CAPABILITIES = "["
      + "{\"type\":\"asr\",\"ready\":true,\"devices\":[\"gpu\"]},{\"type\":\"nmt\",\"ready\":true,\"devices\":[\"gpu\"]},"
      + "{\"type\":\"tts\",\"ready\":true,\"devices\":[\"gpu\"]},{\"type\":\"semantic\",\"ready\":true,\"devices\":[\"gpu\"]},"
      + "{\"type\":\"lexicon\",\"ready\":false,\"devices\":[\"cpu\"]}]";

  /**
   * The lists the real agent repeats in every heartbeat (PROTOCOL.md §7.3: its services, capabilities and languages,
   * unchanged from one heartbeat to the next), as in its {@code node_register}: with them a heartbeat is about 1.5 KB.
   */
  static final String AGENT_LISTS = ",\"installed_services\":" + SERVICES + ",\"capability_by_type\":" + CAPABILITIES + ","
      + "\"installed_models\":[],"
      + "\"language_capabilities\":{\"asr_languages\":[\"zh\",\"en\"],\"tts_languages\":[\"zh\",\"en\"],"
      + "\"semantic_languages\":[\"zh\",\"en\"],\"semantic_core_ready\":true}";

  /** {@code node_heartbeat}: the agent's shape (with its lists, about 1.5 KB) unless {@code lean} (about 330 bytes). */
  public static String heartbeatJson(String nodeId, int running, boolean lean) {
    return "{\"type\":\"node_heartbeat\",\"node_id\":\"" + nodeId + "\",\"timestamp\":" + System.currentTimeMillis()
        + ",\"resource_usage\":{\"cpu_percent\":12.5,\"gpu_percent\":41.0,\"gpu_mem_percent\":37.2,\"mem_percent\":48.1,\"running_jobs\":"
        + running + "}" + (lean ? "" : AGENT_LISTS)
        + ",\"processing_metrics\":{\"serviceEfficiencies\":{\"faster-whisper-vad\":11.8,\"piper-tts\":6.2}}}";
  }

  void heartbeat() {
    if (nodeId == null) return;
    stats.heartbeatsQueued.increment();
    conn.send(heartbeatJson(nodeId, running.get(), leanHeartbeat), stats.heartbeatsWritten);
  }

  private void onMessage(String text) {
    JsonNode m = stats.parse(text);
    if (m == null) return;
    switch (m.path("type").asText()) {
      case "node_register_ack" -> {
        nodeId = m.path("node_id").asText();
        heartbeat(); // as the real agent does on the ack
      }
      case "node_status" -> {
        if ("ready".equals(m.path("status").asText())) ready.complete(this);
      }
      case "job_assign" -> {
        stats.onAssign(m.path("session_id").asText(), m.path("utterance_index").asInt(), m.path("attempt_id").asInt(), nodeId);
        stats.onRunning(running.incrementAndGet(), slots);
        if (processingMs <= 0) answer(m);
        else timer.schedule(() -> answer(m), processingMs, TimeUnit.MILLISECONDS);
      }
      case "error" -> stats.onOtherError("node:" + m.path("code").asText());
      default -> { }
    }
  }

  private void answer(JsonNode job) {
    running.decrementAndGet();
    conn.send("{\"type\":\"job_result\",\"job_id\":\"" + job.path("job_id").asText() + "\",\"attempt_id\":"
        + job.path("attempt_id").asInt() + ",\"node_id\":\"" + nodeId + "\",\"session_id\":\"" + job.path("session_id").asText()
        + "\",\"utterance_index\":" + job.path("utterance_index").asInt() + ",\"success\":true,\"text_asr\":\"今天天气很好\","
        + "\"text_translated\":\"The weather is nice today\",\"tts_audio\":\"TAB4gN5v0pQ=\",\"tts_format\":\"opus\","
        + "\"extra\":{\"service_timings\":{\"asr_ms\":412,\"nmt_ms\":96,\"tts_ms\":305,\"total_ms\":851},\"language_probability\":0.98},"
        + "\"processing_time_ms\":" + processingMs + ",\"trace_id\":\"" + job.path("trace_id").asText() + "\"}");
  }

  void close() {
    if (conn != null) conn.close();
  }

  /** {@code node_register} exactly as PROTOCOL.md §7.1 shows the real agent sending it (id null: first connect). */
  static String registerJson(java.util.List<String> languages) {
    return registerJson(null, languages, true);
  }

  /** The same, reusing a node id learnt earlier, and without GPUs when {@code gpu} is false (the tests use it too). */
  public static String registerJson(String nodeId, java.util.List<String> languages, boolean gpu) {
    String langs = JSON.valueToTree(languages).toString();
    return registerJson(nodeId, gpu, "{\"asr_languages\":" + langs + ",\"tts_languages\":" + langs
        + ",\"semantic_languages\":" + langs + ",\"semantic_core_ready\":true}");
  }

  /**
   * The January 2026 agent's registration (wire dialect {@code 2026-01}): its {@code language_capabilities} lists
   * explicit {@code supported_language_pairs} (every ordered pair of {@code languages}) and {@code nmt_capabilities}.
   */
  public static String registerJsonJanuary(String nodeId, java.util.List<String> languages) {
    String langs = JSON.valueToTree(languages).toString();
    StringBuilder pairs = new StringBuilder();
    for (String s : languages) {
      for (String t : languages) {
        if (s.equals(t)) continue;
        if (pairs.length() > 0) pairs.append(',');
        pairs.append("{\"src\":\"").append(s).append("\",\"tgt\":\"").append(t).append("\"}");
      }
    }
    return registerJson(nodeId, true, "{\"asr_languages\":" + langs + ",\"tts_languages\":" + langs
        + ",\"supported_language_pairs\":[" + pairs + "],\"nmt_capabilities\":[{\"model_id\":\"m2m100\",\"languages\":"
        + langs + "}]}");
  }

  private static String registerJson(String nodeId, boolean gpu, String languageCapabilities) {
    return "{\"type\":\"node_register\",\"node_id\":" + (nodeId == null ? "null" : "\"" + nodeId + "\"")
        + ",\"version\":\"2.0.0\",\"capability_schema_version\":\"2.0\",\"platform\":\"linux\","
        + "\"hardware\":{\"cpu_cores\":16,\"memory_gb\":64"
        + (gpu ? ",\"gpus\":[{\"name\":\"NVIDIA GeForce RTX 4090\",\"memory_gb\":24}]" : "") + "},"
        + "\"installed_models\":[],"
        + "\"installed_services\":" + SERVICES + ",\"capability_by_type\":" + CAPABILITIES + ","
        + "\"features_supported\":{\"emotion_detection\":false,\"voice_style_detection\":false,\"speech_rate_detection\":false,"
        + "\"speech_rate_control\":false,\"speaker_identification\":false,\"persona_adaptation\":false},"
        + "\"accept_public_jobs\":true,"
        + "\"language_capabilities\":" + languageCapabilities + "}";
  }
}
