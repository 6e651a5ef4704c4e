package dev.polyglot.scheduler.wire;

import dev.polyglot.scheduler.api.CapabilityByType;
import dev.polyglot.scheduler.api.FeatureFlags;
import dev.polyglot.scheduler.api.InstalledModel;
import dev.polyglot.scheduler.api.InstalledService;
import dev.polyglot.scheduler.api.PipelineConfig;
import dev.polyglot.scheduler.api.ResourceUsage;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

/** §4.1 and §4.3: lenient input, and exactly which inputs are rejected with what text. */
class WireCodecBadInputTest {

  static final WireCodec CODEC = new WireCodec();
  static final String RU = "\"resource_usage\":{\"cpu_percent\":1,\"mem_percent\":2,\"running_jobs\":0}";

  static String failure(Decoded<?> d) {
    var f = assertInstanceOf(Decoded.Failed.class, d, () -> "expected a failure but got " + d);
    assertEquals("INVALID_MESSAGE", f.code());
    return f.detail();
  }

  static <T> Decoded.Ok<T> ok(Decoded<T> d) {
    if (d instanceof Decoded.Failed<T> f) fail("decode failed: " + f.detail());
    return (Decoded.Ok<T>) d;
  }

  @Test
  void rejectsTextThatIsNotJson() {
    assertTrue(failure(CODEC.decodeSession("hello")).startsWith("Invalid message format: "));
    assertTrue(failure(CODEC.decodeNode("{\"type\":\"job_ack\"")).startsWith("Invalid message format: "));
    assertTrue(failure(CODEC.decodeNode("")).startsWith("Invalid message format: "));
    assertTrue(failure(CODEC.decodeNode("{\"type\":\"request_pairing_code\"} {}")).startsWith("Invalid message format: "));
  }

  @Test
  void rejectsAnArrayOrScalarInsteadOfAnObject() {
    assertEquals("Invalid message format: expected a JSON object", failure(CODEC.decodeSession("[{\"type\":\"session_init\"}]")));
    assertEquals("Invalid message format: expected a JSON object", failure(CODEC.decodeNode("42")));
  }

  @Test
  void rejectsUnknownAndMissingType() {
    assertEquals("unknown message type: hello", failure(CODEC.decodeSession("{\"type\":\"hello\"}")));
    assertEquals("unknown message type: node_register", failure(CODEC.decodeSession("{\"type\":\"node_register\"}")));
    assertEquals("unknown message type: Session_Init", failure(CODEC.decodeSession("{\"type\":\"Session_Init\",\"src_lang\":\"a\",\"tgt_lang\":\"b\"}")));
    assertEquals("unknown message type: 7", failure(CODEC.decodeNode("{\"type\":7}")));
    assertEquals("unknown message type: missing field type", failure(CODEC.decodeNode("{\"node_id\":\"n\"}")));
    assertEquals("unknown message type: missing field type", failure(CODEC.decodeNode("{\"type\":null}")));
  }

  @Test
  void rejectsMissingRequiredFieldNamingIt() {
    assertEquals("Invalid message format: missing field session_id", failure(CODEC.decodeSession("{\"type\":\"audio_chunk\"}")));
    assertEquals("Invalid message format: missing field tgt_lang", failure(CODEC.decodeSession("{\"type\":\"session_init\",\"src_lang\":\"zh\"}")));
    assertEquals("Invalid message format: missing field resource_usage", failure(CODEC.decodeNode("{\"type\":\"node_heartbeat\"}")));
    assertEquals("Invalid message format: missing field resource_usage.running_jobs",
        failure(CODEC.decodeNode("{\"type\":\"node_heartbeat\",\"resource_usage\":{\"cpu_percent\":1,\"mem_percent\":2}}")));
  }

  @Test
  void rejectsNullForRequiredField() {
    assertEquals("Invalid message format: missing field job_id",
        failure(CODEC.decodeNode("{\"type\":\"job_result\",\"job_id\":null,\"attempt_id\":1,\"success\":true}")));
  }

  @Test
  void rejectsWronglyTypedRequiredField() {
    assertEquals("Invalid message format: field resource_usage.cpu_percent: expected a number",
        failure(CODEC.decodeNode("{\"type\":\"node_heartbeat\",\"resource_usage\":{\"cpu_percent\":\"high\",\"mem_percent\":2,\"running_jobs\":0}}")));
    assertEquals("Invalid message format: field success: expected a boolean",
        failure(CODEC.decodeNode("{\"type\":\"job_result\",\"job_id\":\"j\",\"attempt_id\":1,\"success\":\"true\"}")));
    assertEquals("Invalid message format: field session_id: expected a string",
        failure(CODEC.decodeSession("{\"type\":\"client_heartbeat\",\"session_id\":5}")));
    assertEquals("Invalid message format: field resource_usage: expected an object",
        failure(CODEC.decodeNode("{\"type\":\"node_heartbeat\",\"resource_usage\":[]}")));
  }

