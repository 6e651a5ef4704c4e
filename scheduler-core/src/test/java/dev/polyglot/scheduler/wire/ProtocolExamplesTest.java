package dev.polyglot.scheduler.wire;

import dev.polyglot.scheduler.api.CapabilityByType;
import dev.polyglot.scheduler.api.ExtraResult;
import dev.polyglot.scheduler.api.FeatureFlags;
import dev.polyglot.scheduler.api.HardwareInfo;
import dev.polyglot.scheduler.api.InstalledService;
import dev.polyglot.scheduler.api.JobError;
import dev.polyglot.scheduler.api.LanguageCapabilities;
import dev.polyglot.scheduler.api.LanguagePair;
import dev.polyglot.scheduler.api.NetworkTimings;
import dev.polyglot.scheduler.api.PipelineConfig;
import dev.polyglot.scheduler.api.ResourceUsage;
import dev.polyglot.scheduler.api.SegmentsMeta;
import dev.polyglot.scheduler.api.ServiceTimings;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every example JSON of PROTOCOL.md, decoded (inbound) or rebuilt and encoded (outbound). */
class ProtocolExamplesTest {

  static final ObjectMapper M = new ObjectMapper();
  static final WireCodec CODEC = new WireCodec();

  static final String AUDIO_B64 = "LAB4gN5v0pQ1cX8u2lqwpY9aUXE="; // stands for "LAB4gN5v0pQ1cX8u2lqw..."
  static final byte[] AUDIO = Base64.getDecoder().decode(AUDIO_B64);
  static final String TTS_B64 = "TAB4gN5v0pQ="; // stands for "TAB4gN5v0pQ..."
  static final String JOB = "job-0b6f3c1e-5d0a-4c59-9a0e-2f3b7f6c1d44";
  static final String TRACE = "5b1f0a52-8f7e-4c7b-9d0f-3a1e2b4c5d6e";

  static <T> T ok(Decoded<?> d, Class<T> type) {
    if (d instanceof Decoded.Failed<?> f) fail("decode failed: " + f.detail());
    Object msg = ((Decoded.Ok<?>) d).message();
    return type.cast(msg);
  }

  static void assertJson(String expected, String actual) {
    try {
      JsonNode e = M.readTree(expected);
      JsonNode a = M.readTree(actual);
      assertEquals(e, a, () -> "expected " + e + "\n but was " + a);
      assertTrue(actual.startsWith("{\"type\":"), "type must come first: " + actual);
    } catch (java.io.IOException ex) {
      throw new AssertionError(ex);
    }
  }

  // ------------------------------------------------------------ node socket, inbound

  static final String NODE_REGISTER = """
      {"type":"node_register","node_id":null,"version":"2.0.0","capability_schema_version":"2.0","platform":"linux",
       "hardware":{"cpu_cores":16,"memory_gb":64,"gpus":[{"name":"NVIDIA GeForce RTX 4090","memory_gb":24}]},
       "installed_models":[],
       "installed_services":[
        {"service_id":"faster-whisper-vad","type":"asr","device":"gpu","status":"running","version":"2.0.0"},
        {"service_id":"nmt-m2m100","type":"nmt","device":"gpu","status":"running","version":"2.0.0"},
        {"service_id":"piper-tts","type":"tts","device":"gpu","status":"running","version":"2.0.0"},
        {"service_id":"semantic-repair-en-zh","type":"semantic","device":"gpu","status":"running","version":"2.0.0"},
        {"service_id":"lexicon-intent-cpu","type":"lexicon","device":"cpu","status":"running","version":"2.0.0"}],
       "capability_by_type":[
        {"type":"asr","ready":true,"devices":["gpu"]},{"type":"nmt","ready":true,"devices":["gpu"]},
        {"type":"tts","ready":true,"devices":["gpu"]},{"type":"semantic","ready":true,"devices":["gpu"]},
        {"type":"lexicon","ready":false,"devices":["cpu"]}],
       "features_supported":{"emotion_detection":false,"voice_style_detection":false,"speech_rate_detection":false,
        "speech_rate_control":false,"speaker_identification":false,"persona_adaptation":false},
       "accept_public_jobs":true,
       "language_capabilities":{"asr_languages":["zh","en"],"tts_languages":["zh","en"],"semantic_languages":["zh","en"],"semantic_core_ready":true}}
      """;

  @Test
  void decodesNodeRegisterExactlyAsTheRealAgentSendsIt() {
    Decoded<NodeInbound> d = CODEC.decodeNode(NODE_REGISTER);
    var r = ok(d, NodeInbound.Register.class);
    assertEquals(List.of(), ((Decoded.Ok<?>) d).ignoredFields());
    assertNull(r.nodeId());
    assertEquals("2.0", r.capabilitySchemaVersion());
    assertEquals("2.0.0", r.version());
    assertEquals("linux", r.platform());
    assertEquals(new HardwareInfo(16, 64, List.of(new HardwareInfo.Gpu("NVIDIA GeForce RTX 4090", 24))), r.hardware());
    assertEquals(1, r.hardware().gpuCount());
    assertEquals(List.of(), r.installedModels());
    assertEquals(5, r.installedServices().size());
    assertEquals(new InstalledService("lexicon-intent-cpu", "lexicon", "running", "cpu", "2.0.0", null, null, null, null, null),
        r.installedServices().get(4));
    assertEquals(5, r.capabilityByType().size());
    assertEquals(new CapabilityByType("lexicon", false, null, null, List.of("cpu")), r.capabilityByType().get(4));
    assertEquals(new FeatureFlags(false, false, false, false, false, false), r.featuresSupported());
    assertEquals(Boolean.TRUE, r.acceptPublicJobs());
    assertNull(r.advancedFeatures());
    assertEquals(new LanguageCapabilities(List.of("zh", "en"), List.of("zh", "en"), List.of("zh", "en"), true, null, null),
        r.languageCapabilities());
  }

