package dev.polyglot.scheduler.wire;

import dev.polyglot.scheduler.api.FeatureFlags;
import dev.polyglot.scheduler.api.PipelineConfig;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Every message a client may send on {@code /ws/session} (§6), as decoded by {@link WireCodec}.
 * Optional fields are null when absent (or wrongly typed); defaults stated per record are applied.
 */
public sealed interface SessionInbound {

  /** {@code session_init} (§6.1); only {@code srcLang} and {@code tgtLang} are required. */
  record Init(
      String srcLang,
      String tgtLang,
      String clientVersion,
      String platform,
      String mode,
      String langA,
      String langB,
      List<String> autoLangs,
      String dialect,
      FeatureFlags features,
      String tenantId,
      String traceId,
      String pairingCode,
      Boolean enableStreamingAsr,
      Integer partialUpdateIntervalMs)
      implements SessionInbound {}

  /**
   * {@code audio_chunk} (§6.3). {@code payload} is never null (absent or "" = empty). Invalid
   * base64 does not reject the message: the payload is empty and {@code payloadInvalid} is true,
   * so the caller can reply {@code INVALID_MESSAGE} and still honour {@code isFinal}.
   */
  record AudioChunk(
      String sessionId,
      boolean isFinal,
      byte[] payload,
      boolean payloadInvalid,
      Long seq,
      Long clientTimestampMs)
      implements SessionInbound {}

  /**
   * {@code utterance} (§6.4). {@code audio} is decoded and non-empty; {@code sampleRate} defaults
   * to 16000, {@code manualCut} to false; {@code pipeline} is never null (partial input merged
   * with the §5.1 defaults). Null {@code audioFormat}, languages, dialect, features and trace id
   * mean "the session's". The last six fields are accepted but ignored by the scheduler.
   */
  record Utterance(
      String sessionId,
      int utteranceIndex,
      byte[] audio,
      String audioFormat,
      int sampleRate,
      boolean manualCut,
      String srcLang,
      String tgtLang,
      String dialect,
      FeatureFlags features,
      PipelineConfig pipeline,
      String traceId,
      String mode,
      String langA,
      String langB,
      List<String> autoLangs,
      Boolean enableStreamingAsr,
      Integer partialUpdateIntervalMs)
      implements SessionInbound {}

  /** {@code client_heartbeat} (§6.5). */
  record ClientHeartbeat(String sessionId, Long timestamp) implements SessionInbound {}

  /** {@code session_close} (§6.5). */
  record Close(String sessionId, String reason) implements SessionInbound {}

  /** {@code tts_started} (§6.6). */
  record TtsStarted(String sessionId, String groupId, String traceId, Long tsStartMs)
      implements SessionInbound {}

  /** {@code tts_play_ended} (§6.6). */
  record TtsPlayEnded(String sessionId, String groupId, String traceId, Long tsEndMs)
      implements SessionInbound {}

  /** {@code room_create} (§6.13); all optional. */
  record RoomCreate(Long clientTs, String displayName, String preferredLang)
      implements SessionInbound {}

  /** {@code room_join} (§6.13). */
  record RoomJoin(String roomCode, String displayName, String preferredLang)
      implements SessionInbound {}

  /** {@code room_leave} (§6.13). */
  record RoomLeave(String roomCode) implements SessionInbound {}

  /** {@code room_raw_voice_preference} (§6.13); all three fields required. */
  record RoomRawVoicePreference(String roomCode, String targetSessionId, boolean receiveRawVoice)
      implements SessionInbound {}

  /**
   * {@code webrtc_offer} / {@code webrtc_answer} (with {@code sdp}) or {@code webrtc_ice} (with
   * {@code candidate}) (§6.14); the JSON payload is passed through untouched.
   */
  record WebrtcSignal(String type, String roomCode, String to, JsonNode sdp, JsonNode candidate)
      implements SessionInbound {}
}
