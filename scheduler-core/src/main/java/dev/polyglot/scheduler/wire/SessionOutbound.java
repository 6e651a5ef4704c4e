package dev.polyglot.scheduler.wire;

import dev.polyglot.scheduler.api.Norm;

import dev.polyglot.scheduler.api.ExtraResult;
import dev.polyglot.scheduler.api.NetworkTimings;
import dev.polyglot.scheduler.api.SegmentsMeta;
import dev.polyglot.scheduler.api.ServiceTimings;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonTypeName;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * Every message the scheduler sends on {@code /ws/session} (§6), encoded by {@link WireCodec} with
 * {@code type} first, snake_case names and null fields omitted. Primitive components are the
 * "always" fields of §6; boxed ones are optional.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.EXISTING_PROPERTY, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(SessionOutbound.InitAck.class),
  @JsonSubTypes.Type(SessionOutbound.TranslationResult.class),
  @JsonSubTypes.Type(SessionOutbound.AsrPartial.class),
  @JsonSubTypes.Type(SessionOutbound.UiEvent.class),
  @JsonSubTypes.Type(SessionOutbound.ServerHeartbeat.class),
  @JsonSubTypes.Type(SessionOutbound.CloseAck.class),
  @JsonSubTypes.Type(SessionOutbound.Backpressure.class),
  @JsonSubTypes.Type(SessionOutbound.RoomCreateAck.class),
  @JsonSubTypes.Type(SessionOutbound.RoomMembers.class),
  @JsonSubTypes.Type(SessionOutbound.RoomError.class),
  @JsonSubTypes.Type(SessionOutbound.RoomExpired.class),
  @JsonSubTypes.Type(SessionOutbound.WebrtcSignal.class),
  @JsonSubTypes.Type(ErrorFrame.class)
})
public sealed interface SessionOutbound permits SessionOutbound.InitAck,
    SessionOutbound.TranslationResult, SessionOutbound.AsrPartial, SessionOutbound.UiEvent,
    SessionOutbound.ServerHeartbeat, SessionOutbound.CloseAck, SessionOutbound.Backpressure,
    SessionOutbound.RoomCreateAck, SessionOutbound.RoomMembers, SessionOutbound.RoomError,
    SessionOutbound.RoomExpired, SessionOutbound.WebrtcSignal, ErrorFrame {

  /** {@code session_init_ack} (§6.2); use {@link #of} for the constant fields. */
  @JsonTypeName("session_init_ack")
  record InitAck(
      String sessionId,
      String message,
      String traceId,
      String protocolVersion,
      boolean useBinaryFrame,
      String negotiatedCodec,
      String negotiatedAudioFormat,
      int negotiatedSampleRate,
      int negotiatedChannelCount)
      implements SessionOutbound {

    public static InitAck of(String sessionId, String traceId) {
      return new InitAck(sessionId, "session created", traceId, "1.0", false, "opus", "opus", 16000, 1);
    }
  }

  /**
   * {@code translation_result} (§6.7). {@code textAsr}, {@code textTranslated}, {@code ttsAudio}
   * (the node's base64, "" if none) and {@code ttsFormat} are always sent, so must not be null.
   */
  @JsonTypeName("translation_result")
  record TranslationResult(
      String sessionId,
      int utteranceIndex,
      String jobId,
      String textAsr,
      String textTranslated,
      String ttsAudio,
      String ttsFormat,
      String traceId,
      ExtraResult extra,
      String groupId,
      Integer partIndex,
      ServiceTimings serviceTimings,
      NetworkTimings networkTimings,
      long schedulerSentAtMs,
      String asrQualityLevel,
      List<String> reasonCodes,
      Double qualityScore,
      Integer rerunCount,
      SegmentsMeta segmentsMeta)
      implements SessionOutbound {

    public TranslationResult {
      reasonCodes = Norm.copy(reasonCodes);
    }
  }

  /** {@code asr_partial} to the client (§6.8); all fields always sent. */
  @JsonTypeName("asr_partial")
  record AsrPartial(
      String sessionId,
      int utteranceIndex,
      String jobId,
      String text,
      @JsonProperty("is_final") boolean isFinal,
      String traceId)
      implements SessionOutbound {}

  /** {@code ui_event} (§6.9); {@code elapsedMs} and {@code errorCode} optional, no hint. */
  @JsonTypeName("ui_event")
  record UiEvent(
      String traceId,
      String sessionId,
      String jobId,
      int utteranceIndex,
      String event,
      String status,
      Long elapsedMs,
      String errorCode)
      implements SessionOutbound {}

  /** {@code server_heartbeat} (§6.5): the scheduler's time. */
  @JsonTypeName("server_heartbeat")
  record ServerHeartbeat(String sessionId, long timestamp) implements SessionOutbound {}

  /** {@code session_close_ack} (§6.5). */
  @JsonTypeName("session_close_ack")
  record CloseAck(String sessionId) implements SessionOutbound {}

  /** {@code backpressure} (§6.11); {@code resumeAfterMs} must be &gt; 0. */
  @JsonTypeName("backpressure")
  record Backpressure(String action, int resumeAfterMs, String message) implements SessionOutbound {

    public Backpressure {
      if (resumeAfterMs <= 0) {
        throw new IllegalArgumentException("resume_after_ms must be > 0");
      }
    }

    public static Backpressure busy(int resumeAfterMs, String message) {
      return new Backpressure("BUSY", resumeAfterMs, message);
    }
  }

  /** {@code room_create_ack} (§6.13). */
  @JsonTypeName("room_create_ack")
  record RoomCreateAck(String roomCode, String roomId) implements SessionOutbound {}

  /** {@code room_members} (§6.13): the full member list after every change. */
  @JsonTypeName("room_members")
  record RoomMembers(String roomCode, List<Participant> members) implements SessionOutbound {

    public RoomMembers {
      members = members == null ? List.of() : List.copyOf(members);
    }
  }

  /**
   * A room member (§5): {@code participantId} equals {@code sessionId}; {@code joinedAt} is an
   * RFC 3339 UTC string such as {@code 2026-01-10T08:15:30.123Z}.
   */
  record Participant(
      String participantId,
      String sessionId,
      String displayName,
      String preferredLang,
      Map<String, Boolean> rawVoicePreferences,
      String joinedAt) {

    public Participant {
      rawVoicePreferences = Norm.copy(rawVoicePreferences);
    }
  }

  /** {@code room_error} (§6.13): {@code ROOM_NOT_FOUND} or {@code ALREADY_IN_ROOM}. */
  @JsonTypeName("room_error")
  record RoomError(String code, String message) implements SessionOutbound {}

  /** {@code room_expired} (§6.13). */
  @JsonTypeName("room_expired")
  record RoomExpired(String roomCode, String message) implements SessionOutbound {}

  /**
   * A relayed {@code webrtc_offer}/{@code webrtc_answer}/{@code webrtc_ice} (§6.14); {@code type}
   * is the wire type, {@code to} the sender's session id after rewriting.
   */
  @JsonTypeName("webrtc_signal")
  record WebrtcSignal(String type, String roomCode, String to, JsonNode sdp, JsonNode candidate)
      implements SessionOutbound {

    public WebrtcSignal {
      if (!type.equals("webrtc_offer") && !type.equals("webrtc_answer") && !type.equals("webrtc_ice")) {
        throw new IllegalArgumentException("not a webrtc type: " + type);
      }
      sdp = Norm.json(sdp);
      candidate = Norm.json(candidate);
    }

    /** Relays an inbound signal with {@code to} rewritten to the sender's session id. */
    public static WebrtcSignal relay(SessionInbound.WebrtcSignal in, String senderSessionId) {
      return new WebrtcSignal(in.type(), in.roomCode(), senderSessionId, in.sdp(), in.candidate());
    }
  }
}