  @Test
  void decodesSeedEraLanguagePairsAndNmtCapabilities() {
    String json = """
        {"type":"node_register","language_capabilities":{"supported_language_pairs":[{"src":"ZH","tgt":"en"},{"src":"en","tgt":"zh"}],
         "nmt_capabilities":[{"model_id":"m2m","languages":["zh","en"],"rule":"any_to_any"}]}}
        """;
    var r = ok(CODEC.decodeNode(json), NodeInbound.Register.class);
    assertEquals(List.of(new LanguagePair("zh", "en"), new LanguagePair("en", "zh")),
        r.languageCapabilities().supportedLanguagePairs());
    assertEquals("m2m", r.languageCapabilities().nmtCapabilities().get(0).get("model_id").asText());
    assertNull(r.hardware());
  }

  @Test
  void acceptsSeedEraPairingCodeRequestWithoutReply() {
    assertEquals(new NodeInbound.Ignored("request_pairing_code"),
        ok(CODEC.decodeNode("{\"type\":\"request_pairing_code\",\"node_id\":\"n\"}"), NodeInbound.Ignored.class));
  }

  @Test
  void decodesNodeHeartbeatExample() {
    String json = """
        {"type":"node_heartbeat","node_id":"node-7D21E0AF","timestamp":1767225615000,
         "resource_usage":{"cpu_percent":23.5,"gpu_percent":41.0,"gpu_mem_percent":37.2,"mem_percent":48.1,"running_jobs":1},
         "installed_services":[{"service_id":"faster-whisper-vad","type":"asr","device":"gpu","status":"running","version":"2.0.0"},
          {"service_id":"nmt-m2m100","type":"nmt","device":"gpu","status":"running","version":"2.0.0"},
          {"service_id":"piper-tts","type":"tts","device":"gpu","status":"running","version":"2.0.0"},
          {"service_id":"semantic-repair-en-zh","type":"semantic","device":"gpu","status":"running","version":"2.0.0"}],
         "capability_by_type":[{"type":"asr","ready":true,"devices":["gpu"]},{"type":"nmt","ready":true,"devices":["gpu"]},
          {"type":"tts","ready":true,"devices":["gpu"]},{"type":"semantic","ready":true,"devices":["gpu"]}],
         "language_capabilities":{"asr_languages":["zh","en"],"tts_languages":["zh","en"],"semantic_languages":["zh","en"],"semantic_core_ready":true},
         "processing_metrics":{"serviceEfficiencies":{"faster-whisper-vad":11.8,"piper-tts":6.2}}}
        """;
    var h = ok(CODEC.decodeNode(json), NodeInbound.Heartbeat.class);
    assertEquals("node-7D21E0AF", h.nodeId());
    assertEquals(1767225615000L, h.timestamp());
    assertEquals(new ResourceUsage(23.5, 48.1, 1, 41.0, 37.2, null), h.resourceUsage());
    assertEquals(4, h.installedServices().size());
    assertEquals(4, h.capabilityByType().size());
    assertNull(h.installedModels(), "absent list means unchanged");
    assertNull(h.rerunMetrics());
    assertEquals(11.8, h.processingMetrics().get("serviceEfficiencies").get("faster-whisper-vad").asDouble());
  }

  @Test
  void distinguishesAbsentListFromExplicitEmptyListInHeartbeat() {
    var h = ok(CODEC.decodeNode("""
        {"type":"node_heartbeat","resource_usage":{"cpu_percent":1,"mem_percent":2,"running_jobs":0},
         "installed_services":[],"capability_by_type":null}"""), NodeInbound.Heartbeat.class);
    assertEquals(List.of(), h.installedServices());
    assertNull(h.capabilityByType());
    assertNull(h.languageCapabilities());
    assertEquals(new ResourceUsage(1, 2, 0, null, null, null), h.resourceUsage());
  }

  @Test
  void decodesSuccessfulJobResultAsTheRealAgentSendsIt() {
    String json = """
        {"type":"job_result","job_id":"job-0b6f3c1e-5d0a-4c59-9a0e-2f3b7f6c1d44","attempt_id":1,"node_id":"node-7D21E0AF","session_id":"s-3F9A0C1B","utterance_index":3,
         "success":true,"text_asr":"今天天气很好","text_translated":"The weather is nice today","tts_audio":"TAB4gN5v0pQ=","tts_format":"opus",
         "extra":{"service_timings":{"asr_ms":412,"nmt_ms":96,"tts_ms":305,"total_ms":851},"language_probability":0.98},
         "processing_time_ms":870,"trace_id":"5b1f0a52-8f7e-4c7b-9d0f-3a1e2b4c5d6e"}
        """;
    var r = ok(CODEC.decodeNode(json), NodeInbound.JobResult.class);
    assertEquals(JOB, r.jobId());
    assertEquals(1, r.attemptId());
    assertTrue(r.success());
    assertEquals("node-7D21E0AF", r.nodeId());
    assertEquals("s-3F9A0C1B", r.sessionId());
    assertEquals(3, r.utteranceIndex());
    assertEquals("今天天气很好", r.textAsr());
    assertEquals("The weather is nice today", r.textTranslated());
    assertEquals(TTS_B64, r.ttsAudio());
    assertEquals("opus", r.ttsFormat());
    assertEquals(new ExtraResult(null, null, null, new ServiceTimings(412, 96, 305, 851), 0.98, null, null), r.extra());
    assertEquals(870, r.processingTimeMs());
    assertEquals(TRACE, r.traceId());
    assertNull(r.error());
  }

