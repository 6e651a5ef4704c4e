package dev.polyglot.scheduler.room;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a member's client asks about rooms (PROTOCOL.md §6.13–6.14), in domain terms: the socket decodes the wire
 * message into one of these, its session carries it out against the room entities ({@link RoomEntity}, through
 * {@link RoomCreation} for a new room). Optional strings are {@code null} when absent. Typed by name so that it
 * survives Jackson inside a session command whose field is typed {@code RoomRequest}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "@type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = RoomRequest.Create.class, name = "create"),
    @JsonSubTypes.Type(value = RoomRequest.Join.class, name = "join"),
    @JsonSubTypes.Type(value = RoomRequest.Leave.class, name = "leave"),
    @JsonSubTypes.Type(value = RoomRequest.RawVoice.class, name = "raw-voice"),
    @JsonSubTypes.Type(value = RoomRequest.Signal.class, name = "signal")})
public sealed interface RoomRequest extends RoomMessage {

  /** {@code room_create}: a new room, the caller its first member (leaving any room it was in). */
  record Create(String displayName, String preferredLang) implements RoomRequest {}

  /** {@code room_join}: the caller joins {@code roomCode} (leaving any other room once it is in). */
  record Join(String roomCode, String displayName, String preferredLang) implements RoomRequest {}

  /** {@code room_leave}. */
  record Leave(String roomCode) implements RoomRequest {}

  /** {@code room_raw_voice_preference}: whether the caller wants {@code targetSessionId}'s raw voice. */
  record RawVoice(String roomCode, String targetSessionId, boolean receiveRawVoice) implements RoomRequest {}

  /** {@code webrtc_offer}, {@code webrtc_answer} or {@code webrtc_ice} for member {@code to}, relayed by the room. */
  record Signal(String type, String roomCode, String to, JsonNode sdp, JsonNode candidate) implements RoomRequest {
    public Signal { // the codec checked the type and the fields; an absent payload stays null across instances
      sdp = Room.payload(sdp);
      candidate = Room.payload(candidate);
    }
  }
}
