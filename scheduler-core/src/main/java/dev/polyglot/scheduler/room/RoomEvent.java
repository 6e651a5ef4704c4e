package dev.polyglot.scheduler.room;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a room tells one member session through {@link RoomMemberRouter}. The session turns each event into one
 * wire message for its client (PROTOCOL.md §6.13–6.14): {@link Members} into {@code room_members}, {@link Expired}
 * into {@code room_expired}, {@link Signal} into the relayed {@code webrtc_*} message. Typed by name so that it
 * survives Jackson inside a session command whose field is typed {@code RoomEvent}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "@type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = RoomEvent.Members.class, name = "members"),
    @JsonSubTypes.Type(value = RoomEvent.Expired.class, name = "expired"),
    @JsonSubTypes.Type(value = RoomEvent.Signal.class, name = "signal")})
public sealed interface RoomEvent extends RoomMessage {
  String roomCode();

  /**
   * A member as {@code room_members} shows it (PROTOCOL.md §5, Participant): {@code participantId} equals
   * {@code sessionId}; {@code displayName} and {@code preferredLang} are {@code null} when absent (the wire omits
   * them); {@code rawVoicePreferences} maps a member's session id to whether this member wants its raw voice (an
   * absent entry means yes); {@code joinedAt} is RFC 3339 UTC with milliseconds, e.g. {@code 2026-01-10T08:15:30.123Z}.
   */
  record Participant(String participantId, String sessionId, String displayName, String preferredLang,
                     Map<String, Boolean> rawVoicePreferences, String joinedAt) implements FanoutPlan.Listener {
    public Participant {
      Objects.requireNonNull(sessionId, "sessionId");
      rawVoicePreferences = rawVoicePreferences == null ? Map.of() : Map.copyOf(rawVoicePreferences);
    }
  }

  /**
   * The full member list after a change, in join order: one {@code room_members}. {@code version} rises with every
   * change of one room; a session keeps the newest view it saw and ignores one with a lower version, unless
   * {@code resync} is set: a room re-created from the ledger (after the instance hosting it died) sends its view to
   * every member with {@code resync}, and its versions go on from there.
   */
  record Members(String roomCode, String roomId, long version, boolean resync, List<Participant> members)
      implements RoomEvent {
    public Members {
      members = members == null ? List.of() : List.copyOf(members);
    }

    /** Whether {@code sessionId} is among the members. */
    public boolean includes(String sessionId) {
      for (Participant p : members) if (p.sessionId().equals(sessionId)) return true;
      return false;
    }
  }

  /** The room had no delivered result for {@code rooms.expiry} and is deleted: one {@code room_expired}. */
  record Expired(String roomCode, String message) implements RoomEvent {}

  /**
   * A relayed WebRTC signal for this member: {@code type} is the wire type ({@code webrtc_offer},
   * {@code webrtc_answer} or {@code webrtc_ice}); {@code from} is the sender's session id, which goes out as the
   * message's {@code to} (PROTOCOL.md §6.14); {@code sdp} or {@code candidate} is passed through untouched. The
   * receiving session drops it, counted as {@link Room.DropReason#NO_OPEN_SOCKET}, when its client socket is closed.
   */
  record Signal(String roomCode, String type, String from, JsonNode sdp, JsonNode candidate) implements RoomEvent {
    public Signal {
      if (!Room.isSignalType(type)) throw new IllegalArgumentException("not a webrtc type: " + type);
      Objects.requireNonNull(from, "from");
      sdp = Room.payload(sdp);
      candidate = Room.payload(candidate);
    }
  }
}
