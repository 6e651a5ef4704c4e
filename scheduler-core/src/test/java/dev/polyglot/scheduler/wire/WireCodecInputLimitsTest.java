package dev.polyglot.scheduler.wire;

import static dev.polyglot.scheduler.wire.WireCodecBadInputTest.failure;
import static dev.polyglot.scheduler.wire.WireCodecBadInputTest.ok;
import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.pool.PoolMembership;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** {@link InputLimits}: every string, list, id, number and audio field has a cap, and over it the field is named. */
class WireCodecInputLimitsTest {

  static final WireCodec CODEC = new WireCodec();
  static final String RU = "\"resource_usage\":{\"cpu_percent\":1,\"mem_percent\":2,\"running_jobs\":0}";
  static final String CHARSET_ERROR = "contains a character outside [A-Za-z0-9._:@/+=~-]";

  static String init(String extra) {
    return "{\"type\":\"session_init\",\"src_lang\":\"zh\",\"tgt_lang\":\"en\"" + extra + "}";
  }

  static String quoted(String s) {
    return new com.fasterxml.jackson.databind.node.TextNode(s).toString();
  }

  static String langs(int n) {
    return IntStream.range(0, n).mapToObj(i -> "\"l" + i + "\"").collect(Collectors.joining(",", "[", "]"));
  }

  // ---------------------------------------------------------------- strings

  @Test
  void rejectsATraceIdOverItsCapNamingTheFieldAndKeepsOneAtTheCap() {
    assertEquals("Invalid message format: field trace_id: longer than 128 characters",
        failure(CODEC.decodeSession(init(",\"trace_id\":\"" + "t".repeat(129) + "\""))));
    var i = (SessionInbound.Init) ok(CODEC.decodeSession(init(",\"trace_id\":\"" + "t".repeat(128) + "\""))).message();
    assertEquals(128, i.traceId().length());
  }

  @Test
  void rejectsAMegabyteTenantIdOrDialectAsTheAttackDid() {
    String mb = "x".repeat(1_000_000);
    assertEquals("Invalid message format: field tenant_id: longer than 128 characters",
        failure(CODEC.decodeSession(init(",\"tenant_id\":\"" + mb + "\""))));
    assertEquals("Invalid message format: field dialect: longer than 256 characters",
        failure(CODEC.decodeSession(init(",\"dialect\":\"" + mb + "\""))));
    assertEquals("Invalid message format: field src_lang: longer than 32 characters",
        failure(CODEC.decodeSession("{\"type\":\"session_init\",\"src_lang\":\"" + "z".repeat(33) + "\",\"tgt_lang\":\"en\"}")));
  }

  @Test
  void rejectsAnOverLongDisplayNameAndAnOverLongTextNamingThem() {
    assertEquals("Invalid message format: field display_name: longer than 256 characters",
        failure(CODEC.decodeSession("{\"type\":\"room_join\",\"room_code\":\"482913\",\"display_name\":\"" + "n".repeat(257) + "\"}")));
    assertEquals("Invalid message format: field text_translated: longer than 65536 characters",
        failure(CODEC.decodeNode("{\"type\":\"job_result\",\"job_id\":\"j\",\"attempt_id\":1,\"success\":true,"
            + "\"text_translated\":\"" + "w".repeat(65_537) + "\"}")));
  }

  @Test
  void anOverLongOptionalFieldInsideAListElementRejectsTheWholeMessageNamingItsPath() {
    assertEquals("Invalid message format: field installed_services[1].version: longer than 256 characters",
        failure(CODEC.decodeNode("{\"type\":\"node_register\",\"installed_services\":["
            + "{\"service_id\":\"a\",\"type\":\"asr\",\"status\":\"running\"},"
            + "{\"service_id\":\"b\",\"type\":\"nmt\",\"status\":\"running\",\"version\":\"" + "9".repeat(257) + "\"}]}")));
  }