  @Test
  void treatsWronglyTypedOptionalFieldAsAbsentAndListsIt() {
    var d = ok(CODEC.decodeNode("{\"type\":\"node_heartbeat\",\"node_id\":7,\"timestamp\":\"now\"," + RU
        + ",\"installed_services\":{},\"processing_metrics\":[1],"
        + "\"language_capabilities\":{\"asr_languages\":[\"ZH\",3],\"semantic_core_ready\":\"yes\"}}"));
    var h = (NodeInbound.Heartbeat) d.message();
    assertNull(h.nodeId());
    assertNull(h.timestamp());
    assertNull(h.installedServices());
    assertNull(h.processingMetrics());
    assertEquals(List.of("zh"), h.languageCapabilities().asrLanguages());
    assertNull(h.languageCapabilities().semanticCoreReady());
    assertEquals(List.of("node_id", "timestamp", "installed_services", "language_capabilities.asr_languages[1]",
        "language_capabilities.semantic_core_ready", "processing_metrics"), d.ignoredFields());
  }

  @Test
  void treatsAnOptionalObjectLackingItsOwnRequiredFieldAsAbsent() {
    var d = ok(CODEC.decodeNode("{\"type\":\"job_result\",\"job_id\":\"j\",\"attempt_id\":1,\"success\":false,"
        + "\"error\":{\"code\":\"X\"},\"segments_meta\":{\"count\":1}}"));
    var r = (NodeInbound.JobResult) d.message();
    assertNull(r.error());
    assertNull(r.segmentsMeta());
    assertEquals(List.of("error", "segments_meta"), d.ignoredFields());
  }

  @Test
  void rejectsNegativeIntegers() {
    assertEquals("Invalid message format: field attempt_id: must not be negative",
        failure(CODEC.decodeNode("{\"type\":\"job_result\",\"job_id\":\"j\",\"attempt_id\":-1,\"success\":true}")));
    assertEquals("Invalid message format: field utterance_index: must not be negative",
        failure(CODEC.decodeNode("{\"type\":\"job_result\",\"job_id\":\"j\",\"attempt_id\":1,\"success\":true,\"utterance_index\":-3}")));
    assertEquals("Invalid message format: field installed_services[0].mem_mb: must not be negative",
        failure(CODEC.decodeNode("{\"type\":\"node_register\",\"installed_services\":[{\"service_id\":\"a\",\"type\":\"asr\",\"status\":\"running\",\"mem_mb\":-5}]}")));
  }

  @Test
  void acceptsIntegralFloatsAsIntegersButRejectsFractions() {
    var ack = (NodeInbound.JobAck) ok(CODEC.decodeNode("{\"type\":\"job_ack\",\"job_id\":\"j\",\"attempt_id\":3.0}")).message();
    assertEquals(3, ack.attemptId());
    assertEquals("Invalid message format: field attempt_id: expected an integer",
        failure(CODEC.decodeNode("{\"type\":\"job_ack\",\"job_id\":\"j\",\"attempt_id\":3.5}")));
    assertEquals("Invalid message format: field attempt_id: expected an integer",
        failure(CODEC.decodeNode("{\"type\":\"job_ack\",\"job_id\":\"j\",\"attempt_id\":4294967296}")));
    var d = ok(CODEC.decodeNode("{\"type\":\"job_result\",\"job_id\":\"j\",\"attempt_id\":1,\"success\":true,\"processing_time_ms\":3.5}"));
    assertNull(((NodeInbound.JobResult) d.message()).processingTimeMs());
    assertEquals(List.of("processing_time_ms"), d.ignoredFields());
    var hb = (NodeInbound.Heartbeat) ok(CODEC.decodeNode(
        "{\"type\":\"node_heartbeat\",\"resource_usage\":{\"cpu_percent\":5,\"mem_percent\":1e1,\"running_jobs\":2.0}}")).message();
    assertEquals(new ResourceUsage(5.0, 10.0, 2, null, null, null), hb.resourceUsage());
  }

  @Test
  void lowerCasesOpenEnumsAndKeepsUnknownValues() {
    var r = (NodeInbound.Register) ok(CODEC.decodeNode("""
        {"type":"node_register","installed_services":[
          {"service_id":"a","type":"ASR","status":"Running","device":"GPU"},
          {"service_id":"b","type":"Lexicon","status":"weird"},
          {"service_id":"c","type":"punctuation","status":"stopped","device":"npu"}],
         "capability_by_type":[{"type":"TTS","ready":true}]}""")).message();
    var s = r.installedServices();
    assertEquals("asr", s.get(0).type());
    assertEquals("running", s.get(0).status());
    assertTrue(s.get(0).running());
    assertEquals("gpu", s.get(0).device());
    assertEquals("lexicon", s.get(1).type());
    assertEquals("weird", s.get(1).status());
    assertFalse(s.get(1).running());
    assertEquals("gpu", s.get(1).device(), "device defaults to gpu");
    assertEquals("npu", s.get(2).device());
    assertEquals("tts", r.capabilityByType().get(0).type());
  }

