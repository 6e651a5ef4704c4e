package dev.polyglot.scheduler.session;

import dev.polyglot.scheduler.room.FanoutPlan;
import dev.polyglot.scheduler.room.RoomEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The room a session is in, as the session knows it (pure, immutable; spec/BEHAVIOUR.md §12): the room's code, or
 * none, and the newest member list ({@code room_members}) the room sent it. The room entity is the authority; this is
 * the session's cached view, from which it plans the fan-out of its utterances without asking the room on the job
 * path.
 *
 * <p>A view is taken when the session has none, when it is a resync (the room was restored after its instance died),
 * when it names another room id (the code was reused) or when its version is higher; an older one is ignored, since
 * the join reply and the events that follow it travel on different paths. A view of another code is not the session's
 * (the room still counts it as a member: it tells the room to forget it), and a view without the session means the
 * room forgot it.
 *
 * <p>The members a newer view no longer lists have left: the results of room jobs planned for them are no longer
 * theirs ({@link #listening}). Only departures from this room count, so the listeners of jobs planned in a room the
 * session has left since still get them.
 *
 * @param code     the room's code, {@code null} when the session is in no room
 * @param view     the newest member list, {@code null} before the first (right after a recovery)
 * @param departed members of this room that a view no longer listed (and no later one listed again); at most
 *                 {@value #DEPARTED_MAX}, the oldest forgotten
 */
record RoomMembership(String code, RoomEvent.Members view, Set<String> departed) {
  static final int DEPARTED_MAX = 256;
  private static final RoomMembership NONE = new RoomMembership(null, null, Set.of());

  RoomMembership {
    departed = java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(departed));
  }

  static RoomMembership none() {
    return NONE;
  }

  /** Recovered from the ledger: in room {@code code}, its member list not known yet. */
  static RoomMembership recovered(String code) {
    return code == null ? NONE : new RoomMembership(code, null, Set.of());
  }

  /** Created or joined room {@code view.roomCode()}, with the member list of the room's reply. */
  static RoomMembership joined(RoomEvent.Members view) {
    return new RoomMembership(view.roomCode(), view, Set.of());
  }

  boolean inRoom() {
    return code != null;
  }

  boolean in(String roomCode) {
    return code != null && code.equals(roomCode);
  }

  enum Verdict {
    /** The newest view of the session's room: keep it and show it to the client. */
    APPLY,
    /** Older than the view held: ignored. */
    STALE,
    /** A view of a room the session is not in: the room should forget the session. */
    NOT_MINE,
    /** The session's room no longer lists it: the session is in no room any more (the view is still shown). */
    DROPPED
  }

  record Seen(Verdict verdict, RoomMembership next) {}

  /** What a {@code room_members} view from a room means for session {@code sessionId}. */
  Seen seen(RoomEvent.Members v, String sessionId) {
    if (!in(v.roomCode())) return new Seen(Verdict.NOT_MINE, this);
    if (view != null && !v.resync() && v.roomId().equals(view.roomId()) && v.version() <= view.version()) {
      return new Seen(Verdict.STALE, this);
    }
    if (!v.includes(sessionId)) return new Seen(Verdict.DROPPED, NONE);
    return new Seen(Verdict.APPLY, new RoomMembership(code, v, departedAfter(v)));
  }

  /** Who left between the view held and {@code v}, added to those who left before; who is back is not departed. */
  private Set<String> departedAfter(RoomEvent.Members v) {
    Set<String> d = new java.util.LinkedHashSet<>(departed);
    if (view != null && v.roomId().equals(view.roomId())) {
      for (RoomEvent.Participant p : view.members()) if (!v.includes(p.sessionId())) d.add(p.sessionId());
    }
    d.removeIf(v::includes);
    while (d.size() > DEPARTED_MAX) d.remove(d.iterator().next());
    return d;
  }

  /**
   * The jobs of an utterance of {@code sessionId} whose own target language is {@code tgtLang}: one per distinct
   * preferred language of the other members, each with its listeners ({@link FanoutPlan}); a single target with no
   * recipients (the speaker's own result) outside a room, before the first view, and when nobody else has a language.
   */
  List<FanoutPlan.Target> targets(String sessionId, String tgtLang) {
    List<FanoutPlan.Target> own = List.of(new FanoutPlan.Target(tgtLang, List.of()));
    if (view == null) return own;
    return FanoutPlan.of(code, sessionId, tgtLang, view.members())
        .filter(p -> !p.speakerOnly())
        .map(FanoutPlan::targets)
        .orElse(own);
  }

  /** The recipients that have not left this room (as far as its views told the session). */
  List<String> listening(List<String> recipients) {
    if (departed.isEmpty()) return recipients;
    List<String> out = new ArrayList<>(recipients.size());
    for (String r : recipients) if (!departed.contains(r)) out.add(r);
    return out;
  }
}