  @Test
  void displayNamesKeepUnicodeButShortNamesRefuseControlCharacters() {
    var j = (SessionInbound.RoomJoin) ok(CODEC.decodeSession(
        "{\"type\":\"room_join\",\"room_code\":\"482913\",\"display_name\":\"张三 \uD83D\uDE00 O'Brien\"}")).message();
    assertEquals("张三 \uD83D\uDE00 O'Brien", j.displayName());
    assertEquals("Invalid message format: field mode: contains a control character",
        failure(CODEC.decodeSession(init(",\"mode\":\"one_way\\nFAKE LOG LINE\""))));
    assertEquals("Invalid message format: field version: contains a control character",
        failure(CODEC.decodeNode("{\"type\":\"node_register\",\"version\":\"1.0\\u0000\"}")));
    var r = (NodeInbound.JobResult) ok(CODEC.decodeNode("{\"type\":\"job_result\",\"job_id\":\"j\",\"attempt_id\":1,"
        + "\"success\":true,\"text_asr\":\"line one\\nline two\"}")).message();
    assertEquals("line one\nline two", r.textAsr(), "free text keeps its newlines");
  }

  @Test
  void anUnknownTypeIsNamedButNeverEchoedWhole() {
    String detail = failure(CODEC.decodeSession("{\"type\":\"" + "q".repeat(100_000) + "\"}"));
    assertEquals("unknown message type: " + "q".repeat(64) + "...", detail);
  }

  // ---------------------------------------------------------------- ids

  @Test
  void idsAreRestrictedToTheSafeCharsetOnBothSockets() {
    for (String bad : List.of("node\nid", "node\u0000", "<script>", "a\"b", "back\\slash", "two words", "semi;colon",
        "amp&", "tick'", "é")) {
      assertEquals("Invalid message format: field node_id: " + CHARSET_ERROR,
          failure(CODEC.decodeNode("{\"type\":\"node_register\",\"node_id\":" + quoted(bad) + "}")), bad);
    }
    assertEquals("Invalid message format: field session_id: " + CHARSET_ERROR,
        failure(CODEC.decodeSession("{\"type\":\"client_heartbeat\",\"session_id\":\"s-1\\r\\n\"}")));
    assertEquals("Invalid message format: field trace_id: " + CHARSET_ERROR,
        failure(CODEC.decodeSession(init(",\"trace_id\":\"<b>x</b>\""))));
    assertEquals("Invalid message format: field job_id: " + CHARSET_ERROR,
        failure(CODEC.decodeNode("{\"type\":\"job_ack\",\"job_id\":\"job 1\",\"attempt_id\":1}")));
    assertEquals("Invalid message format: field language_capabilities.asr_languages[1]: " + CHARSET_ERROR,
        failure(CODEC.decodeNode("{\"type\":\"node_register\",\"language_capabilities\":{\"asr_languages\":[\"zh\",\"en\\n\"]}}")));
  }

  @Test
  void realIdsPassTheCharset() {
    for (String id : List.of("node-7D21E0AF", "gpu-01.dc1.example.com", "worker_3", "s-3F9A0C1B",
        "job-0b6f3c1e-5d0a-4c59-9a0e-2f3b7f6c1d44", "tenant:acme/eu+1=~x@y")) {
      var r = (NodeInbound.Register) ok(CODEC.decodeNode("{\"type\":\"node_register\",\"node_id\":\"" + id + "\"}")).message();
      assertEquals(id, r.nodeId());
    }
    var i = (SessionInbound.Init) ok(CODEC.decodeSession(init(
        ",\"trace_id\":\"5b1f0a52-8f7e-4c7b-9d0f-3a1e2b4c5d6e\",\"lang_a\":\"zh-Hant-TW\",\"lang_b\":\"en_US\""))).message();
    assertEquals("zh-Hant-TW", i.langA());
  }

  // ---------------------------------------------------------------- lists and pools

  @Test
  void rejectsLanguageListsOverTheirCapNamingTheList() {
    assertEquals("Invalid message format: field language_capabilities.asr_languages: more than 64 entries",
        failure(CODEC.decodeNode("{\"type\":\"node_register\",\"language_capabilities\":{\"asr_languages\":" + langs(65) + "}}")));
    assertEquals("Invalid message format: field language_capabilities.semantic_languages: more than 64 entries",
        failure(CODEC.decodeNode("{\"type\":\"node_heartbeat\"," + RU
            + ",\"language_capabilities\":{\"semantic_languages\":" + langs(65) + "}}")));
    assertEquals("Invalid message format: field auto_langs: more than 64 entries",
        failure(CODEC.decodeSession(init(",\"auto_langs\":" + langs(65)))));
  }

