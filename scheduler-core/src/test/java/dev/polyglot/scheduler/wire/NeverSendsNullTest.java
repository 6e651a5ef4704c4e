package dev.polyglot.scheduler.wire;

import dev.polyglot.scheduler.api.ExtraResult;
import dev.polyglot.scheduler.api.FeatureFlags;
import dev.polyglot.scheduler.api.NetworkTimings;
import dev.polyglot.scheduler.api.PipelineConfig;
import dev.polyglot.scheduler.api.ServiceTimings;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** §4.2: the scheduler never sends {@code null}; absent optionals are omitted. */
class NeverSendsNullTest {

  static final WireCodec CODEC = new WireCodec();

  static void assertNoNull(String json) {
    assertFalse(json.contains("null"), json);
    assertDoesNotThrow(() -> new ObjectMapper().readTree(json));
  }

  @Test
  void neverEmitsNullForAnyNodeOutboundRecordWithAllOptionalsNull() {
    List<NodeOutbound> all = List.of(
        new NodeOutbound.RegisterAck("n", "m", "registering"),
        new NodeOutbound.JobAssign("j", 1, "s", 0, "zh", "en", PipelineConfig.streamingDefault(), new byte[] {1}, "opus",
            16000, "t", true, 1000, "turn", null, null, null, null, null, null, null, false, false, false, false),
        new NodeOutbound.JobCancel("j", null, null),
        new NodeOutbound.NodeStatus("n", "ready", null, 1L),
        new ErrorFrame("X", "m", NullNode.instance, null));
    for (NodeOutbound m : all) {
      assertNoNull(CODEC.encode(m));
    }
    assertFalse(CODEC.encode(all.get(1)).contains("is_"), "false cut flags are not sent");
  }

  @Test
  void neverEmitsNullForAnySessionOutboundRecordWithAllOptionalsNull() {
    List<SessionOutbound> all = List.of(
        SessionOutbound.InitAck.of("s", "t"),
        new SessionOutbound.TranslationResult("s", 0, "j", "", "", "", "pcm16", "t", null, null, null, null, null, 1L,
            null, null, null, null, null),
        new SessionOutbound.TranslationResult("s", 0, "j", "", "", "", "pcm16", "t",
            new ExtraResult(null, null, null, new ServiceTimings(null, null, null, null), null, null, null), null, null,
            new ServiceTimings(null, null, null, null), new NetworkTimings(null, null, null, null), 1L,
            null, null, null, null, null),
        new SessionOutbound.AsrPartial("s", 0, "j", "", true, "t"),
        new SessionOutbound.UiEvent("t", "s", "j", 0, "DISPATCHED", "ok", null, null),
        new SessionOutbound.ServerHeartbeat("s", 1L),
        new SessionOutbound.CloseAck("s"),
        new SessionOutbound.Backpressure("BUSY", 1, null),
        new SessionOutbound.RoomCreateAck("1", "r"),
        new SessionOutbound.RoomMembers("1", List.of(new SessionOutbound.Participant("s", "s", null, null, null, "2026-01-10T08:15:30.123Z"))),
        new SessionOutbound.RoomMembers("1", null),
        new SessionOutbound.RoomError("ROOM_NOT_FOUND", null),
        new SessionOutbound.RoomExpired("1", "m"),
        new SessionOutbound.WebrtcSignal("webrtc_ice", "1", "s", null, NullNode.instance),
        ErrorFrame.of("X", "m"));
    for (SessionOutbound m : all) {
      assertNoNull(CODEC.encode(m));
    }
  }

  @Test
  void encodesTheEmptyFeatureFlagsAsAnEmptyObject() {
    var m = new NodeOutbound.JobAssign("j", 1, "s", 0, "zh", "en", PipelineConfig.streamingDefault(), new byte[0], "opus",
        16000, "t", true, 1000, "turn", null, FeatureFlags.empty(), null, null, null, null, null, null, null, null, null);
    String json = CODEC.encode(m);
    assertTrue(json.contains("\"features\":{}"), json);
    assertTrue(json.contains("\"audio\":\"\""), json);
  }
}