  @Test
  void decodesFailedJobResultsWithProcessingErrorAndModelNotAvailable() {
    String processing = """
        {"type":"job_result","job_id":"job-0b6f3c1e-5d0a-4c59-9a0e-2f3b7f6c1d44","attempt_id":1,"node_id":"node-7D21E0AF","session_id":"s-3F9A0C1B","utterance_index":3,
         "success":false,"processing_time_ms":35,"error":{"code":"PROCESSING_ERROR","message":"SEM_REPAIR_TIMEOUT: semantic repair did not answer"},"trace_id":"5b1f0a52-8f7e-4c7b-9d0f-3a1e2b4c5d6e"}
        """;
    String missing = """
        {"type":"job_result","job_id":"job-0b6f3c1e-5d0a-4c59-9a0e-2f3b7f6c1d44","attempt_id":1,"node_id":"node-7D21E0AF","session_id":"s-3F9A0C1B","utterance_index":3,
         "success":false,"processing_time_ms":4,"error":{"code":"MODEL_NOT_AVAILABLE","message":"Service piper-tts@2.0.0 is not available: not installed",
         "details":{"service_id":"piper-tts","service_version":"2.0.0","reason":"not installed"}},"trace_id":"5b1f0a52-8f7e-4c7b-9d0f-3a1e2b4c5d6e"}
        """;
    var p = ok(CODEC.decodeNode(processing), NodeInbound.JobResult.class);
    assertFalse(p.success());
    assertEquals(35, p.processingTimeMs());
    assertEquals(new JobError("PROCESSING_ERROR", "SEM_REPAIR_TIMEOUT: semantic repair did not answer", null), p.error());
    var m = ok(CODEC.decodeNode(missing), NodeInbound.JobResult.class);
    assertEquals("MODEL_NOT_AVAILABLE", m.error().code());
    assertEquals("piper-tts", m.error().details().get("service_id").asText());
    assertNull(m.textAsr());
  }

  @Test
  void decodesAsrEmptyAcknowledgement() {
    String json = """
        {"type":"job_result","job_id":"job-1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f","attempt_id":1,"node_id":"node-7D21E0AF","session_id":"s-3F9A0C1B","utterance_index":4,
         "success":true,"text_asr":"","text_translated":"","tts_audio":"","tts_format":"opus","extra":{"reason":"ASR_EMPTY"},"processing_time_ms":120,"trace_id":"5b1f0a52-8f7e-4c7b-9d0f-3a1e2b4c5d6e"}
        """;
    var r = ok(CODEC.decodeNode(json), NodeInbound.JobResult.class);
    assertEquals("ASR_EMPTY", r.extra().reason());
    assertEquals("", r.textAsr());
    assertEquals("", r.ttsAudio());
    assertEquals(4, r.utteranceIndex());
  }

  @Test
  void decodesPiggyBackedNoTextAssignedAcknowledgementsWithTheMainAttempt() {
    String five = """
        {"type":"job_result","job_id":"job-aaaa0005-0000-4000-8000-000000000005","attempt_id":2,"node_id":"node-7D21E0AF","session_id":"s-3F9A0C1B","utterance_index":5,
         "success":true,"text_asr":"","text_translated":"","tts_audio":"","tts_format":"opus","extra":{"reason":"NO_TEXT_ASSIGNED"},"processing_time_ms":2210,"trace_id":"5b1f0a52-8f7e-4c7b-9d0f-3a1e2b4c5d6e"}
        """;
    String six = """
        {"type":"job_result","job_id":"job-aaaa0006-0000-4000-8000-000000000006","attempt_id":2,"node_id":"node-7D21E0AF","session_id":"s-3F9A0C1B","utterance_index":6,
         "success":true,"text_asr":"","text_translated":"","tts_audio":"","tts_format":"opus","extra":{"reason":"NO_TEXT_ASSIGNED"},"processing_time_ms":2210,"trace_id":"5b1f0a52-8f7e-4c7b-9d0f-3a1e2b4c5d6e"}
        """;
    var a = ok(CODEC.decodeNode(five), NodeInbound.JobResult.class);
    var b = ok(CODEC.decodeNode(six), NodeInbound.JobResult.class);
    assertEquals("job-aaaa0005-0000-4000-8000-000000000005", a.jobId());
    assertEquals(2, a.attemptId());
    assertEquals(5, a.utteranceIndex());
    assertEquals("NO_TEXT_ASSIGNED", a.extra().reason());
    assertEquals(6, b.utteranceIndex());
    assertEquals("NO_TEXT_ASSIGNED", b.extra().reason());
  }

  @Test
  void keepsOnlyKnownExtraKeysAndSegmentsMeta() {
    var r = ok(CODEC.decodeNode("""
        {"type":"job_result","job_id":"j","attempt_id":1,"success":true,
         "extra":{"emotion":"happy","speech_rate":3,"voice_style":"calm","internal_debug":{"x":1},
                  "language_probabilities":{"zh":0.9,"en":0.1}},
         "asr_quality_level":"good","reason_codes":["A","B"],"quality_score":0.7,"rerun_count":1,
         "segments_meta":{"count":2,"max_gap":0.5,"avg_duration":1}}"""), NodeInbound.JobResult.class);
    assertEquals(new ExtraResult("happy", 3.0, "calm", null, null, Map.of("zh", 0.9, "en", 0.1), null), r.extra());
    assertEquals(new SegmentsMeta(2, 0.5, 1.0), r.segmentsMeta());
    assertEquals(List.of("A", "B"), r.reasonCodes());
    assertEquals(1, r.rerunCount());
  }