  @Test
  void rejectsOtherListsOverTheirCapNamingThem() {
    String pairs = IntStream.range(0, 257).mapToObj(i -> "{\"src\":\"a" + i + "\",\"tgt\":\"b\"}")
        .collect(Collectors.joining(",", "[", "]"));
    assertEquals("Invalid message format: field language_capabilities.supported_language_pairs: more than 256 entries",
        failure(CODEC.decodeNode("{\"type\":\"node_register\",\"language_capabilities\":{\"supported_language_pairs\":" + pairs + "}}")));
    String models = IntStream.range(0, 257).mapToObj(i -> "{\"model_id\":\"m" + i + "\",\"kind\":\"asr\"}")
        .collect(Collectors.joining(",", "[", "]"));
    assertEquals("Invalid message format: field installed_models: more than 256 entries",
        failure(CODEC.decodeNode("{\"type\":\"node_register\",\"installed_models\":" + models + "}")));
    String services = IntStream.range(0, 257).mapToObj(i -> "{\"service_id\":\"s" + i + "\",\"type\":\"asr\",\"status\":\"running\"}")
        .collect(Collectors.joining(",", "[", "]"));
    assertEquals("Invalid message format: field installed_services: more than 256 entries",
        failure(CODEC.decodeNode("{\"type\":\"node_heartbeat\"," + RU + ",\"installed_services\":" + services + "}")));
    assertEquals("Invalid message format: field capability_by_type[0].ready_impl_ids: more than 256 entries",
        failure(CODEC.decodeNode("{\"type\":\"node_register\",\"capability_by_type\":[{\"type\":\"asr\",\"ready\":true,"
            + "\"ready_impl_ids\":" + langs(257) + "}]}")));
    assertEquals("Invalid message format: field reason_codes: more than 256 entries",
        failure(CODEC.decodeNode("{\"type\":\"job_result\",\"job_id\":\"j\",\"attempt_id\":1,\"success\":true,"
            + "\"reason_codes\":" + langs(257) + "}")));
  }

  @Test
  void aNodeAtEveryListCapIsInAtMostTheStatedNumberOfPools() {
    String l = langs(64);
    var r = (NodeInbound.Register) ok(CODEC.decodeNode("{\"type\":\"node_register\",\"language_capabilities\":{"
        + "\"asr_languages\":" + l + ",\"tts_languages\":" + l + ",\"semantic_languages\":" + l + "}}")).message();
    int pools = PoolMembership.poolsOf(r.languageCapabilities()).size();
    System.out.println("pools of a node with 64 languages in every list: " + pools);
    assertEquals(4_096, pools);
    assertEquals(4_096, InputLimits.DEFAULT.maxPoolsPerNode());
  }

  // ---------------------------------------------------------------- numbers

  @Test
  void rejectsNonFiniteNumbersSoNoInfinityReachesAnythingWeWrite() {
    assertEquals("Invalid message format: field resource_usage.cpu_percent: must be a finite number",
        failure(CODEC.decodeNode("{\"type\":\"node_heartbeat\",\"resource_usage\":{\"cpu_percent\":1e400,\"mem_percent\":2,\"running_jobs\":0}}")));
    assertEquals("Invalid message format: field resource_usage.gpu_percent: must be a finite number",
        failure(CODEC.decodeNode("{\"type\":\"node_heartbeat\",\"resource_usage\":{\"cpu_percent\":1,\"mem_percent\":2,"
            + "\"running_jobs\":0,\"gpu_percent\":-1e400}}")));
    assertEquals("Invalid message format: field quality_score: must be a finite number",
        failure(CODEC.decodeNode("{\"type\":\"job_result\",\"job_id\":\"j\",\"attempt_id\":1,\"success\":true,\"quality_score\":9e999}")));
    assertEquals("Invalid message format: field extra.language_probabilities.zh: must be a finite number",
        failure(CODEC.decodeNode("{\"type\":\"job_result\",\"job_id\":\"j\",\"attempt_id\":1,\"success\":true,"
            + "\"extra\":{\"language_probabilities\":{\"zh\":1e400}}}")));
    assertEquals("Invalid message format: field processing_metrics: must be a finite number",
        failure(CODEC.decodeNode("{\"type\":\"node_heartbeat\"," + RU
            + ",\"processing_metrics\":{\"serviceEfficiencies\":{\"asr\":1e400}}}")));
    var hb = (NodeInbound.Heartbeat) ok(CODEC.decodeNode("{\"type\":\"node_heartbeat\",\"resource_usage\":"
        + "{\"cpu_percent\":1e300,\"mem_percent\":2,\"running_jobs\":0}}")).message();
    assertEquals(1e300, hb.resourceUsage().cpuPercent(), "large but finite numbers are kept");
  }

