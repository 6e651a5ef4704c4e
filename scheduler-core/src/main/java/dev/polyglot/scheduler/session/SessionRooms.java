package dev.polyglot.scheduler.session;

import dev.polyglot.scheduler.ops.Metrics;
import dev.polyglot.scheduler.room.FanoutPlan;
import dev.polyglot.scheduler.room.Room;
import dev.polyglot.scheduler.room.RoomCreation;
import dev.polyglot.scheduler.room.RoomEntity;
import dev.polyglot.scheduler.room.RoomEvent;
import dev.polyglot.scheduler.room.RoomMessage;
import dev.polyglot.scheduler.room.RoomRequest;
import dev.polyglot.scheduler.room.RoomShards;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * A session's side of its room, owned by its entity (spec/BEHAVIOUR.md §12, PROTOCOL.md §6.13–6.14): which room it is
 * in ({@link RoomMembership}), the client's room requests as asks to the room entity (each with
 * {@code rooms.ask-timeout}; a creation is a {@link RoomCreation} child, which bounds itself), what the room tells
 * the session, the relay of {@code webrtc_*} through the room, and where the results of the session's jobs go: to its
 * own client, or to the listeners of a room job through their session entities (sharding), the room hearing that a
 * result was delivered. The session tells its room when it ends ({@link #ended}); a room that still counts a session
 * that is not (or no longer) its member is told to forget it when it next tells the session anything.
 *
 * <p>Lost when the entity stops: the member list it cached. The room code is in the session's ledger snapshot; a
 * recovered session asks its room for the members again ({@link #recovered}).
 */
final class SessionRooms {
  private final ActorContext<SessionEntity.Command> ctx;
  private final String sessionId;
  private final SessionEntity.Deps deps;
  private final ClientLink link;
  private final Metrics metrics;
  /** The room changed (joined, left, new member list): the snapshot is written again, jobs without listeners end. */
  private final Runnable changed;
  private final ActorRef<RoomCreation.Outcome> created;
  private RoomMembership membership = RoomMembership.none();
  /**
   * Rooms this session asked to join and has no answer from yet. The room tells its members of every change
   * through their entities, while the join's answer comes back through the ask: a view sent for a later join can
   * arrive first. Such a view that names this session is the join's outcome, not a room it is not in.
   */
  private final java.util.Set<String> joining = new java.util.HashSet<>();

  /** For a session without rooms (tests): reaching another session or a room fails. */
  static final SessionShards NO_SESSIONS = id -> {
    throw new IllegalStateException("no session shards");
  };
  static final RoomShards NO_ROOMS = code -> {
    throw new IllegalStateException("no room shards");
  };

  SessionRooms(ActorContext<SessionEntity.Command> ctx, String sessionId, SessionEntity.Deps deps, ClientLink link,
               Metrics metrics, Runnable changed) {
    this.ctx = ctx;
    this.sessionId = sessionId;
    this.deps = deps;
    this.link = link;
    this.metrics = metrics;
    this.changed = changed;
    this.created = ctx.messageAdapter(RoomCreation.Outcome.class, o -> new SessionEntity.RoomAnswer(null, o));
  }

  /** The code of the session's room, {@code null} when it is in none (written in the session's snapshot). */
  String code() {
    return membership.code();
  }

  /** The fan-out of an utterance whose own target language is {@code tgtLang} (see {@link RoomMembership#targets}). */
  List<FanoutPlan.Target> targets(String tgtLang) {
    return membership.targets(sessionId, tgtLang);
  }

  /** Which of a room job's recipients are still in the room. */
  List<String> listening(List<String> recipients) {
    return membership.listening(recipients);
  }

  /** A session recovered from the ledger in room {@code code}: it asks the room for the member list again. */
  void recovered(String code) {
    membership = RoomMembership.recovered(code);
    if (code != null) ask(null, code, RoomEntity.GetMembers::new);
  }

  // ---------------------------------------------------------------- the client's requests

  void request(RoomRequest r) {
    if (r instanceof RoomRequest.Create c) {
      ctx.spawnAnonymous(RoomCreation.create(new Room.Candidate(sessionId, c.displayName(), c.preferredLang()),
          deps.rooms()::room, deps.roomSettings().askTimeout(), new SplittableRandom(), created));
    } else if (r instanceof RoomRequest.Join j) {
      joining.add(j.roomCode());
      ask(j, j.roomCode(), to -> new RoomEntity.Join(new Room.Candidate(sessionId, j.displayName(),
          j.preferredLang()), to));
    } else if (r instanceof RoomRequest.Leave l) {
      ask(l, l.roomCode(), to -> new RoomEntity.Leave(sessionId, to));
    } else if (r instanceof RoomRequest.RawVoice p) {
      ask(p, p.roomCode(), to -> new RoomEntity.SetRawVoice(sessionId, p.targetSessionId(), p.receiveRawVoice(), to));
    } else if (r instanceof RoomRequest.Signal s) {
      // no reply: the room checks that sender and target are members, and counts what it drops
      deps.rooms().room(s.roomCode()).tell(new RoomEntity.Relay(s.type(), sessionId, s.to(), s.sdp(), s.candidate()));
    }
  }

  private void ask(RoomRequest r, String code,
                   java.util.function.Function<ActorRef<RoomEntity.Reply>, RoomEntity.Command> message) {
    ctx.ask(RoomEntity.Reply.class, deps.rooms().room(code), deps.roomSettings().askTimeout(), message::apply,
        (reply, ex) -> new SessionEntity.RoomAnswer(r, reply));
  }

  /** A room's answer ({@code null}: the ask timed out); {@code live} is false once the session stopped taking them. */
  void answered(SessionEntity.RoomAnswer a, boolean live) {
    RoomMessage reply = a.reply();
    RoomEvent.Members joinedView = reply instanceof RoomCreation.Outcome.Created c ? c.members()
        : reply instanceof RoomEntity.Reply.Joined j ? j.members() : null;
    boolean enteredEarly = false;
    if (a.request() instanceof RoomRequest.Join asked) {
      joining.remove(asked.roomCode());
      enteredEarly = membership.in(asked.roomCode()); // a later view of the room, naming this session, came first
    }
    if (!live) {
      // the session ended while it asked: the room it has just entered must not keep it
      if (joinedView != null) tellRoom(joinedView.roomCode(), RoomEntity.EndReason.ENDED);
      return;
    }
    if (enteredEarly && (reply == null || reply instanceof RoomEntity.Reply.Joined)) {
      // in already, by a newer view: this answer's view is older (counted stale) and an ask timeout no error
      if (reply instanceof RoomEntity.Reply.Joined late) seen(late.members(), false);
      return;
    }
    if (reply instanceof RoomCreation.Outcome.Created c) {
      enter(c.members());
      link.send(new ClientEvent.RoomCreateAck(c.roomCode(), c.roomId()));
      link.send(members(c.members()));
    } else if (reply instanceof RoomEntity.Reply.Joined j) {
      enter(j.members());
      link.send(members(j.members()));
    } else if (reply instanceof RoomEntity.Reply.Refused r) {
      refused(a.request(), r);
    } else if (reply instanceof RoomEntity.Reply.Current cur) {
      seen(cur.members(), false); // the recovery's resync
    } else if (a.request() instanceof RoomRequest.Leave l) {
      left(l, reply == null);
    } else if (reply == null && a.request() != null || reply instanceof RoomCreation.Outcome.Failed) {
      metrics.inc("room_requests_failed_total", "reason", reply == null ? "timeout" : "create_failed");
      link.send(new ClientEvent.Error("INTERNAL_ERROR", "the room service did not answer; try again", null, null));
    }
  }

  /** Created or joined a room: the one it was in before (if another) is left. */
  private void enter(RoomEvent.Members view) {
    if (membership.inRoom() && !membership.in(view.roomCode())) {
      tellRoom(membership.code(), RoomEntity.EndReason.SWITCHED_ROOM);
    }
    membership = RoomMembership.joined(view);
    changed.run();
  }

  private void refused(RoomRequest request, RoomEntity.Reply.Refused r) {
    // the room does not count the session as a member: after the recovery's resync, or a room_leave of its own room
    if (request == null || request instanceof RoomRequest.Leave && membership.in(r.roomCode())) {
      membership = RoomMembership.none();
      changed.run();
    }
    // the room counts it, but the session did not know (an earlier join whose answer timed out had landed): it is in
    if (request instanceof RoomRequest.Join && r.code() == Room.Refusal.ALREADY_IN_ROOM && !membership.in(r.roomCode())) {
      if (membership.inRoom()) tellRoom(membership.code(), RoomEntity.EndReason.SWITCHED_ROOM);
      membership = RoomMembership.recovered(r.roomCode());
      changed.run();
      ask(null, r.roomCode(), RoomEntity.GetMembers::new); // its member list follows as room_members
    }
    if (request != null) link.send(new ClientEvent.RoomError(r.code().name(), r.message()));
  }

  /** {@code room_leave}: no ack to the leaver; without an answer the room is told once more and forgotten here. */
  private void left(RoomRequest.Leave l, boolean timedOut) {
    if (!membership.in(l.roomCode())) return;
    if (timedOut) tellRoom(l.roomCode(), RoomEntity.EndReason.LEFT);
    membership = RoomMembership.none();
    changed.run();
  }

  // ---------------------------------------------------------------- what the room tells the session

  /** A room's answer, event or a listener's result; {@code live}: the session is active (not new, closing or ended). */
  void traffic(SessionEntity.RoomTraffic m, boolean live) {
    if (m instanceof SessionEntity.RoomAnswer a) answered(a, live);
    if (m instanceof SessionEntity.FromRoom f) event(f.event());
    if (m instanceof SessionEntity.Heard h) heard(h.result(), live);
  }

  /** An event of a room: shown to the client when it concerns the session's room; else the room forgets the session. */
  void event(RoomEvent e) {
    if (e instanceof RoomEvent.Members m) {
      seen(m, true);
    } else if (e instanceof RoomEvent.Expired x) {
      if (!membership.in(x.roomCode())) return; // the room is gone: nobody to tell
      membership = RoomMembership.none();
      changed.run();
      link.send(new ClientEvent.RoomExpired(x.roomCode(), x.message()));
    } else if (e instanceof RoomEvent.Signal s) {
      if (!membership.in(s.roomCode())) {
        notMine(s.roomCode());
      } else if (!link.connected()) {
        metrics.inc("room_relay_dropped_total", "reason", Room.DropReason.NO_OPEN_SOCKET.label());
      } else {
        link.send(new ClientEvent.RoomSignal(s.type(), s.roomCode(), s.from(), s.sdp(), s.candidate()));
      }
    }
  }

  private void seen(RoomEvent.Members m, boolean fromRoom) {
    RoomMembership.Seen s = membership.seen(m, sessionId);
    switch (s.verdict()) {
      case NOT_MINE -> {
        if (fromRoom && joining.contains(m.roomCode()) && m.includes(sessionId)) {
          metrics.inc("room_views_before_join_answer_total");
          enter(m);
          link.send(members(m));
        } else if (fromRoom) {
          notMine(m.roomCode());
        }
      }
      case STALE -> metrics.inc("room_views_stale_total");
      case APPLY, DROPPED -> {
        membership = s.next();
        changed.run();
        link.send(members(m));
      }
    }
  }

  /** The room counts this session as a member, but the session is not (any more) in it: the room forgets it. */
  private void notMine(String code) {
    metrics.inc("room_events_not_member_total");
    tellRoom(code, RoomEntity.EndReason.NOT_A_MEMBER);
  }

  /** A room job's result for this session's client, from the speaker; dropped when the session is not live. */
  void heard(ClientEvent.Result r, boolean live) {
    if (live) {
      link.send(r);
    } else {
      metrics.inc("room_results_dropped_total", "reason", "session_not_live");
    }
  }

  // ---------------------------------------------------------------- results and the end

  /**
   * A released result of job {@code job}: to the session's own client, or, for a room job, to each of its listeners
   * still in the room through their session entities. The room hears once that a result was delivered (its expiry
   * clock starts again).
   */
  void deliver(JobBook.Job job, ClientEvent.Result r) {
    if (job.recipients().isEmpty()) {
      link.send(r);
    } else {
      List<String> to = membership.listening(job.recipients());
      if (to.isEmpty()) metrics.inc("room_results_dropped_total", "reason", "no_listener");
      for (String listener : to) {
        metrics.inc("room_results_forwarded_total");
        deps.sessions().session(listener).tell(new SessionEntity.Heard(r));
      }
    }
    if (membership.inRoom()) deps.rooms().room(membership.code()).tell(new RoomEntity.Delivered(sessionId));
  }

  /** The session ends (or closes, or lost its socket): its room is told, without waiting, and forgotten here. */
  void ended(RoomEntity.EndReason reason) {
    if (!membership.inRoom()) return;
    tellRoom(membership.code(), reason);
    membership = RoomMembership.none();
  }

  private void tellRoom(String code, RoomEntity.EndReason reason) {
    deps.rooms().room(code).tell(new RoomEntity.MemberEnded(sessionId, reason));
  }

  private static ClientEvent.RoomMembers members(RoomEvent.Members m) {
    return new ClientEvent.RoomMembers(m.roomCode(), m.members());
  }
}