  @Test
  void dropsArrayElementsLackingTheirOwnRequiredFieldsAndKeepsTheRest() {
    var d = ok(CODEC.decodeNode("{\"type\":\"node_heartbeat\"," + RU + ","
        + "\"installed_models\":[{\"model_id\":\"m1\",\"kind\":\"asr\"},{\"model_id\":\"m2\"},{\"kind\":\"nmt\",\"model_id\":\"m3\",\"version\":null}],"
        + "\"installed_services\":[{\"service_id\":\"a\",\"type\":\"asr\"},\"junk\",{\"service_id\":\"b\",\"type\":\"nmt\",\"status\":\"running\"}],"
        + "\"capability_by_type\":[{\"type\":\"asr\",\"ready\":\"yes\"},{\"type\":\"nmt\",\"ready\":true}]}"));
    var h = (NodeInbound.Heartbeat) d.message();
    assertEquals(List.of("m1", "m3"), h.installedModels().stream().map(InstalledModel::modelId).toList());
    assertEquals(List.of("b"), h.installedServices().stream().map(InstalledService::serviceId).toList());
    assertEquals(List.of("nmt"), h.capabilityByType().stream().map(CapabilityByType::type).toList());
    assertEquals(List.of("installed_services[0]", "installed_services[1]", "capability_by_type[0]", "installed_models[1]"),
        d.ignoredFields());
  }

  @Test
  void ignoresUnknownFieldsAtEveryLevel() {
    var d = ok(CODEC.decodeSession("{\"type\":\"utterance\",\"session_id\":\"s\",\"utterance_index\":1,\"audio\":\"AQID\",\"x\":1,"
        + "\"pipeline\":{\"use_tts\":false,\"use_magic\":true},\"features\":{\"emotion_detection\":true,\"telepathy\":true}}"));
    var u = (SessionInbound.Utterance) d.message();
    assertEquals(new PipelineConfig(true, true, false, false, false, null, null), u.pipeline());
    assertEquals(new FeatureFlags(true, null, null, null, null, null), u.features());
    assertEquals(List.of(), d.ignoredFields());
  }

  @Test
  void rejectsInvalidOrEmptyBase64InUtteranceAudio() {
    assertEquals("Invalid message format: field audio: invalid base64",
        failure(CODEC.decodeSession("{\"type\":\"utterance\",\"session_id\":\"s\",\"utterance_index\":0,\"audio\":\"not base64!\"}")));
    assertEquals("Invalid message format: field audio: must not be empty",
        failure(CODEC.decodeSession("{\"type\":\"utterance\",\"session_id\":\"s\",\"utterance_index\":0,\"audio\":\"\"}")));
    assertEquals("Invalid message format: missing field audio",
        failure(CODEC.decodeSession("{\"type\":\"utterance\",\"session_id\":\"s\",\"utterance_index\":0}")));
  }

  @Test
  void flagsInvalidBase64InAudioChunkPayloadButKeepsTheCut() {
    var c = (SessionInbound.AudioChunk) ok(CODEC.decodeSession(
        "{\"type\":\"audio_chunk\",\"session_id\":\"s\",\"is_final\":true,\"payload\":\"@@@\"}")).message();
    assertTrue(c.isFinal());
    assertTrue(c.payloadInvalid());
    assertEquals(0, c.payload().length);
  }

  @Test
  void rejectsDeepNestingWithoutStackOverflow() {
    String deep = "{\"type\":\"node_error\",\"code\":\"c\",\"message\":\"m\",\"details\":"
        + "[".repeat(10_000) + "]".repeat(10_000) + "}";
    assertTrue(failure(CODEC.decodeNode(deep)).startsWith("Invalid message format: "));
    String ok = "{\"type\":\"node_error\",\"code\":\"c\",\"message\":\"m\",\"details\":" + "[".repeat(60) + "]".repeat(60) + "}";
    assertInstanceOf(Decoded.Ok.class, CODEC.decodeNode(ok));
  }

  @Test
  void rejectsOverLongDocumentsStringsAndNumbers() {
    var small = new WireCodec(new WireCodec.Limits(64, 10, 50, 200));
    String longDoc = "{\"type\":\"room_leave\",\"room_code\":\"1\",\"pad\":\"" + "x".repeat(40) + "\",\"pad2\":\"" + "y".repeat(40)
        + "\",\"pad3\":\"" + "z".repeat(40) + "\",\"pad4\":\"" + "w".repeat(40) + "\"}";
    assertTrue(longDoc.length() > 200);
    assertTrue(failure(small.decodeSession(longDoc)).startsWith("Invalid message format: "));
    assertTrue(failure(small.decodeSession("{\"type\":\"room_leave\",\"room_code\":\"" + "1".repeat(60) + "\"}"))
        .startsWith("Invalid message format: "));
    assertTrue(failure(small.decodeNode("{\"type\":\"job_ack\",\"job_id\":\"j\",\"attempt_id\":123456789012345}"))
        .startsWith("Invalid message format: "));
    assertInstanceOf(Decoded.Ok.class, small.decodeSession("{\"type\":\"room_leave\",\"room_code\":\"482913\"}"));
  }

  @Test
  void defaultLimitsAreTheDocumentedOnes() {
    assertEquals(new WireCodec.Limits(64, 64, 24_000_000, 25_000_000L), WireCodec.Limits.DEFAULT);
  }
}