  // ---------------------------------------------------------------- pass-through JSON

  @Test
  void passThroughJsonIsBoundedInValuesAndStrings() {
    String many = IntStream.range(0, 4_097).mapToObj(Integer::toString).collect(Collectors.joining(",", "[", "]"));
    assertEquals("Invalid message format: field details: more than 4096 JSON values",
        failure(CODEC.decodeNode("{\"type\":\"node_error\",\"code\":\"c\",\"message\":\"m\",\"details\":" + many + "}")));
    assertEquals("Invalid message format: field rerun_metrics: longer than 65536 characters",
        failure(CODEC.decodeNode("{\"type\":\"node_heartbeat\"," + RU + ",\"rerun_metrics\":{\"x\":\"" + "r".repeat(65_537) + "\"}}")));
    assertInstanceOf(Decoded.Ok.class, CODEC.decodeNode("{\"type\":\"node_error\",\"code\":\"c\",\"message\":\"m\",\"details\":"
        + IntStream.range(0, 4_000).mapToObj(Integer::toString).collect(Collectors.joining(",", "[", "]")) + "}"));
  }

  // ---------------------------------------------------------------- utterance audio

  @Test
  void utteranceAudioIsCappedAtTheUtteranceBuffer() {
    String at = Base64.getEncoder().encodeToString(new byte[512_000]);
    var u = (SessionInbound.Utterance) ok(CODEC.decodeSession(
        "{\"type\":\"utterance\",\"session_id\":\"s\",\"utterance_index\":0,\"audio\":\"" + at + "\"}")).message();
    assertEquals(512_000, u.audio().length);
    String over = Base64.getEncoder().encodeToString(new byte[512_001]);
    assertEquals("Invalid message format: field audio: larger than 512000 bytes",
        failure(CODEC.decodeSession("{\"type\":\"utterance\",\"session_id\":\"s\",\"utterance_index\":0,\"audio\":\"" + over + "\"}")));
    String twoMb = Base64.getEncoder().encodeToString(new byte[2_000_000]);
    assertEquals("Invalid message format: field audio: larger than 512000 bytes",
        failure(CODEC.decodeSession("{\"type\":\"utterance\",\"session_id\":\"s\",\"utterance_index\":0,\"audio\":\"" + twoMb + "\"}")));
  }

  @Test
  void utteranceAudioFollowsTheConfiguredBuffer() {
    var small = new WireCodec(InputLimits.DEFAULT.withMaxAudioBytes(1_000));
    String ok = Base64.getEncoder().encodeToString(new byte[1_000]);
    assertInstanceOf(Decoded.Ok.class,
        small.decodeSession("{\"type\":\"utterance\",\"session_id\":\"s\",\"utterance_index\":0,\"audio\":\"" + ok + "\"}"));
    String over = Base64.getEncoder().encodeToString(new byte[1_001]);
    assertEquals("Invalid message format: field audio: larger than 1000 bytes",
        failure(small.decodeSession("{\"type\":\"utterance\",\"session_id\":\"s\",\"utterance_index\":0,\"audio\":\"" + over + "\"}")));
  }

  @Test
  void defaultInputLimitsAreTheDocumentedOnes() {
    assertEquals(new InputLimits(128, 32, 256, 65_536, 8_000_000, 64, 256, 256, 4_096, 512_000), InputLimits.DEFAULT);
  }
}
