package dev.polyglot.scheduler.room;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import dev.polyglot.scheduler.api.SchedulerClock;
import dev.polyglot.scheduler.ops.InstanceReports;
import dev.polyglot.scheduler.ops.Metrics;
import dev.polyglot.scheduler.store.Ledger;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * One room, sharded by room code: the only owner of the room's members, their preferences, and its creation and
 * last-delivery times (spec/BEHAVIOUR.md §12). Its decisions are a pure {@link Room}; this actor applies them, writes
 * the room to the ledger after every change, tells the members through the {@link RoomMemberRouter} port, and checks
 * expiry every {@code rooms.scan-interval}. The entity for a code is the authority on whether the code is taken, so
 * codes are unique cluster-wide: creating a room is claiming its code here ({@link Create}).
 *
 * <p>Who hears what: the session whose {@link Create} or {@link Join} changed the room gets the member list in its
 * reply; every other member gets {@link RoomEvent.Members}. After {@link SetRawVoice}, {@link Leave} and
 * {@link MemberEnded} every remaining member gets it. A room re-created from the ledger sends it to every member with
 * {@code resync}. An expired room sends {@link RoomEvent.Expired} to every member, then is deleted.
 *
 * <p>Lost when it stops, crashes or moves: its memory. The ledger has the room as of its last written change, so an
 * entity re-created elsewhere (at once with remember-entities when the ledger is Redis, else on the next message for
 * its code) continues it: members, preferences and raw-voice choices. Not recovered: the time since the last
 * delivered result (the restored room's expiry clock starts again), a change whose write had not reached the ledger,
 * and, with the in-memory ledger, the room. An entity without a room stops itself after a short idle time; a room
 * stops only when deleted.
 */
public final class RoomEntity extends AbstractBehavior<RoomEntity.Command> {

  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "Room");

  public sealed interface Command extends RoomMessage {}

  /**
   * {@code room_create}: claim this entity's code for a new room {@code roomId} whose first member is the creator.
   * Replies {@link Reply.Created}, or {@link Reply.CodeTaken} when the code belongs to another room. Claiming again
   * with the same room id and creator (a retry) replies {@code Created} again.
   */
  public record Create(String roomId, Room.Candidate creator, ActorRef<Reply> replyTo) implements Command {}

  /** {@code room_join}: replies {@link Reply.Joined}, or {@link Reply.Refused} ROOM_NOT_FOUND / ALREADY_IN_ROOM. */
  public record Join(Room.Candidate joiner, ActorRef<Reply> replyTo) implements Command {}

  /** {@code room_leave}: replies {@link Reply.Done}, or {@link Reply.Refused} ROOM_NOT_FOUND (also for a non-member). */
  public record Leave(String sessionId, ActorRef<Reply> replyTo) implements Command {}

  /** {@code room_raw_voice_preference}: replies {@link Reply.Done}, or {@link Reply.Refused} ROOM_NOT_FOUND. */
  public record SetRawVoice(String sessionId, String targetSessionId, boolean receiveRawVoice, ActorRef<Reply> replyTo)
      implements Command {}

  /** The member's session ended, or left for another room: removed without a reply; unknown ones are ignored. */
  public record MemberEnded(String sessionId, EndReason reason) implements Command {}

  /** A result of a job of this room was delivered (by {@code sessionId}'s job): the expiry clock starts again. */
  public record Delivered(String sessionId) implements Command {}

  /**
   * A {@code webrtc_offer}, {@code webrtc_answer} or {@code webrtc_ice} from member {@code from} for member {@code to}:
   * forwarded as {@link RoomEvent.Signal} to {@code to}, or dropped and counted ({@link Room.DropReason}). No reply.
   */
  public record Relay(String type, String from, String to, JsonNode sdp, JsonNode candidate) implements Command {
    public Relay {
      if (!Room.isSignalType(type)) throw new IllegalArgumentException("not a webrtc type: " + type);
      sdp = Room.payload(sdp);
      candidate = Room.payload(candidate);
    }
  }

  /** How an utterance of the speaker fans out: {@link Reply.Plan}, or {@link Reply.Refused} when it is not a member. */
  public record GetFanout(String speakerSessionId, String speakerTgtLang, ActorRef<Reply> replyTo) implements Command {}

  /** The member list now: {@link Reply.Current}, or {@link Reply.Refused} ROOM_NOT_FOUND. */
  public record GetMembers(ActorRef<Reply> replyTo) implements Command {}

  /** Sharding's stop message after this entity asked to be passivated (it has no room). */
  public enum Stop implements Command { INSTANCE }

  /** Why a member left without asking ({@link MemberEnded}); a closed set of metric labels. */
  public enum EndReason {
    /** {@code session_close}. */
    CLOSED,
    /** The session's client socket closed. */
    SOCKET_CLOSED,
    /** The session ended otherwise: its close linger ran out, or it was recovered after a crash without a client. */
    ENDED,
    /** The session created or joined another room. */
    SWITCHED_ROOM,
    /** {@code room_leave} whose {@link Leave} got no answer in time: told once more, without a reply. */
    LEFT,
    /** The session got an event of a room it is not in (it never joined, or left it): the room forgets it. */
    NOT_A_MEMBER,
    /** A {@link RoomCreation} gave up on a claim that may have landed after its ask timed out. */
    CREATE_ABANDONED;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Replies to the asks above. Typed by name so that a reply survives Jackson wrapped in another message. */
  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "@type")
  @JsonSubTypes({
      @JsonSubTypes.Type(value = Reply.Created.class, name = "created"),
      @JsonSubTypes.Type(value = Reply.Joined.class, name = "joined"),
      @JsonSubTypes.Type(value = Reply.Done.class, name = "done"),
      @JsonSubTypes.Type(value = Reply.Plan.class, name = "plan"),
      @JsonSubTypes.Type(value = Reply.Current.class, name = "current"),
      @JsonSubTypes.Type(value = Reply.CodeTaken.class, name = "code-taken"),
      @JsonSubTypes.Type(value = Reply.Refused.class, name = "refused")})
  public sealed interface Reply extends RoomMessage {
    /** The room exists with the creator as its only member: {@code room_create_ack}, then {@code room_members}. */
    record Created(String roomCode, String roomId, RoomEvent.Members members) implements Reply {}

    /** The caller joined: {@code room_members} to the caller (the others get it from the room). */
    record Joined(RoomEvent.Members members) implements Reply {}

    /** Accepted; nothing to send to the caller's client. */
    record Done(String roomCode) implements Reply {}

    record Plan(FanoutPlan plan) implements Reply {}

    record Current(RoomEvent.Members members) implements Reply {}

    /** The code belongs to another room: draw another one. */
    record CodeTaken(String roomCode) implements Reply {}

    /** {@code room_error} with {@code code} and {@code message}. */
    record Refused(String roomCode, Room.Refusal code, String message) implements Reply {}
  }

  /** {@code reports} (may be {@code null}) hears this instance's rooms and their member counts for the cluster view. */
  public record Deps(RoomSettings settings, SchedulerClock clock, RoomMemberRouter members, Ledger ledger,
                     ActorRef<InstanceReports.Command> reports) {
    public Deps(RoomSettings settings, SchedulerClock clock, RoomMemberRouter members, Ledger ledger) {
      this(settings, clock, members, ledger, null);
    }
  }

  record Loaded(int attempt, Optional<Ledger.RoomRecord> record, Throwable failure) implements Command {}

  record LoadTimedOut(int attempt) implements Command {}

  enum Reload implements Command { INSTANCE }

  private enum Sweep implements Command { INSTANCE }

  private enum IdleStop implements Command { INSTANCE }

  private record WriteFailed(String op) implements Command {}

  private static final int STASH_CAPACITY = 1_000;
  /** A ledger read that has not answered by then counts as failed. */
  static final Duration LOAD_TIMEOUT = Duration.ofSeconds(3);
  /** The first retry of a failed ledger read; each next one waits twice as long, up to {@link #LOAD_RETRY_MAX}. */
  static final Duration LOAD_RETRY = Duration.ofMillis(300);
  static final Duration LOAD_RETRY_MAX = Duration.ofSeconds(2);
  /** After this long without a ledger answer the entity starts without a room (counted, logged). */
  static final Duration LOAD_GIVE_UP = Duration.ofSeconds(10);
  /** An entity without a room stops after this long without a message. */
  static final Duration ABSENT_LINGER = Duration.ofSeconds(10);
  /** A live room is written at least this often, so its ledger record's time to live never runs out. */
  static final Duration REFRESH_EVERY = Duration.ofHours(1);
  /** Tries of a failed delete before the entity stops anyway. */
  private static final int DELETE_TRIES = 3;

  /**
   * Starts by reading the ledger (messages wait in a bounded stash meanwhile): a room an earlier incarnation wrote is
   * continued, otherwise the code is free. {@code shard} is used to passivate an entity without a room; {@code null}
   * (tests) stops it instead.
   */
  public static Behavior<Command> create(String code, Deps deps, ActorRef<ClusterSharding.ShardCommand> shard) {
    return Behaviors.withMdc(Command.class, Map.of("roomCode", code), loading(code, deps, shard));
  }

  private static Behavior<Command> loading(String code, Deps deps, ActorRef<ClusterSharding.ShardCommand> shard) {
    return Behaviors.withStash(STASH_CAPACITY, stash -> Behaviors.setup(ctx -> Behaviors.withTimers(
        timers -> new RoomLoading(ctx, timers, stash, code, deps, shard))));
  }

  private final TimerScheduler<Command> timers;
  private final String code;
  private final Deps deps;
  private final ActorRef<ClusterSharding.ShardCommand> shard;
  private final Metrics metrics;
  /** The room, or {@code null}: the code is free. */
  private Room room;
  /** A write failed since the last successful one: the next sweep writes the room again. */
  private boolean dirty;
  private long lastWriteMono;
  private int deleteFailures;

  RoomEntity(ActorContext<Command> ctx, TimerScheduler<Command> timers, String code, Deps deps,
             ActorRef<ClusterSharding.ShardCommand> shard, Ledger.RoomRecord record) {
    super(ctx);
    this.timers = timers;
    this.code = code;
    this.deps = deps;
    this.shard = shard;
    this.metrics = Metrics.get(ctx.getSystem());
    if (record == null) {
      becomeAbsent();
      return;
    }
    room = Room.restore(record, mono());
    metrics.inc("rooms_restored_total");
    ctx.getLog().info("room {} restored from the ledger with {} members", code, room.size());
    becomeLive();
    save();
    broadcast(room.view(true), null);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Create.class, this::onCreate)
        .onMessage(Join.class, this::onJoin)
        .onMessage(Leave.class, this::onLeave)
        .onMessage(SetRawVoice.class, this::onSetRawVoice)
        .onMessage(MemberEnded.class, this::onMemberEnded)
        .onMessage(Delivered.class, this::onDelivered)
        .onMessage(Relay.class, this::onRelay)
        .onMessage(GetFanout.class, this::onGetFanout)
        .onMessage(GetMembers.class, this::onGetMembers)
        .onMessageEquals(Sweep.INSTANCE, this::onSweep)
        .onMessageEquals(IdleStop.INSTANCE, this::onIdleStop)
        .onMessage(WriteFailed.class, this::onWriteFailed)
        .onMessage(Loaded.class, l -> this) // a read that answered after it timed out
        .onMessage(LoadTimedOut.class, t -> this)
        .onMessageEquals(Reload.INSTANCE, () -> this)
        .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
        .onSignal(PostStop.class, s -> {
          report(-1);
          return this;
        })
        .build();
  }

  /** This instance's view of its rooms ({@code /api/v1/cluster}, {@code /metrics}): the members now, -1 = gone. */
  private void report(int members) {
    if (deps.reports() != null) deps.reports().tell(new InstanceReports.RoomRow(code, members));
  }

  private Behavior<Command> onCreate(Create c) {
    if (room == null) {
      room = Room.create(code, c.roomId(), c.creator(), mono(), deps.clock().wallMillis());
      metrics.inc("rooms_created_total");
      getContext().getLog().info("room {} created by {}", code, c.creator().sessionId());
      becomeLive();
      save();
    } else if (!room.roomId().equals(c.roomId()) || !room.isMember(c.creator().sessionId())) {
      metrics.inc("room_code_collisions_total");
      c.replyTo().tell(new Reply.CodeTaken(code));
      return this;
    }
    c.replyTo().tell(new Reply.Created(code, room.roomId(), room.view(false)));
    return this;
  }

  private Behavior<Command> onJoin(Join j) {
    if (room == null) return refuse(j.replyTo(), Room.Refusal.ROOM_NOT_FOUND);
    Room.Step s = room.join(j.joiner(), deps.clock().wallMillis());
    if (!s.accepted()) return refuse(j.replyTo(), s.refusal());
    room = s.room();
    save();
    RoomEvent.Members view = room.view(false);
    broadcast(view, j.joiner().sessionId());
    j.replyTo().tell(new Reply.Joined(view));
    return this;
  }

  private Behavior<Command> onLeave(Leave l) {
    if (room == null) return refuse(l.replyTo(), Room.Refusal.ROOM_NOT_FOUND);
    Room.Step s = room.leave(l.sessionId());
    if (!s.accepted()) return refuse(l.replyTo(), s.refusal());
    Behavior<Command> next = departed(s.room());
    l.replyTo().tell(new Reply.Done(code));
    return next;
  }

  private Behavior<Command> onMemberEnded(MemberEnded m) {
    Room.Step s = room == null ? null : room.leave(m.sessionId());
    if (s == null || !s.accepted()) {
      getContext().getLog().debug("room {}: {} ended ({}) but is not a member", code, m.sessionId(), m.reason().label());
      return this;
    }
    metrics.inc("room_members_ended_total", "reason", m.reason().label());
    return departed(s.room());
  }

  /** A member is gone: the others are told, or the room, now empty, is deleted. */
  private Behavior<Command> departed(Room next) {
    if (next.isEmpty()) return delete("empty");
    room = next;
    save();
    broadcast(room.view(false), null);
    return this;
  }

  private Behavior<Command> onSetRawVoice(SetRawVoice p) {
    if (room == null) return refuse(p.replyTo(), Room.Refusal.ROOM_NOT_FOUND);
    Room.Step s = room.setRawVoice(p.sessionId(), p.targetSessionId(), p.receiveRawVoice());
    if (!s.accepted()) return refuse(p.replyTo(), s.refusal());
    if (s.changed()) {
      room = s.room();
      save();
      broadcast(room.view(false), null);
    }
    p.replyTo().tell(new Reply.Done(code));
    return this;
  }

  private Behavior<Command> onDelivered(Delivered d) {
    if (room != null) room = room.delivered(mono(), deps.clock().wallMillis());
    return this;
  }

  private Behavior<Command> onRelay(Relay r) {
    Room.RelayDecision decision = room == null
        ? new Room.RelayDecision.Drop(Room.DropReason.ROOM_NOT_FOUND) : room.relay(r.from(), r.to());
    if (decision instanceof Room.RelayDecision.Forward f) {
      metrics.inc("room_relay_forwarded_total");
      deps.members().tell(f.target(), new RoomEvent.Signal(code, r.type(), f.rewrittenTo(), r.sdp(), r.candidate()));
    } else if (decision instanceof Room.RelayDecision.Drop drop) {
      metrics.inc("room_relay_dropped_total", "reason", drop.reason().label());
      getContext().getLog().debug("room {}: {} from {} to {} dropped: {}", code, r.type(), r.from(), r.to(),
          drop.reason().label());
    }
    return this;
  }

  private Behavior<Command> onGetFanout(GetFanout q) {
    Optional<FanoutPlan> plan = room == null ? Optional.empty() : room.fanout(q.speakerSessionId(), q.speakerTgtLang());
    if (plan.isEmpty()) return refuse(q.replyTo(), Room.Refusal.ROOM_NOT_FOUND);
    q.replyTo().tell(new Reply.Plan(plan.get()));
    return this;
  }

  private Behavior<Command> onGetMembers(GetMembers q) {
    if (room == null) return refuse(q.replyTo(), Room.Refusal.ROOM_NOT_FOUND);
    q.replyTo().tell(new Reply.Current(room.view(false)));
    return this;
  }

  /** Expires the room when it has gone {@code rooms.expiry} without a delivered result; else rewrites it if due. */
  private Behavior<Command> onSweep() {
    if (room == null) return this;
    if (room.expired(mono(), deps.settings().expiry())) {
      getContext().getLog().info("room {} expired after {} ms without a delivered result", code, room.idleMillis(mono()));
      RoomEvent.Expired expired = new RoomEvent.Expired(code, Room.expiryMessage(deps.settings().expiry()));
      for (String id : room.memberIds()) deps.members().tell(id, expired);
      return delete("expired");
    }
    if (dirty || mono() - lastWriteMono >= REFRESH_EVERY.toMillis()) {
      if (dirty) getContext().getLog().info("room {} writes itself to the ledger again", code);
      save();
    }
    return this;
  }

  private Behavior<Command> onIdleStop() {
    if (room != null) return this;
    if (dirty && deleteFailures < DELETE_TRIES) { // a stale record would bring the room back: delete it again first
      dirty = false;
      ledgerWrite(deps.ledger().deleteRoom(code), "delete_room");
      timers.startSingleTimer(IdleStop.INSTANCE, IdleStop.INSTANCE, ABSENT_LINGER);
      return this;
    }
    if (shard == null) return Behaviors.stopped();
    shard.tell(new ClusterSharding.Passivate<>(getContext().getSelf()));
    return this;
  }

  private Behavior<Command> onWriteFailed(WriteFailed w) {
    dirty = true;
    if (w.op().equals("delete_room")) deleteFailures++;
    return this;
  }

  private Behavior<Command> refuse(ActorRef<Reply> replyTo, Room.Refusal refusal) {
    metrics.inc("room_requests_refused_total", "code", refusal.name());
    String message = refusal == Room.Refusal.ALREADY_IN_ROOM ? "already in room " + code
        : room == null ? "room " + code + " does not exist" : "not in room " + code;
    replyTo.tell(new Reply.Refused(code, refusal, message));
    return this;
  }

  private Behavior<Command> delete(String reason) {
    room = null;
    dirty = false;
    deleteFailures = 0;
    metrics.inc("rooms_deleted_total", "reason", reason);
    report(-1);
    getContext().getLog().info("room {} deleted ({})", code, reason);
    ledgerWrite(deps.ledger().deleteRoom(code), "delete_room");
    becomeAbsent();
    return this;
  }

  private void becomeLive() {
    timers.cancel(IdleStop.INSTANCE);
    timers.startTimerWithFixedDelay(Sweep.INSTANCE, Sweep.INSTANCE, deps.settings().scanInterval());
  }

  private void becomeAbsent() {
    timers.cancel(Sweep.INSTANCE);
    timers.startSingleTimer(IdleStop.INSTANCE, IdleStop.INSTANCE, ABSENT_LINGER);
  }

  /** Tells every member but {@code except} (may be {@code null}). */
  private void broadcast(RoomEvent event, String except) {
    for (String id : room.memberIds()) if (!id.equals(except)) deps.members().tell(id, event);
  }

  private void save() {
    report(room.size());
    dirty = false;
    lastWriteMono = mono();
    ledgerWrite(deps.ledger().saveRoom(room.toRecord()), "save_room");
  }

  /** A failed write is counted and never blocks the room; the room is written again at the next sweep. */
  private void ledgerWrite(CompletionStage<Void> write, String op) {
    ActorRef<Command> self = getContext().getSelf();
    write.whenComplete((ok, ex) -> {
      if (ex != null) {
        metrics.inc("ledger_write_failed_total", "op", op);
        self.tell(new WriteFailed(op));
      }
    });
  }

  private long mono() {
    return deps.clock().monoMillis();
  }
}