  @Test
  void decodesAsrPartialFromTheNode() {
    String json = """
        {"type":"asr_partial","node_id":"node-7D21E0AF","session_id":"s-3F9A0C1B","utterance_index":3,"job_id":"job-0b6f3c1e-5d0a-4c59-9a0e-2f3b7f6c1d44","text":"今天天气","is_final":false,"trace_id":"5b1f0a52-8f7e-4c7b-9d0f-3a1e2b4c5d6e"}
        """;
    assertEquals(new NodeInbound.AsrPartial(JOB, "今天天气", false, "node-7D21E0AF", "s-3F9A0C1B", 3, TRACE),
        ok(CODEC.decodeNode(json), NodeInbound.AsrPartial.class));
  }

  @Test
  void decodesOptionalJobAckJobStartedAndNodeError() {
    assertEquals(new NodeInbound.JobAck("j", 2, null, null, null),
        ok(CODEC.decodeNode("{\"type\":\"job_ack\",\"job_id\":\"j\",\"attempt_id\":2}"), NodeInbound.JobAck.class));
    assertEquals(new NodeInbound.JobStarted("j", 1, "n", "s", "t"),
        ok(CODEC.decodeNode("{\"type\":\"job_started\",\"job_id\":\"j\",\"attempt_id\":1,\"node_id\":\"n\",\"session_id\":\"s\",\"trace_id\":\"t\"}"),
            NodeInbound.JobStarted.class));
    var e = ok(CODEC.decodeNode("{\"type\":\"node_error\",\"code\":\"X\",\"message\":\"m\",\"details\":[1]}"), NodeInbound.NodeError.class);
    assertEquals("X", e.code());
    assertTrue(e.details().isArray());
  }

  // ------------------------------------------------------------ node socket, outbound

  @Test
  void encodesNodeRegisterAckExample() {
    assertJson("""
        {"type":"node_register_ack","node_id":"node-7D21E0AF","message":"Node registered successfully","status":"registering"}""",
        CODEC.encode(NodeOutbound.RegisterAck.of("node-7D21E0AF")));
  }

  @Test
  void encodesNodeStatusExample() {
    assertJson("""
        {"type":"node_status","node_id":"node-7D21E0AF","status":"ready","reason":"healthy heartbeat","timestamp":1767225600450}""",
        CODEC.encode(new NodeOutbound.NodeStatus("node-7D21E0AF", "ready", "healthy heartbeat", 1767225600450L)));
  }

  @Test
  void encodesStreamedJobAssignWithAutomaticCut() {
    var m = new NodeOutbound.JobAssign(JOB, 1, "s-3F9A0C1B", 3, "zh", "en", PipelineConfig.streamingDefault(),
        AUDIO, "opus", 16000, TRACE, true, 1000, "c7f1d2e3-4a5b-4c6d-8e9f-0a1b2c3d4e5f", null, FeatureFlags.empty(),
        "one_way", null, null, null, 220, false, true, false, null);
    assertJson("""
        {"type":"job_assign","job_id":"job-0b6f3c1e-5d0a-4c59-9a0e-2f3b7f6c1d44","attempt_id":1,"session_id":"s-3F9A0C1B","utterance_index":3,
         "src_lang":"zh","tgt_lang":"en","features":{},
         "pipeline":{"use_asr":true,"use_nmt":true,"use_tts":true,"use_semantic":false,"use_tone":false},
         "audio":"LAB4gN5v0pQ1cX8u2lqwpY9aUXE=","audio_format":"opus","sample_rate":16000,"mode":"one_way",
         "enable_streaming_asr":true,"partial_update_interval_ms":1000,"trace_id":"5b1f0a52-8f7e-4c7b-9d0f-3a1e2b4c5d6e",
         "padding_ms":220,"is_timeout_triggered":true,"turn_id":"c7f1d2e3-4a5b-4c6d-8e9f-0a1b2c3d4e5f"}""",
        CODEC.encode(m));
  }

  @Test
  void encodesTwoWayJobAssignWithMaximumDurationCutOnSecondAttempt() {
    var m = new NodeOutbound.JobAssign("job-5a1e9c77-3b2d-4f10-8e6a-9c0d1e2f3a4b", 2, "s-C0FFEE12", 0, "auto", "en",
        PipelineConfig.streamingDefault(), AUDIO, "opus", 16000, "0d9c2e7a-1b3f-4a6e-8c2d-7f5e4b3a2c1d", true, 1000,
        "9e8d7c6b-5a49-4382-b1a0-f9e8d7c6b5a4", null, FeatureFlags.empty(), "two_way_auto", "zh", "en",
        List.of("zh", "en"), 220, null, null, true, null);
    assertJson("""
        {"type":"job_assign","job_id":"job-5a1e9c77-3b2d-4f10-8e6a-9c0d1e2f3a4b","attempt_id":2,"session_id":"s-C0FFEE12","utterance_index":0,
         "src_lang":"auto","tgt_lang":"en","features":{},
         "pipeline":{"use_asr":true,"use_nmt":true,"use_tts":true,"use_semantic":false,"use_tone":false},
         "audio":"LAB4gN5v0pQ1cX8u2lqwpY9aUXE=","audio_format":"opus","sample_rate":16000,
         "mode":"two_way_auto","lang_a":"zh","lang_b":"en","auto_langs":["zh","en"],
         "enable_streaming_asr":true,"partial_update_interval_ms":1000,"trace_id":"0d9c2e7a-1b3f-4a6e-8c2d-7f5e4b3a2c1d",
         "padding_ms":220,"is_max_duration_triggered":true,"turn_id":"9e8d7c6b-5a49-4382-b1a0-f9e8d7c6b5a4"}""",
        CODEC.encode(m));
  }

