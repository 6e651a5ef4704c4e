package dev.polyglot.scheduler.wire;

import dev.polyglot.scheduler.api.CapabilityByType;
import dev.polyglot.scheduler.api.ExtraResult;
import dev.polyglot.scheduler.api.FeatureFlags;
import dev.polyglot.scheduler.api.HardwareInfo;
import dev.polyglot.scheduler.api.InstalledModel;
import dev.polyglot.scheduler.api.InstalledService;
import dev.polyglot.scheduler.api.JobError;
import dev.polyglot.scheduler.api.LanguageCapabilities;
import dev.polyglot.scheduler.api.LanguagePair;
import dev.polyglot.scheduler.api.PipelineConfig;
import dev.polyglot.scheduler.api.ResourceUsage;
import dev.polyglot.scheduler.api.SegmentsMeta;
import dev.polyglot.scheduler.api.ServiceTimings;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonTypeName;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import static dev.polyglot.scheduler.wire.InputLimits.Kind.BLOB;
import static dev.polyglot.scheduler.wire.InputLimits.Kind.ID;
import static dev.polyglot.scheduler.wire.InputLimits.Kind.LANGUAGE;
import static dev.polyglot.scheduler.wire.InputLimits.Kind.NAME;
import static dev.polyglot.scheduler.wire.InputLimits.Kind.TEXT;

/**
 * JSON codec of both WebSocket protocols (§4). Thread-safe; share one instance.
 *
 * <p>Decoding is lenient (§4.1): the frame is read as a tree under tight {@link Limits} and mapped
 * by hand, so unknown fields are ignored, {@code null} equals absent, wrongly typed optional fields
 * are dropped and reported in {@link Decoded.Ok#ignoredFields()}, and array elements lacking their
 * own required fields are dropped. Any rejection is a {@link Decoded.Failed} with code
 * {@code INVALID_MESSAGE}; decoding never throws.
 *
 * <p>Encoding is strict (§4.2): {@code type} first, snake_case names, no {@code null} ever,
 * integers as integers, byte arrays as padded standard base64.
 *
 * <p>Every field is held to its {@link InputLimits} cap: over it, the message is rejected naming the field.
 */
public final class WireCodec {

  public static final String INVALID_MESSAGE = "INVALID_MESSAGE";

  /** Jackson read constraints, tighter than Jackson's defaults. */
  public record Limits(int maxNestingDepth, int maxNumberLength, int maxStringLength, long maxDocumentLength) {
    public static final Limits DEFAULT = new Limits(64, 64, 24_000_000, 25_000_000L);
  }

  private final ObjectMapper reader;
  private final ObjectMapper writer;
  private final long maxDocumentLength;
  private final InputLimits inputLimits;
  private final Map<Class<?>, String> typeNames = new ConcurrentHashMap<>();

  public WireCodec() {
    this(Limits.DEFAULT);
  }

  public WireCodec(Limits limits) {
    this(limits, InputLimits.DEFAULT);
  }

  public WireCodec(InputLimits inputLimits) {
    this(Limits.DEFAULT, inputLimits);
  }

