package dev.polyglot.scheduler.room;

import dev.polyglot.scheduler.store.Ledger;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One room (spec/BEHAVIOUR.md §12, PROTOCOL.md §6.13–6.14) as an immutable value, and every decision about it: who
 * may join, leave and set a raw-voice preference, the {@code room_members} view, when it expires, whether a WebRTC
 * signal is relayed, and how an utterance fans out over the members' languages. The {@link RoomEntity} holds one
 * value and carries out what it returns.
 *
 * <p>Members are kept in join order. A room holds few members (the people of one conversation), so a change copies
 * the member list: O(members). Durations are read from the monotonic clock only ({@code nowMono}); epoch milliseconds
 * ({@code nowWall}) are kept for what the wire and the admin view show ({@code joined_at}).
 *
 * <p>Promises: a session is a member at most once; a member's raw-voice preferences name only other current members
 * (a member leaving is forgotten in everyone's preferences, so they stay bounded); {@link #version()} rises with every
 * change that members are told about; an empty room is to be deleted ({@link #isEmpty()}).
 */
public final class Room {

  /** Why a request about a room is refused: the {@code room_error} codes (PROTOCOL.md §8.3). */
  public enum Refusal { ROOM_NOT_FOUND, ALREADY_IN_ROOM }

  /**
   * Why a WebRTC signal was not relayed (PROTOCOL.md §6.14), as a closed set of metric labels. The room decides all but
   * {@link #NO_OPEN_SOCKET}, which the receiving session decides.
   */
  public enum DropReason {
    /** No room has that code. */
    ROOM_NOT_FOUND,
    /** The sender is not a member of that room. */
    SENDER_NOT_IN_ROOM,
    /** The session in {@code to} is not a member of that room. */
    TARGET_NOT_IN_ROOM,
    /** The target set {@code receive_raw_voice:false} for the sender. */
    RAW_VOICE_REFUSED,
    /** The target's client socket is closed (decided by the target session). */
    NO_OPEN_SOCKET;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Whether a WebRTC signal goes on, and to whom. */
  public sealed interface RelayDecision {
    /** Deliver to {@code target} with {@code to} rewritten to {@code rewrittenTo} (the sender). */
    record Forward(String target, String rewrittenTo) implements RelayDecision {}

    record Drop(DropReason reason) implements RelayDecision {}
  }

  /** A session asking to create or join a room, with what it shows the others. Blank strings count as absent. */
  public record Candidate(String sessionId, String displayName, String preferredLang) {
    public Candidate {
      Objects.requireNonNull(sessionId, "sessionId");
      displayName = blankToNull(displayName);
      preferredLang = blankToNull(preferredLang);
    }
  }

  /**
   * A member. {@code rawVoicePreferences}: another member's session id → whether this member wants that member's raw
   * voice; without an entry it does.
   */
  public record Member(String sessionId, String displayName, String preferredLang,
                       Map<String, Boolean> rawVoicePreferences, long joinedAtWall) implements FanoutPlan.Listener {
    public Member {
      Objects.requireNonNull(sessionId, "sessionId");
      rawVoicePreferences = Collections.unmodifiableMap(new TreeMap<>(
          rawVoicePreferences == null ? Map.<String, Boolean>of() : rawVoicePreferences));
    }

    /** Whether this member wants {@code sender}'s raw voice. */
    public boolean receivesRawVoiceOf(String sender) {
      return rawVoicePreferences.getOrDefault(sender, Boolean.TRUE);
    }

    Member withPreference(String target, boolean receive) {
      Map<String, Boolean> p = new TreeMap<>(rawVoicePreferences);
      p.put(target, receive);
      return new Member(sessionId, displayName, preferredLang, p, joinedAtWall);
    }

    Member forgetting(String other) {
      if (!rawVoicePreferences.containsKey(other)) return this;
      Map<String, Boolean> p = new TreeMap<>(rawVoicePreferences);
      p.remove(other);
      return new Member(sessionId, displayName, preferredLang, p, joinedAtWall);
    }
  }

  /**
   * The outcome of a request: the room afterwards, or why it was refused. {@code changed} says whether the members
   * must be told (a new version); an accepted request may change nothing.
   */
  public record Step(Room room, Refusal refusal, boolean changed) {
    static Step changed(Room room) {
      return new Step(room, null, true);
    }

    static Step unchanged(Room room) {
      return new Step(room, null, false);
    }

    static Step refused(Room room, Refusal refusal) {
      return new Step(room, refusal, false);
    }

    public boolean accepted() {
      return refusal == null;
    }
  }

  private static final DateTimeFormatter RFC_3339_MILLIS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private final String code;
  private final String roomId;
  private final long createdAtWall;
  private final Long lastDeliveryWall;
  /** The last delivered result, else the creation (or the restore): what expiry counts from. */
  private final long lastActivityMono;
  private final long version;
  private final List<Member> members;

  private Room(String code, String roomId, long createdAtWall, Long lastDeliveryWall, long lastActivityMono,
               long version, List<Member> members) {
    this.code = code;
    this.roomId = roomId;
    this.createdAtWall = createdAtWall;
    this.lastDeliveryWall = lastDeliveryWall;
    this.lastActivityMono = lastActivityMono;
    this.version = version;
    this.members = List.copyOf(members);
  }

  /** A new room whose first member is its creator (version 1). */
  public static Room create(String code, String roomId, Candidate creator, long nowMono, long nowWall) {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(roomId, "roomId");
    Member first = new Member(creator.sessionId(), creator.displayName(), creator.preferredLang(), Map.of(), nowWall);
    return new Room(code, roomId, nowWall, null, nowMono, 1, List.of(first));
  }

  /**
   * The room an earlier incarnation of its entity wrote, continued at {@code nowMono}: its expiry clock starts again
   * (the time since its last delivered result does not cross instances), and its version goes on above the record's.
   */
  public static Room restore(Ledger.RoomRecord r, long nowMono) {
    List<Member> ms = new ArrayList<>(r.members().size());
    for (Ledger.RoomRecord.Member m : r.members()) {
      ms.add(new Member(m.sessionId(), m.displayName(), m.preferredLang(), m.rawVoicePreferences(), m.joinedAtMs()));
    }
    return new Room(r.code(), r.roomId(), r.createdAtMs(), r.lastDeliveryAtMs(), nowMono, r.version() + 1, ms);
  }

  /** What the ledger keeps of this room. */
  public Ledger.RoomRecord toRecord() {
    List<Ledger.RoomRecord.Member> ms = new ArrayList<>(members.size());
    for (Member m : members) {
      ms.add(new Ledger.RoomRecord.Member(m.sessionId(), m.displayName(), m.preferredLang(), m.rawVoicePreferences(),
          m.joinedAtWall()));
    }
    return new Ledger.RoomRecord(code, roomId, createdAtWall, lastDeliveryWall, version, ms);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // membership

  /** {@code room_join}: the caller becomes the last member; refused with ALREADY_IN_ROOM if it is a member. */
  public Step join(Candidate c, long nowWall) {
    if (isMember(c.sessionId())) return Step.refused(this, Refusal.ALREADY_IN_ROOM);
    List<Member> ms = new ArrayList<>(members);
    ms.add(new Member(c.sessionId(), c.displayName(), c.preferredLang(), Map.of(), nowWall));
    return Step.changed(next(ms));
  }

  /**
   * {@code room_leave}, or the member's session ended: the member is removed, and forgotten in the others' raw-voice
   * preferences. Refused with ROOM_NOT_FOUND when it is not a member. The room may be left empty: then delete it.
   */
  public Step leave(String sessionId) {
    if (!isMember(sessionId)) return Step.refused(this, Refusal.ROOM_NOT_FOUND);
    List<Member> ms = new ArrayList<>(members.size() - 1);
    for (Member m : members) if (!m.sessionId().equals(sessionId)) ms.add(m.forgetting(sessionId));
    return Step.changed(next(ms));
  }

  /**
   * {@code room_raw_voice_preference}: whether {@code caller} wants {@code target}'s raw voice. Refused with
   * ROOM_NOT_FOUND when the caller is not a member. A target that is not (or no longer) a member, or the caller
   * itself, is ignored: nothing is stored and nobody is told. Otherwise every member is told, even when the value
   * was already stored (PROTOCOL.md §6.13: all members get {@code room_members}).
   */
  public Step setRawVoice(String caller, String target, boolean receive) {
    if (!isMember(caller)) return Step.refused(this, Refusal.ROOM_NOT_FOUND);
    if (target == null || target.equals(caller) || !isMember(target)) return Step.unchanged(this);
    List<Member> ms = new ArrayList<>(members.size());
    for (Member m : members) ms.add(m.sessionId().equals(caller) ? m.withPreference(target, receive) : m);
    return Step.changed(next(ms));
  }

  private Room next(List<Member> ms) {
    return new Room(code, roomId, createdAtWall, lastDeliveryWall, lastActivityMono, version + 1, ms);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // expiry

  /** A result of one of the room's jobs was delivered: the expiry clock starts again. Members are not told. */
  public Room delivered(long nowMono, long nowWall) {
    return new Room(code, roomId, createdAtWall, nowWall, nowMono, version, members);
  }

  /** How long the room has gone without a delivered result (since its creation or restore if none). */
  public long idleMillis(long nowMono) {
    return Math.max(0, nowMono - lastActivityMono);
  }

  /** Whether the room has gone {@code expiry} or longer without a delivered result: tell the members, delete it. */
  public boolean expired(long nowMono, Duration expiry) {
    return idleMillis(nowMono) >= expiry.toMillis();
  }

  /** The {@code room_expired} message, e.g. "room expired after 30 minutes without speech". */
  public static String expiryMessage(Duration expiry) {
    long s = expiry.toSeconds();
    String amount = s % 60 == 0 && s >= 60 ? plural(s / 60, "minute") : plural(Math.max(0, s), "second");
    return "room expired after " + amount + " without speech";
  }

  private static String plural(long n, String unit) {
    return n + " " + unit + (n == 1 ? "" : "s");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // relay and fan-out

  /** Whether {@code type} is one of the relayed WebRTC types. */
  public static boolean isSignalType(String type) {
    return "webrtc_offer".equals(type) || "webrtc_answer".equals(type) || "webrtc_ice".equals(type);
  }

  /** A signal's {@code sdp} or {@code candidate} as carried: {@code null} when absent (Jackson reads null as NullNode). */
  static com.fasterxml.jackson.databind.JsonNode payload(com.fasterxml.jackson.databind.JsonNode n) {
    return n == null || n.isNull() || n.isMissingNode() ? null : n;
  }

  /**
   * A {@code webrtc_offer}, {@code webrtc_answer} or {@code webrtc_ice} from {@code from} to {@code to}: forwarded to
   * {@code to} with {@code to} rewritten to the sender, or dropped when the sender or the target is not a member, or
   * the target refused the sender's raw voice. Whether the target's socket is open is for the target session to check.
   */
  public RelayDecision relay(String from, String to) {
    if (!isMember(from)) return new RelayDecision.Drop(DropReason.SENDER_NOT_IN_ROOM);
    Optional<Member> target = member(to);
    if (target.isEmpty()) return new RelayDecision.Drop(DropReason.TARGET_NOT_IN_ROOM);
    if (!target.get().receivesRawVoiceOf(from)) return new RelayDecision.Drop(DropReason.RAW_VOICE_REFUSED);
    return new RelayDecision.Forward(to, from);
  }

  /** The fan-out of an utterance of {@code speaker} (see {@link FanoutPlan}); empty when it is not a member. */
  public Optional<FanoutPlan> fanout(String speaker, String speakerTgtLang) {
    return FanoutPlan.of(code, speaker, speakerTgtLang, members);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // views

  /** The {@code room_members} payload (PROTOCOL.md §6.13): every member in join order. */
  public RoomEvent.Members view(boolean resync) {
    List<RoomEvent.Participant> ps = new ArrayList<>(members.size());
    for (Member m : members) {
      ps.add(new RoomEvent.Participant(m.sessionId(), m.sessionId(), m.displayName(), m.preferredLang(),
          m.rawVoicePreferences(), joinedAt(m.joinedAtWall())));
    }
    return new RoomEvent.Members(code, roomId, version, resync, ps);
  }

  /** Epoch milliseconds as RFC 3339 UTC with milliseconds, as {@code joined_at} is sent. */
  public static String joinedAt(long epochMillis) {
    return RFC_3339_MILLIS.format(Instant.ofEpochMilli(epochMillis));
  }

  public String code() { return code; }

  public String roomId() { return roomId; }

  public long version() { return version; }

  public long createdAtWall() { return createdAtWall; }

  /** Epoch milliseconds of the last delivered result, {@code null} before the first. */
  public Long lastDeliveryWall() { return lastDeliveryWall; }

  public List<Member> members() { return members; }

  public List<String> memberIds() {
    return members.stream().map(Member::sessionId).toList();
  }

  public Optional<Member> member(String sessionId) {
    for (Member m : members) if (m.sessionId().equals(sessionId)) return Optional.of(m);
    return Optional.empty();
  }

  public boolean isMember(String sessionId) {
    return sessionId != null && member(sessionId).isPresent();
  }

  /** No member is left: the room is to be deleted. */
  public boolean isEmpty() {
    return members.isEmpty();
  }

  public int size() {
    return members.size();
  }

  @Override
  public String toString() {
    return "Room[" + code + " v" + version + " " + memberIds() + "]";
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