  @Test
  void sendsPhoneticAndLexiconFlagsOnlyWhenTrue() {
    var p = PipelineConfig.withDefaults(null, null, false, null, true, true, false);
    assertEquals(new PipelineConfig(true, true, false, false, true, true, null), p);
    var m = new NodeOutbound.JobAssign("j", 1, "s", 0, "zh", "en", p, new byte[] {1, 2, 3}, "pcm16", 8000, "t",
        true, 1000, "turn", "yue", null, null, null, null, null, null, true, null, null, null);
    assertJson("""
        {"type":"job_assign","job_id":"j","attempt_id":1,"session_id":"s","utterance_index":0,"src_lang":"zh","tgt_lang":"en",
         "pipeline":{"use_asr":true,"use_nmt":true,"use_tts":false,"use_semantic":false,"use_tone":true,"use_phonetic":true},
         "audio":"AQID","audio_format":"pcm16","sample_rate":8000,"trace_id":"t","enable_streaming_asr":true,
         "partial_update_interval_ms":1000,"turn_id":"turn","dialect":"yue","is_manual_cut":true}""", CODEC.encode(m));
  }

  @Test
  void encodesJobCancelExample() {
    assertJson("""
        {"type":"job_cancel","job_id":"job-0b6f3c1e-5d0a-4c59-9a0e-2f3b7f6c1d44","trace_id":"5b1f0a52-8f7e-4c7b-9d0f-3a1e2b4c5d6e","reason":"job_timeout"}""",
        CODEC.encode(new NodeOutbound.JobCancel(JOB, TRACE, "job_timeout")));
  }

  @Test
  void encodesTheSameErrorFrameOnTheNodeSocket() {
    assertJson("{\"type\":\"error\",\"code\":\"NO_GPU_AVAILABLE\",\"message\":\"no GPU reported\"}",
        CODEC.encode((NodeOutbound) ErrorFrame.of("NO_GPU_AVAILABLE", "no GPU reported")));
  }

  // ------------------------------------------------------------ session socket, inbound

  @Test
  void decodesOneWaySessionInitWithExplicitNullsAsTheWebClientSendsIt() {
    String json = """
        {"type":"session_init","client_version":"web-client-v1.0","platform":"web","src_lang":"zh","tgt_lang":"en",
         "dialect":null,"features":{},"pairing_code":null,"mode":"one_way",
         "trace_id":"5b1f0a52-8f7e-4c7b-9d0f-3a1e2b4c5d6e","tenant_id":null}
        """;
    Decoded<SessionInbound> d = CODEC.decodeSession(json);
    assertEquals(new SessionInbound.Init("zh", "en", "web-client-v1.0", "web", "one_way", null, null, null, null,
        FeatureFlags.empty(), null, TRACE, null, null, null), ok(d, SessionInbound.Init.class));
    assertEquals(List.of(), ((Decoded.Ok<?>) d).ignoredFields());
  }

  @Test
  void decodesTwoWaySessionInitAsTheWebClientSendsIt() {
    String json = """
        {"type":"session_init","client_version":"web-client-v1.0","platform":"web","src_lang":"auto","tgt_lang":"en",
         "dialect":null,"features":{},"pairing_code":null,"mode":"two_way_auto","lang_a":"zh","lang_b":"en",
         "auto_langs":["zh","en"],"trace_id":"0d9c2e7a-1b3f-4a6e-8c2d-7f5e4b3a2c1d","tenant_id":null}
        """;
    assertEquals(new SessionInbound.Init("auto", "en", "web-client-v1.0", "web", "two_way_auto", "zh", "en",
        List.of("zh", "en"), null, FeatureFlags.empty(), null, "0d9c2e7a-1b3f-4a6e-8c2d-7f5e4b3a2c1d", null, null, null),
        ok(CODEC.decodeSession(json), SessionInbound.Init.class));
  }

  @Test
  void decodesAudioChunkAndTheFinalEmptyChunk() {
    var a = ok(CODEC.decodeSession("""
        {"type":"audio_chunk","session_id":"s-3F9A0C1B","seq":41,"is_final":false,"payload":"LAB4gN5v0pQ1cX8u2lqwpY9aUXE="}"""),
        SessionInbound.AudioChunk.class);
    assertEquals("s-3F9A0C1B", a.sessionId());
    assertFalse(a.isFinal());
    assertArrayEquals(AUDIO, a.payload());
    assertFalse(a.payloadInvalid());
    assertEquals(41L, a.seq());
    var f = ok(CODEC.decodeSession("""
        {"type":"audio_chunk","session_id":"s-3F9A0C1B","seq":42,"is_final":true,"payload":""}"""),
        SessionInbound.AudioChunk.class);
    assertTrue(f.isFinal());
    assertEquals(0, f.payload().length);
    assertFalse(f.payloadInvalid());
    var bare = ok(CODEC.decodeSession("{\"type\":\"audio_chunk\",\"session_id\":\"s\",\"client_timestamp_ms\":5}"),
        SessionInbound.AudioChunk.class);
    assertEquals(0, bare.payload().length);
    assertFalse(bare.isFinal());
    assertEquals(5L, bare.clientTimestampMs());
  }

