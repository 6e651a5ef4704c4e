package dev.polyglot.scheduler.session;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import dev.polyglot.scheduler.api.ClusterMessage;
import dev.polyglot.scheduler.api.ExtraResult;
import dev.polyglot.scheduler.api.NetworkTimings;
import dev.polyglot.scheduler.api.SegmentsMeta;
import dev.polyglot.scheduler.api.ServiceTimings;
import dev.polyglot.scheduler.room.RoomEvent;
import java.util.List;

/**
 * What a SessionEntity tells its client, as domain events; the SessionSocket turns each into exactly one
 * wire message (PROTOCOL.md §6). Optional fields are {@code null} when absent.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "@type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = ClientEvent.InitAck.class, name = "init-ack"),
    @JsonSubTypes.Type(value = ClientEvent.Result.class, name = "result"),
    @JsonSubTypes.Type(value = ClientEvent.Partial.class, name = "partial"),
    @JsonSubTypes.Type(value = ClientEvent.Ui.class, name = "ui"),
    @JsonSubTypes.Type(value = ClientEvent.Error.class, name = "error"),
    @JsonSubTypes.Type(value = ClientEvent.ServerHeartbeat.class, name = "server-heartbeat"),
    @JsonSubTypes.Type(value = ClientEvent.CloseAck.class, name = "close-ack"),
    @JsonSubTypes.Type(value = ClientEvent.Busy.class, name = "busy"),
    @JsonSubTypes.Type(value = ClientEvent.RoomCreateAck.class, name = "room-create-ack"),
    @JsonSubTypes.Type(value = ClientEvent.RoomMembers.class, name = "room-members"),
    @JsonSubTypes.Type(value = ClientEvent.RoomError.class, name = "room-error"),
    @JsonSubTypes.Type(value = ClientEvent.RoomExpired.class, name = "room-expired"),
    @JsonSubTypes.Type(value = ClientEvent.RoomSignal.class, name = "room-signal")})
public sealed interface ClientEvent extends ClusterMessage {

  record InitAck(String sessionId, String traceId) implements ClientEvent {}

  record Result(String sessionId, int utteranceIndex, String jobId, String textAsr, String textTranslated,
                String ttsAudio, String ttsFormat, String traceId, ExtraResult extra, String groupId, Integer partIndex,
                ServiceTimings serviceTimings, NetworkTimings networkTimings, long schedulerSentAtMs,
                String asrQualityLevel, List<String> reasonCodes, Double qualityScore, Integer rerunCount,
                SegmentsMeta segmentsMeta) implements ClientEvent {}

  record Partial(String sessionId, int utteranceIndex, String jobId, String text, boolean isFinal, String traceId)
      implements ClientEvent {}

  record Ui(String traceId, String sessionId, String jobId, int utteranceIndex, String event, String status,
            Long elapsedMs, String errorCode) implements ClientEvent {}

  record Error(String code, String message, JsonNode details, String traceId) implements ClientEvent {}

  record ServerHeartbeat(String sessionId, long timestamp) implements ClientEvent {}

  record CloseAck(String sessionId) implements ClientEvent {}

  record Busy(long resumeAfterMs, String message) implements ClientEvent {}

  /** {@code room_create_ack} (PROTOCOL.md §6.13). */
  record RoomCreateAck(String roomCode, String roomId) implements ClientEvent {}

  /** {@code room_members}: the full member list, in join order. */
  record RoomMembers(String roomCode, List<RoomEvent.Participant> members) implements ClientEvent {
    public RoomMembers {
      members = members == null ? List.of() : List.copyOf(members);
    }
  }

  /** {@code room_error} with {@code ROOM_NOT_FOUND} or {@code ALREADY_IN_ROOM}. */
  record RoomError(String code, String message) implements ClientEvent {}

  record RoomExpired(String roomCode, String message) implements ClientEvent {}

  /** A relayed {@code webrtc_offer}, {@code webrtc_answer} or {@code webrtc_ice}; {@code to} is the sender (§6.14). */
  record RoomSignal(String type, String roomCode, String to, JsonNode sdp, JsonNode candidate) implements ClientEvent {
    public RoomSignal { // absent stays null across instances (Jackson reads a null field back as a NullNode)
      sdp = sdp == null || sdp.isNull() ? null : sdp;
      candidate = candidate == null || candidate.isNull() ? null : candidate;
    }
  }
}
