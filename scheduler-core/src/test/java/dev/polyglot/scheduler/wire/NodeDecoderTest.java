package dev.polyglot.scheduler.wire;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The heartbeat fast path answers exactly what the tree path answers, and decodes an unchanged list only once. */
class NodeDecoderTest {

  static final WireCodec CODEC = new WireCodec();
  static final String RU = "\"resource_usage\":{\"cpu_percent\":12.5,\"gpu_percent\":41.0,\"mem_percent\":48.1,\"running_jobs\":1}";
  static final String SERVICES = "\"installed_services\":[{\"service_id\":\"faster-whisper-vad\",\"type\":\"asr\",\"device\":\"gpu\","
      + "\"status\":\"running\",\"version\":\"2.0.0\"},{\"service_id\":\"nmt-m2m100\",\"type\":\"nmt\",\"status\":\"running\"}]";
  static final String CAPS = "\"capability_by_type\":[{\"type\":\"asr\",\"ready\":true,\"devices\":[\"gpu\"]},"
      + "{\"type\":\"nmt\",\"ready\":true,\"devices\":[\"gpu\"]}]";
  static final String LANGS = "\"language_capabilities\":{\"asr_languages\":[\"zh\",\"en\"],\"tts_languages\":[\"zh\",\"en\"],"
      + "\"semantic_languages\":[\"zh\",\"en\"],\"semantic_core_ready\":true}";
  static final String METRICS = "\"processing_metrics\":{\"serviceEfficiencies\":{\"faster-whisper-vad\":11.8}}";

  static String hb(String... fields) {
    return "{\"type\":\"node_heartbeat\"," + String.join(",", fields) + "}";
  }

  /** Frames as a connection might send them, in order: the same decoder sees them all, as a socket would. */
  static List<String> frames() {
    List<String> f = new ArrayList<>();
    f.add(hb("\"node_id\":\"node-1\"", "\"timestamp\":1767225615000", RU, SERVICES, CAPS, LANGS, METRICS));
    f.add(hb("\"node_id\":\"node-1\"", "\"timestamp\":1767225616000", RU, SERVICES, CAPS, LANGS, METRICS));
    f.add(hb(RU.replace("\"running_jobs\":1", "\"running_jobs\":3"), SERVICES, CAPS, LANGS, METRICS)); // usage changed
    f.add(hb(RU, SERVICES.replace("nmt-m2m100", "nmt-other"), CAPS, LANGS)); // a list changed
    f.add(hb(RU, SERVICES, CAPS, LANGS)); // and back
    f.add(hb(RU)); // no lists: unchanged
    f.add(hb(RU, "\"installed_services\":[]", "\"capability_by_type\":null", "\"installed_models\":[]"));
    f.add(hb(RU, "\"installed_services\":{}", "\"capability_by_type\":7", "\"language_capabilities\":[1]")); // wrongly typed: ignored
    f.add(hb(RU, "\"installed_services\":[{\"service_id\":\"x\"},5,{\"service_id\":\"a\",\"type\":\"asr\",\"status\":\"running\"}]"));
    f.add(hb(RU, "\"installed_services\":[{\"service_id\":\"x\"},5,{\"service_id\":\"a\",\"type\":\"asr\",\"status\":\"running\"}]"));
    f.add(hb(RU, "\"unknown\":{\"deep\":[1,2,{\"x\":null}]}", "\"future_list\":[1,2,3]", SERVICES, "\"zz\":\"tail\""));
    f.add(hb(RU, SERVICES, "\"installed_services\":null")); // duplicate key: the last wins
    f.add(hb(RU, "\"installed_services\":null", SERVICES));
    f.add(hb("\"resource_usage\":{\"cpu_percent\":1,\"mem_percent\":2,\"running_jobs\":0}", RU)); // duplicate usage
    f.add(hb("\"node_id\":7", "\"timestamp\":\"soon\"", RU, "\"rerun_metrics\":[1]", "\"asr_metrics\":{\"processingEfficiency\":0.4}"));
    f.add("{\"node_id\":\"node-1\"," + RU + ",\"type\":\"node_heartbeat\"}"); // type last
    f.add(" \n" + hb(RU, SERVICES) + " \n"); // whitespace around
    // rejected ones: the tree path's replies
    f.add(hb(SERVICES)); // no usage
    f.add(hb(RU.replace("12.5", "\"high\""), SERVICES));
    f.add(hb(RU, "\"installed_services\":[{\"service_id\":\"a\",\"type\":\"asr\",\"status\":\"running\",\"mem_mb\":-1}]"));
    f.add(hb(RU, "\"node_id\":\"" + "x".repeat(200) + "\""));
    f.add(hb(RU, "\"language_capabilities\":{\"asr_languages\":[\"z h\"]}"));
    f.add(hb(RU, "\"processing_metrics\":{\"x\":1e400}"));
    f.add(hb(RU) + " {}"); // trailing tokens
    f.add(hb(RU, SERVICES).substring(0, 60)); // cut off
    f.add("{\"type\":\"node_heartbeat\",\"type\":\"job_ack\"," + RU + "}"); // duplicate type: the last wins
    f.add("{\"type\":\"Node_Heartbeat\"," + RU + "}");
    f.add("[" + hb(RU) + "]");
    f.add("");
    // other messages go the tree way
    f.add("{\"type\":\"job_ack\",\"job_id\":\"j\",\"attempt_id\":1}");
    f.add("{\"type\":\"request_pairing_code\"}");
    f.add(hb("\"node_id\":\"node-1\"", RU, SERVICES, CAPS, LANGS, METRICS)); // memos still right after all that
    return f;
  }

  @Test
  void answersExactlyWhatTheTreePathAnswers() {
    NodeDecoder decoder = CODEC.nodeDecoder();
    for (String frame : frames()) {
      assertEquals(CODEC.decodeNode(frame), decoder.decode(frame), () -> "frame: " + frame);
    }
  }

  @Test
  void answersTheSameWhateverTheOrderOfFrames() {
    List<String> f = frames();
    NodeDecoder decoder = CODEC.nodeDecoder();
    for (int round = 0; round < 3; round++) {
      for (int i = f.size() - 1; i >= 0; i -= 1 + round) {
        String frame = f.get(i);
        assertEquals(CODEC.decodeNode(frame), decoder.decode(frame), () -> "frame: " + frame);
      }
    }
  }

  @Test
  void takesValidHeartbeatsTheFastWayAndHandsBackTheSameListsWhenTheirTextIsUnchanged() {
    NodeDecoder decoder = CODEC.nodeDecoder();
    var first = (NodeInbound.Heartbeat) ((Decoded.Ok<NodeInbound>) decoder.decode(hb(RU, SERVICES, CAPS, LANGS, METRICS))).message();
    var second = (NodeInbound.Heartbeat) ((Decoded.Ok<NodeInbound>) decoder.decode(
        hb("\"timestamp\":5", RU.replace("12.5", "80.0"), SERVICES, CAPS, LANGS, METRICS))).message();
    assertSame(first.installedServices(), second.installedServices());
    assertSame(first.capabilityByType(), second.capabilityByType());
    assertSame(first.languageCapabilities(), second.languageCapabilities());
    assertSame(first.processingMetrics(), second.processingMetrics());
    assertEquals(80.0, second.resourceUsage().cpuPercent());
    assertEquals(2, decoder.fastPathHits());
    decoder.decode("{\"type\":\"job_ack\",\"job_id\":\"j\",\"attempt_id\":1}");
    decoder.decode(hb(SERVICES));
    assertEquals(2, decoder.fastPathHits(), "other types and rejected heartbeats go the tree way");
  }
}