  @Test
  void decodesUtteranceExampleAndMergesThePipelineWithDefaults() {
    String json = """
        {"type":"utterance","session_id":"s-3F9A0C1B","utterance_index":0,"manual_cut":true,"src_lang":"zh","tgt_lang":"en",
         "audio":"LAB4gN5v0pQ1cX8u2lqwpY9aUXE=","audio_format":"opus","sample_rate":16000,
         "pipeline":{"use_asr":true,"use_nmt":true,"use_tts":false}}
        """;
    var u = ok(CODEC.decodeSession(json), SessionInbound.Utterance.class);
    assertEquals("s-3F9A0C1B", u.sessionId());
    assertEquals(0, u.utteranceIndex());
    assertTrue(u.manualCut());
    assertEquals("zh", u.srcLang());
    assertEquals("en", u.tgtLang());
    assertArrayEquals(AUDIO, u.audio());
    assertEquals("opus", u.audioFormat());
    assertEquals(16000, u.sampleRate());
    assertEquals(new PipelineConfig(true, true, false, false, false, null, null), u.pipeline());
  }

  @Test
  void appliesUtteranceDefaultsWhenOptionalFieldsAreAbsent() {
    var u = ok(CODEC.decodeSession("{\"type\":\"utterance\",\"session_id\":\"s\",\"utterance_index\":2,\"audio\":\"AQID\",\"pipeline\":{\"use_tone\":true}}"),
        SessionInbound.Utterance.class);
    assertEquals(16000, u.sampleRate());
    assertFalse(u.manualCut());
    assertNull(u.audioFormat());
    assertEquals(new PipelineConfig(true, true, true, false, true, null, null), u.pipeline());
    var v = ok(CODEC.decodeSession("{\"type\":\"utterance\",\"session_id\":\"s\",\"utterance_index\":2,\"audio\":\"AQID\"}"),
        SessionInbound.Utterance.class);
    assertEquals(PipelineConfig.streamingDefault(), v.pipeline());
  }

  @Test
  void decodesHeartbeatAndCloseExamples() {
    assertEquals(new SessionInbound.ClientHeartbeat("s-3F9A0C1B", 1767225630000L), ok(CODEC.decodeSession(
        "{\"type\":\"client_heartbeat\",\"session_id\":\"s-3F9A0C1B\",\"timestamp\":1767225630000}"),
        SessionInbound.ClientHeartbeat.class));
    assertEquals(new SessionInbound.Close("s-3F9A0C1B", "user_stop"), ok(CODEC.decodeSession(
        "{\"type\":\"session_close\",\"session_id\":\"s-3F9A0C1B\",\"reason\":\"user_stop\"}"), SessionInbound.Close.class));
  }

  @Test
  void decodesTtsPlaybackWindowExamples() {
    assertEquals(new SessionInbound.TtsStarted("s-3F9A0C1B", "group_s-3F9A0C1B_1767225633210", TRACE, 1767225633900L),
        ok(CODEC.decodeSession("""
            {"type":"tts_started","session_id":"s-3F9A0C1B","trace_id":"5b1f0a52-8f7e-4c7b-9d0f-3a1e2b4c5d6e","group_id":"group_s-3F9A0C1B_1767225633210","ts_start_ms":1767225633900}"""),
            SessionInbound.TtsStarted.class));
    assertEquals(new SessionInbound.TtsPlayEnded("s-3F9A0C1B", "group_s-3F9A0C1B_1767225633210", TRACE, 1767225636150L),
        ok(CODEC.decodeSession("""
            {"type":"tts_play_ended","session_id":"s-3F9A0C1B","trace_id":"5b1f0a52-8f7e-4c7b-9d0f-3a1e2b4c5d6e","group_id":"group_s-3F9A0C1B_1767225633210","ts_end_ms":1767225636150}"""),
            SessionInbound.TtsPlayEnded.class));
  }

  @Test
  void decodesRoomMessages() {
    assertEquals(new SessionInbound.RoomCreate(1767225600000L, "Alice", "zh"), ok(CODEC.decodeSession(
        "{\"type\":\"room_create\",\"client_ts\":1767225600000,\"display_name\":\"Alice\",\"preferred_lang\":\"zh\"}"),
        SessionInbound.RoomCreate.class));
    assertEquals(new SessionInbound.RoomCreate(null, null, null),
        ok(CODEC.decodeSession("{\"type\":\"room_create\"}"), SessionInbound.RoomCreate.class));
    assertEquals(new SessionInbound.RoomJoin("482913", "Bob", null), ok(CODEC.decodeSession(
        "{\"type\":\"room_join\",\"room_code\":\"482913\",\"display_name\":\"Bob\"}"), SessionInbound.RoomJoin.class));
    assertEquals(new SessionInbound.RoomLeave("482913"), ok(CODEC.decodeSession(
        "{\"type\":\"room_leave\",\"room_code\":\"482913\"}"), SessionInbound.RoomLeave.class));
    assertEquals(new SessionInbound.RoomRawVoicePreference("482913", "s-3F9A0C1B", false), ok(CODEC.decodeSession(
        "{\"type\":\"room_raw_voice_preference\",\"room_code\":\"482913\",\"target_session_id\":\"s-3F9A0C1B\",\"receive_raw_voice\":false}"),
        SessionInbound.RoomRawVoicePreference.class));
  }