  public WireCodec(Limits limits, InputLimits inputLimits) {
    this.inputLimits = inputLimits;
    StreamReadConstraints src = StreamReadConstraints.builder()
        .maxNestingDepth(limits.maxNestingDepth())
        .maxNumberLength(limits.maxNumberLength())
        .maxStringLength(limits.maxStringLength())
        .maxDocumentLength(limits.maxDocumentLength())
        .build();
    this.maxDocumentLength = limits.maxDocumentLength();
    this.reader = JsonMapper.builder(JsonFactory.builder().streamReadConstraints(src).build())
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .build();
    this.writer = JsonMapper.builder()
        .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
        .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.NON_NULL))
        .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
        .build();
  }

  // ------------------------------------------------------------------ decoding

  public Decoded<NodeInbound> decodeNode(String text) {
    return decode(text, this::node);
  }

  public Decoded<SessionInbound> decodeSession(String text) {
    return decode(text, this::session);
  }

  private interface Mapping<T> {
    /** Returns null for an unknown type. */
    T map(String type, FieldReader r);
  }

  private <T> Decoded<T> decode(String text, Mapping<T> mapping) {
    if (text == null) return new Decoded.Failed<>(INVALID_MESSAGE, "Invalid message format: empty frame");
    if (text.length() > maxDocumentLength) {
      return new Decoded.Failed<>(INVALID_MESSAGE,
          "Invalid message format: document length exceeds the maximum allowed (" + maxDocumentLength + ")");
    }
    JsonNode root;
    try {
      root = reader.readTree(text);
    } catch (JacksonException e) {
      return new Decoded.Failed<>(INVALID_MESSAGE, "Invalid message format: " + e.getOriginalMessage());
    } catch (RuntimeException e) { // defensive: never let a frame kill the connection
      return new Decoded.Failed<>(INVALID_MESSAGE, "Invalid message format: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      return new Decoded.Failed<>(INVALID_MESSAGE, "Invalid message format: expected a JSON object");
    }
    JsonNode t = root.get("type");
    if (t == null || t.isNull()) {
      return new Decoded.Failed<>(INVALID_MESSAGE, "unknown message type: missing field type");
    }
    String type = t.isTextual() ? t.textValue() : t.toString();
    List<String> ignored = new ArrayList<>();
    try {
      T msg = t.isTextual() ? mapping.map(type, new FieldReader((ObjectNode) root, "", ignored, inputLimits)) : null;
      if (msg == null) return new Decoded.Failed<>(INVALID_MESSAGE, "unknown message type: " + echo(type));
      return new Decoded.Ok<>(msg, ignored);
    } catch (FieldReader.Reject r) {
      return new Decoded.Failed<>(INVALID_MESSAGE, "Invalid message format: " + r.getMessage());
    }
  }

  /** An unknown type is named in the reply, cut to {@value #TYPE_ECHO_CHARS} characters (never echoed whole). */
  private static String echo(String type) {
    return type.length() <= TYPE_ECHO_CHARS ? type : type.substring(0, TYPE_ECHO_CHARS) + "...";
  }

  private static final int TYPE_ECHO_CHARS = 64;

  /** The caps this codec enforces. */
  public InputLimits inputLimits() {
    return inputLimits;
  }

  // ---- node socket

  private NodeInbound node(String type, FieldReader r) {
    InputLimits l = r.limits();
    return switch (type) {
      case "node_register" -> new NodeInbound.Register(
          r.optString("node_id", ID),
          r.optString("capability_schema_version", NAME),
          r.optObject("hardware", WireCodec::hardware),
          r.optString("version", NAME),
          r.optString("platform", NAME),
          r.optList("installed_services", l.maxListEntries(), WireCodec::service),
          r.optList("capability_by_type", l.maxListEntries(), WireCodec::capability),
          r.optList("installed_models", l.maxListEntries(), WireCodec::model),
          r.optObject("features_supported", WireCodec::features),
          r.optBool("accept_public_jobs"),
          r.optStrings("advanced_features", NAME, l.maxListEntries()),
          r.optObject("language_capabilities", WireCodec::languages));
      case "node_heartbeat" -> new NodeInbound.Heartbeat(
          r.optString("node_id", ID),
          r.reqObject("resource_usage", x -> new ResourceUsage(
              x.reqDouble("cpu_percent"), x.reqDouble("mem_percent"), x.reqInt("running_jobs"),
              x.optDouble("gpu_percent"), x.optDouble("gpu_mem_percent"), x.optInt("gpu_queue_length"))),
          r.optLong("timestamp"),
          r.optList("installed_services", l.maxListEntries(), WireCodec::service),
          r.optList("capability_by_type", l.maxListEntries(), WireCodec::capability),
          r.optList("installed_models", l.maxListEntries(), WireCodec::model),
          r.optObject("language_capabilities", WireCodec::languages),
          r.optJsonObject("rerun_metrics"),
          r.optJsonObject("asr_metrics"),
          r.optJsonObject("processing_metrics"));
      case "job_result" -> new NodeInbound.JobResult(
          r.reqString("job_id", ID),
          r.reqInt("attempt_id"),
          r.reqBool("success"),
          r.optString("node_id", ID),
          r.optString("session_id", ID),
          r.optInt("utterance_index"),
          r.optString("trace_id", ID),
          r.optString("text_asr", TEXT),
          r.optString("text_translated", TEXT),
          r.optString("tts_audio", BLOB),
          r.optString("tts_format", NAME),
          r.optObject("extra", WireCodec::extra),
          r.optInt("processing_time_ms"),
          r.optObject("error", x -> new JobError(x.reqString("code", TEXT), x.reqString("message", TEXT), x.optJson("details"))),
          r.optLong("node_completed_at_ms"),
          r.optString("asr_quality_level", NAME),
          r.optStrings("reason_codes", NAME, l.maxListEntries()),
          r.optDouble("quality_score"),
          r.optInt("rerun_count"),
          r.optObject("segments_meta", x -> new SegmentsMeta(
              x.reqInt("count"), x.reqDouble("max_gap"), x.reqDouble("avg_duration"))));
      case "asr_partial" -> new NodeInbound.AsrPartial(
          r.reqString("job_id", ID), r.reqString("text", TEXT), r.optBool("is_final", false),
          r.optString("node_id", ID), r.optString("session_id", ID), r.optInt("utterance_index"),
          r.optString("trace_id", ID));
      case "job_ack" -> new NodeInbound.JobAck(
          r.reqString("job_id", ID), r.reqInt("attempt_id"),
          r.optString("node_id", ID), r.optString("session_id", ID), r.optString("trace_id", ID));
      case "job_started" -> new NodeInbound.JobStarted(
          r.reqString("job_id", ID), r.reqInt("attempt_id"),
          r.optString("node_id", ID), r.optString("session_id", ID), r.optString("trace_id", ID));
      case "node_error" -> new NodeInbound.NodeError(
          r.optString("node_id", ID), r.reqString("code", NAME), r.reqString("message", TEXT), r.optJson("details"));
      case "request_pairing_code" -> new NodeInbound.Ignored(type);
      default -> null;
    };
  }

  private static HardwareInfo hardware(FieldReader x) {
    Integer mem = x.optInt("memory_gb");
    return new HardwareInfo(x.optInt("cpu_cores"), mem == null ? 0 : mem,
        x.optList("gpus", x.limits().maxListEntries(), g -> new HardwareInfo.Gpu(g.optString("name", NAME), g.optInt("memory_gb"))));
  }

  private static InstalledService service(FieldReader x) {
    return new InstalledService(
        x.reqString("service_id", NAME), x.reqString("type", NAME), x.reqString("status", NAME),
        x.optString("device", NAME), x.optString("version", NAME), x.optString("model_id", NAME),
        x.optString("engine", NAME), x.optString("last_error", TEXT), x.optInt("mem_mb"), x.optInt("warmup_ms"));
  }

  private static CapabilityByType capability(FieldReader x) {
    int max = x.limits().maxListEntries();
    return new CapabilityByType(x.reqString("type", NAME), x.reqBool("ready"), x.optString("reason", TEXT),
        x.optStrings("ready_impl_ids", NAME, max), x.optStrings("devices", NAME, max));
  }

  private static InstalledModel model(FieldReader x) {
    return new InstalledModel(x.reqString("model_id", NAME), x.reqString("kind", NAME), x.optString("version", NAME),
        x.optString("src_lang", NAME), x.optString("tgt_lang", NAME), x.optString("dialect", NAME), x.optBool("enabled"));
  }

  /** Language lists make pools: each at most {@code maxLanguages}, pairs at most {@code maxLanguagePairs}. */
  private static LanguageCapabilities languages(FieldReader x) {
    int max = x.limits().maxLanguages();
    return new LanguageCapabilities(
        x.optStrings("asr_languages", LANGUAGE, max), x.optStrings("tts_languages", LANGUAGE, max),
        x.optStrings("semantic_languages", LANGUAGE, max),
        x.optBool("semantic_core_ready"),
        x.optList("supported_language_pairs", x.limits().maxLanguagePairs(),
            p -> new LanguagePair(p.reqString("src", LANGUAGE), p.reqString("tgt", LANGUAGE))),
        x.optJsonArray("nmt_capabilities"));
  }

  private static FeatureFlags features(FieldReader x) {
    return new FeatureFlags(x.optBool("emotion_detection"), x.optBool("voice_style_detection"),
        x.optBool("speech_rate_detection"), x.optBool("speech_rate_control"),
        x.optBool("speaker_identification"), x.optBool("persona_adaptation"));
  }

  private static ExtraResult extra(FieldReader x) {
    return new ExtraResult(x.optString("emotion", NAME), x.optDouble("speech_rate"), x.optString("voice_style", NAME),
        x.optObject("service_timings", WireCodec::timings), x.optDouble("language_probability"),
        x.optDoubleMap("language_probabilities"), x.optString("reason", TEXT)); // free text from the node: relayed, counted as other
  }

  private static ServiceTimings timings(FieldReader x) {
    return new ServiceTimings(x.optInt("asr_ms"), x.optInt("nmt_ms"), x.optInt("tts_ms"), x.optInt("total_ms"));
  }

  private static PipelineConfig pipeline(FieldReader x) {
    return PipelineConfig.withDefaults(x.optBool("use_asr"), x.optBool("use_nmt"), x.optBool("use_tts"),
        x.optBool("use_semantic"), x.optBool("use_tone"), x.optBool("use_phonetic"), x.optBool("use_lexicon"));
  }

  // ---- session socket

  private SessionInbound session(String type, FieldReader r) {
    InputLimits l = r.limits();
    return switch (type) {
      case "session_init" -> new SessionInbound.Init(
          r.reqString("src_lang", LANGUAGE), r.reqString("tgt_lang", LANGUAGE),
          r.optString("client_version", NAME), r.optString("platform", NAME), r.optString("mode", NAME),
          r.optString("lang_a", LANGUAGE), r.optString("lang_b", LANGUAGE),
          r.optStrings("auto_langs", LANGUAGE, l.maxLanguages()),
          r.optString("dialect", NAME), r.optObject("features", WireCodec::features),
          r.optString("tenant_id", ID), r.optString("trace_id", ID), r.optString("pairing_code", NAME),
          r.optBool("enable_streaming_asr"), r.optInt("partial_update_interval_ms"));
      case "audio_chunk" -> audioChunk(r);
      case "utterance" -> {
        String sessionId = r.reqString("session_id", ID);
        int index = r.reqInt("utterance_index");
        byte[] audio = r.reqBase64("audio", l.maxAudioBytes());
        if (audio.length == 0) throw new FieldReader.Reject("field audio: must not be empty", false);
        Integer sampleRate = r.optInt("sample_rate");
        PipelineConfig pipeline = r.optObject("pipeline", WireCodec::pipeline);
        yield new SessionInbound.Utterance(
            sessionId, index, audio, r.optString("audio_format", NAME),
            sampleRate == null ? 16000 : sampleRate,
            r.optBool("manual_cut", false),
            r.optString("src_lang", LANGUAGE), r.optString("tgt_lang", LANGUAGE), r.optString("dialect", NAME),
            r.optObject("features", WireCodec::features),
            pipeline == null ? PipelineConfig.streamingDefault() : pipeline,
            r.optString("trace_id", ID), r.optString("mode", NAME), r.optString("lang_a", LANGUAGE),
            r.optString("lang_b", LANGUAGE), r.optStrings("auto_langs", LANGUAGE, l.maxLanguages()),
            r.optBool("enable_streaming_asr"), r.optInt("partial_update_interval_ms"));
      }
      case "client_heartbeat" -> new SessionInbound.ClientHeartbeat(r.reqString("session_id", ID), r.optLong("timestamp"));
      case "session_close" -> new SessionInbound.Close(r.reqString("session_id", ID), r.optString("reason", NAME));
      case "tts_started" -> new SessionInbound.TtsStarted(r.reqString("session_id", ID), r.optString("group_id", ID),
          r.optString("trace_id", ID), r.optLong("ts_start_ms"));
      case "tts_play_ended" -> new SessionInbound.TtsPlayEnded(r.reqString("session_id", ID),
          r.optString("group_id", ID), r.optString("trace_id", ID), r.optLong("ts_end_ms"));
      case "room_create" -> new SessionInbound.RoomCreate(
          r.optLong("client_ts"), r.optString("display_name", NAME), r.optString("preferred_lang", LANGUAGE));
      case "room_join" -> new SessionInbound.RoomJoin(
          r.reqString("room_code", ID), r.optString("display_name", NAME), r.optString("preferred_lang", LANGUAGE));
      case "room_leave" -> new SessionInbound.RoomLeave(r.reqString("room_code", ID));
      case "room_raw_voice_preference" -> new SessionInbound.RoomRawVoicePreference(
          r.reqString("room_code", ID), r.reqString("target_session_id", ID), r.reqBool("receive_raw_voice"));
      case "webrtc_offer", "webrtc_answer" -> new SessionInbound.WebrtcSignal(
          type, r.reqString("room_code", ID), r.reqString("to", ID), r.reqJson("sdp"), null);
      case "webrtc_ice" -> new SessionInbound.WebrtcSignal(
          type, r.reqString("room_code", ID), r.reqString("to", ID), null, r.reqJson("candidate"));
      default -> null;
    };
  }

  private static SessionInbound.AudioChunk audioChunk(FieldReader r) {
    String sessionId = r.reqString("session_id", ID);
    boolean isFinal = r.optBool("is_final", false);
    String b64 = r.optString("payload", BLOB);
    byte[] payload = new byte[0];
    boolean invalid = false;
    if (b64 != null && !b64.isEmpty()) {
      try {
        payload = Base64.getDecoder().decode(b64);
      } catch (IllegalArgumentException e) {
        invalid = true;
      }
    }
    return new SessionInbound.AudioChunk(sessionId, isFinal, payload, invalid, r.optLong("seq"), r.optLong("client_timestamp_ms"));
  }

  // ------------------------------------------------------------------ encoding

  public String encode(NodeOutbound m) {
    return write(m);
  }

  public String encode(SessionOutbound m) {
    return write(m);
  }

  private String write(Object m) {
    ObjectNode body = writer.valueToTree(m);
    ObjectNode out = writer.createObjectNode();
    out.put("type", m instanceof SessionOutbound.WebrtcSignal w ? w.type() : typeName(m.getClass()));
    out.setAll(body);
    try {
      return writer.writeValueAsString(out);
    } catch (JacksonException e) {
      throw new IllegalStateException("cannot encode " + m.getClass().getSimpleName(), e);
    }
  }

  private String typeName(Class<?> c) {
    return typeNames.computeIfAbsent(c, k -> {
      JsonTypeName n = k.getAnnotation(JsonTypeName.class);
      if (n == null) throw new IllegalStateException("no @JsonTypeName on " + k);
      return n.value();
    });
  }
}