  static final String OFFER_IN = """
      {"type":"webrtc_offer","room_code":"482913","to":"s-77E01A2C","sdp":{"type":"offer","sdp":"v=0\\r\\no=- 46117 2 IN IP4 127.0.0.1\\r\\n..."}}""";
  static final String OFFER_OUT = """
      {"type":"webrtc_offer","room_code":"482913","to":"s-3F9A0C1B","sdp":{"type":"offer","sdp":"v=0\\r\\no=- 46117 2 IN IP4 127.0.0.1\\r\\n..."}}""";

  @Test
  void relaysWebrtcOfferWithToRewrittenToTheSender() {
    var in = ok(CODEC.decodeSession(OFFER_IN), SessionInbound.WebrtcSignal.class);
    assertEquals("webrtc_offer", in.type());
    assertEquals("s-77E01A2C", in.to());
    assertEquals("offer", in.sdp().get("type").asText());
    assertNull(in.candidate());
    assertJson(OFFER_OUT, CODEC.encode(SessionOutbound.WebrtcSignal.relay(in, "s-3F9A0C1B")));
  }

  @Test
  void relaysWebrtcAnswerAndIceCandidates() {
    var ice = ok(CODEC.decodeSession(
        "{\"type\":\"webrtc_ice\",\"room_code\":\"482913\",\"to\":\"s-1\",\"candidate\":{\"candidate\":\"c\",\"sdpMid\":\"0\"}}"),
        SessionInbound.WebrtcSignal.class);
    assertEquals("webrtc_ice", ice.type());
    assertEquals("0", ice.candidate().get("sdpMid").asText());
    assertJson("{\"type\":\"webrtc_ice\",\"room_code\":\"482913\",\"to\":\"s-2\",\"candidate\":{\"candidate\":\"c\",\"sdpMid\":\"0\"}}",
        CODEC.encode(SessionOutbound.WebrtcSignal.relay(ice, "s-2")));
    var answer = ok(CODEC.decodeSession("{\"type\":\"webrtc_answer\",\"room_code\":\"1\",\"to\":\"s\",\"sdp\":\"x\"}"),
        SessionInbound.WebrtcSignal.class);
    assertEquals("webrtc_answer", answer.type());
    assertFails(CODEC.decodeSession("{\"type\":\"webrtc_ice\",\"room_code\":\"1\",\"to\":\"s\",\"sdp\":{}}"),
        "Invalid message format: missing field candidate");
  }

  static void assertFails(Decoded<?> d, String detail) {
    var f = assertInstanceOf(Decoded.Failed.class, d);
    assertEquals("INVALID_MESSAGE", f.code());
    assertEquals(detail, f.detail());
  }

  // ------------------------------------------------------------ session socket, outbound

  @Test
  void encodesSessionInitAckExample() {
    assertJson("""
        {"type":"session_init_ack","session_id":"s-3F9A0C1B","message":"session created",
         "trace_id":"5b1f0a52-8f7e-4c7b-9d0f-3a1e2b4c5d6e","protocol_version":"1.0","use_binary_frame":false,
         "negotiated_codec":"opus","negotiated_audio_format":"opus","negotiated_sample_rate":16000,"negotiated_channel_count":1}""",
        CODEC.encode(SessionOutbound.InitAck.of("s-3F9A0C1B", TRACE)));
  }

  @Test
  void encodesTranslationResultExample() {
    var timings = new ServiceTimings(412, 96, 305, 851);
    var m = new SessionOutbound.TranslationResult("s-3F9A0C1B", 3, JOB, "今天天气很好", "The weather is nice today",
        TTS_B64, "opus", TRACE, new ExtraResult(null, null, null, timings, 0.98, null, null),
        "group_s-3F9A0C1B_1767225633210", 0, timings, new NetworkTimings(null, 3, null, null), 1767225633215L,
        null, null, null, null, null);
    assertJson("""
        {"type":"translation_result","session_id":"s-3F9A0C1B","utterance_index":3,"job_id":"job-0b6f3c1e-5d0a-4c59-9a0e-2f3b7f6c1d44",
         "text_asr":"今天天气很好","text_translated":"The weather is nice today","tts_audio":"TAB4gN5v0pQ=","tts_format":"opus",
         "trace_id":"5b1f0a52-8f7e-4c7b-9d0f-3a1e2b4c5d6e",
         "extra":{"service_timings":{"asr_ms":412,"nmt_ms":96,"tts_ms":305,"total_ms":851},"language_probability":0.98},
         "group_id":"group_s-3F9A0C1B_1767225633210","part_index":0,
         "service_timings":{"asr_ms":412,"nmt_ms":96,"tts_ms":305,"total_ms":851},
         "network_timings":{"scheduler_to_node_ms":3},"scheduler_sent_at_ms":1767225633215}""", CODEC.encode(m));
  }

  @Test
  void encodesQualityFieldsAndLanguageProbabilitiesWithSnakeCaseKeys() {
    var extra = new ExtraResult("happy", 1.5, "calm", null, null, Map.of("zh", 0.9), "ASR_EMPTY");
    var m = new SessionOutbound.TranslationResult("s", 1, "j", "", "", "", "pcm16", "t", extra, null, null,
        new ServiceTimings(null, null, null, 40), null, 7L, "suspect", List.of("LOW_CONF"), 0.5, 2,
        new SegmentsMeta(3, 0.25, 1.5));
    assertJson("""
        {"type":"translation_result","session_id":"s","utterance_index":1,"job_id":"j","text_asr":"","text_translated":"",
         "tts_audio":"","tts_format":"pcm16","trace_id":"t",
         "extra":{"emotion":"happy","speech_rate":1.5,"voice_style":"calm","language_probabilities":{"zh":0.9},"reason":"ASR_EMPTY"},
         "service_timings":{"total_ms":40},"scheduler_sent_at_ms":7,"asr_quality_level":"suspect","reason_codes":["LOW_CONF"],
         "quality_score":0.5,"rerun_count":2,"segments_meta":{"count":3,"max_gap":0.25,"avg_duration":1.5}}""", CODEC.encode(m));
  }

  @Test
  void encodesAsrPartialToTheClient() {
    assertJson("""
        {"type":"asr_partial","session_id":"s-3F9A0C1B","utterance_index":3,"job_id":"job-0b6f3c1e-5d0a-4c59-9a0e-2f3b7f6c1d44","text":"今天天气","is_final":false,"trace_id":"5b1f0a52-8f7e-4c7b-9d0f-3a1e2b4c5d6e"}""",
        CODEC.encode(new SessionOutbound.AsrPartial("s-3F9A0C1B", 3, JOB, "今天天气", false, TRACE)));
  }

  @Test
  void encodesUiEventExample() {
    assertJson("""
        {"type":"ui_event","trace_id":"5b1f0a52-8f7e-4c7b-9d0f-3a1e2b4c5d6e","session_id":"s-3F9A0C1B","job_id":"job-0b6f3c1e-5d0a-4c59-9a0e-2f3b7f6c1d44","utterance_index":3,"event":"ERROR","status":"error","elapsed_ms":12,"error_code":"NO_AVAILABLE_NODE"}""",
        CODEC.encode(new SessionOutbound.UiEvent(TRACE, "s-3F9A0C1B", JOB, 3, "ERROR", "error", 12L, "NO_AVAILABLE_NODE")));
  }

  @Test
  void encodesBothErrorExamples() {
    var details = M.createObjectNode().put("job_id", JOB).put("utterance_index", 3);
    assertJson("""
        {"type":"error","code":"NO_AVAILABLE_NODE","message":"no node serves zh:en","details":{"job_id":"job-0b6f3c1e-5d0a-4c59-9a0e-2f3b7f6c1d44","utterance_index":3},"trace_id":"5b1f0a52-8f7e-4c7b-9d0f-3a1e2b4c5d6e"}""",
        CODEC.encode((SessionOutbound) new ErrorFrame("NO_AVAILABLE_NODE", "no node serves zh:en", details, TRACE)));
    Decoded<SessionInbound> bad = CODEC.decodeSession("{\"type\":\"audio_chunk\"}");
    assertJson("""
        {"type":"error","code":"INVALID_MESSAGE","message":"Invalid message format: missing field session_id"}""",
        CODEC.encode((SessionOutbound) ((Decoded.Failed<SessionInbound>) bad).toErrorFrame()));
  }

  @Test
  void encodesBackpressureExample() {
    assertJson("""
        {"type":"backpressure","action":"BUSY","resume_after_ms":400,"message":"all nodes for zh:en are busy"}""",
        CODEC.encode(SessionOutbound.Backpressure.busy(400, "all nodes for zh:en are busy")));
    assertThrows(IllegalArgumentException.class, () -> SessionOutbound.Backpressure.busy(0, null));
  }

  @Test
  void encodesServerHeartbeatAndCloseAckExamples() {
    assertJson("{\"type\":\"server_heartbeat\",\"session_id\":\"s-3F9A0C1B\",\"timestamp\":1767225630004}",
        CODEC.encode(new SessionOutbound.ServerHeartbeat("s-3F9A0C1B", 1767225630004L)));
    assertJson("{\"type\":\"session_close_ack\",\"session_id\":\"s-3F9A0C1B\"}",
        CODEC.encode(new SessionOutbound.CloseAck("s-3F9A0C1B")));
  }

  @Test
  void encodesRoomExamples() {
    assertJson("""
        {"type":"room_create_ack","room_code":"482913","room_id":"9a4d6f0e-2b1c-4e7a-8d3f-5c6b7a8e9f01"}""",
        CODEC.encode(new SessionOutbound.RoomCreateAck("482913", "9a4d6f0e-2b1c-4e7a-8d3f-5c6b7a8e9f01")));
    var members = new SessionOutbound.RoomMembers("482913", List.of(
        new SessionOutbound.Participant("s-3F9A0C1B", "s-3F9A0C1B", "Alice", "zh", Map.of(), "2026-01-10T08:15:30.123Z"),
        new SessionOutbound.Participant("s-77E01A2C", "s-77E01A2C", "Bob", "en", Map.of("s-3F9A0C1B", false),
            "2026-01-10T08:16:02.410Z")));
    assertJson("""
        {"type":"room_members","room_code":"482913","members":[{"participant_id":"s-3F9A0C1B","session_id":"s-3F9A0C1B","display_name":"Alice","preferred_lang":"zh","raw_voice_preferences":{},"joined_at":"2026-01-10T08:15:30.123Z"},{"participant_id":"s-77E01A2C","session_id":"s-77E01A2C","display_name":"Bob","preferred_lang":"en","raw_voice_preferences":{"s-3F9A0C1B":false},"joined_at":"2026-01-10T08:16:02.410Z"}]}""",
        CODEC.encode(members));
    assertJson("""
        {"type":"room_error","code":"ROOM_NOT_FOUND","message":"room 123456 does not exist"}""",
        CODEC.encode(new SessionOutbound.RoomError("ROOM_NOT_FOUND", "room 123456 does not exist")));
    assertJson("""
        {"type":"room_expired","room_code":"482913","message":"room expired after 30 minutes without speech"}""",
        CODEC.encode(new SessionOutbound.RoomExpired("482913", "room expired after 30 minutes without speech")));
  }
}
