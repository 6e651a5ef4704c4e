package dev.polyglot.scheduler.session;

import com.fasterxml.jackson.databind.JsonNode;
import dev.polyglot.scheduler.api.ClusterMessage;
import dev.polyglot.scheduler.api.FeatureFlags;
import dev.polyglot.scheduler.api.PipelineConfig;
import dev.polyglot.scheduler.api.SchedulerClock;
import dev.polyglot.scheduler.config.SchedulerSettings;
import dev.polyglot.scheduler.dispatch.Dispatcher;
import dev.polyglot.scheduler.node.NodeEntity;
import dev.polyglot.scheduler.node.NodeRouter;
import dev.polyglot.scheduler.ops.JobMdc;
import dev.polyglot.scheduler.ops.Metrics;
import dev.polyglot.scheduler.room.RoomEntity;
import dev.polyglot.scheduler.room.RoomEvent;
import dev.polyglot.scheduler.room.RoomMessage;
import dev.polyglot.scheduler.room.RoomRequest;
import dev.polyglot.scheduler.room.RoomSettings;
import dev.polyglot.scheduler.room.RoomShards;
import dev.polyglot.scheduler.session.SessionInternal.Claim;
import dev.polyglot.scheduler.session.SessionInternal.Claimed;
import dev.polyglot.scheduler.session.SessionInternal.DispatchedTimeout;
import dev.polyglot.scheduler.session.SessionInternal.Durable;
import dev.polyglot.scheduler.session.SessionInternal.DurableWaitOver;
import dev.polyglot.scheduler.session.SessionInternal.LedgerFailed;
import dev.polyglot.scheduler.session.SessionInternal.Loaded;
import dev.polyglot.scheduler.session.SessionInternal.PendingTimeout;
import dev.polyglot.scheduler.session.SessionInternal.SealDurable;
import dev.polyglot.scheduler.session.SessionInternal.Timer;
import dev.polyglot.scheduler.store.Ledger;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * One client session, sharded by session id: its protocol, its life (new, active, closing, ended) and the wiring of
 * its parts. Decisions are pure classes ({@link Segmenter}, {@link JobBook}, {@link ResultOrder}, {@link DurableGate},
 * {@link AudioSequence}, {@link UtteranceClaims}, {@link BusySignal}, {@link JobFactory}, {@link JobEvents}); the work
 * of a started session is {@link SessionJobs}, its I/O small collaborators ({@link SessionLoading},
 * {@link DurablePlacement}, {@link EffectRunner}, {@link ClientLink}, {@link ResultRelease}, {@link SessionLedger},
 * {@link SessionRooms}). It never waits: placement, dispatch and results arrive as messages, every wait is a timer.
 *
 * <p>Promises: each sealed utterance becomes exactly one job per target language (one outside a room), created in
 * index order; each job reaches one terminal outcome visible to the client; results leave in utterance order within
 * the bounded hold; no utterance failure ends the session. Lost when it stops, crashes or moves: its memory. With the Redis ledger the session continues on a
 * survivor from its snapshot and unfinished jobs, and its socket sends again what is not yet durable (RELIABILITY.md
 * P9); not recovered: results held for ordering or on their way, and writes the ledger refused. A session ends with
 * its socket; its live jobs are then cancelled, except room jobs whose listeners are still there (it ends after them).
 */
public final class SessionEntity extends AbstractBehavior<SessionEntity.Command> {

  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "Session");

  public sealed interface Command extends ClusterMessage
      permits FromClient, SocketClosed, Mark, FromNode, FromDispatcher, GetDetail, GetJob, RoomTraffic, Stop,
      SessionInternal {}

  /** A message from the client's socket. */
  public sealed interface FromClient extends Command {
    ActorRef<SessionSocket.Command> socket();
  }

  /** What {@code session_init} established. */
  public record InitData(String srcLang, String tgtLang, String clientVersion, String platform, String mode,
                         String langA, String langB, List<String> autoLangs, String dialect, FeatureFlags features,
                         String tenantId, String traceId) implements ClusterMessage {}

  /** A one-shot {@code utterance}, already decoded and merged with the session's defaults by the socket. */
  public record UtteranceData(int index, byte[] audio, String audioFormat, int sampleRate, boolean manualCut,
                              String srcLang, String tgtLang, String dialect, FeatureFlags features,
                              PipelineConfig pipeline, String traceId) implements ClusterMessage {}

  public record Init(InitData data, ActorRef<SessionSocket.Command> socket) implements FromClient {}

  /**
   * {@code seq} numbers the socket's audio-carrying messages ({@code audio_chunk}, {@code utterance}) to this session
   * from 1 without gaps, so a re-created session can tell a replay it already holds from one it lacks (P9); 0 = not
   * numbered (applied as it comes).
   */
  public record Audio(byte[] payload, boolean isFinal, Long clientTimestampMs, ActorRef<SessionSocket.Command> socket,
                      long seq) implements FromClient {
    public Audio(byte[] payload, boolean isFinal, Long clientTimestampMs, ActorRef<SessionSocket.Command> socket) {
      this(payload, isFinal, clientTimestampMs, socket, 0);
    }
  }

  public record Utterance(UtteranceData data, ActorRef<SessionSocket.Command> socket, long seq) implements FromClient {
    public Utterance(UtteranceData data, ActorRef<SessionSocket.Command> socket) {
      this(data, socket, 0);
    }
  }

  public record ClientHeartbeat(ActorRef<SessionSocket.Command> socket) implements FromClient {}

  public record Close(String reason, ActorRef<SessionSocket.Command> socket) implements FromClient {}

  public record TtsStarted(String groupId, ActorRef<SessionSocket.Command> socket) implements FromClient {}

  public record TtsPlayEnded(String groupId, ActorRef<SessionSocket.Command> socket) implements FromClient {}

  public record SocketClosed(ActorRef<SessionSocket.Command> socket) implements Command {}

  /**
   * Flow control: confirm to {@code socket} every message it sent before this one. The confirmation waits while the
   * session holds {@code sessions.max-live-jobs} unfinished jobs, so a client that speaks faster than the nodes answer
   * is slowed by TCP instead of piling up jobs and their audio here.
   */
  public record Mark(long seq, ActorRef<SessionSocket.Command> socket) implements Command {}

  /** A node entity's event about one of this session's jobs. */
  public record FromNode(NodeEntity.ToSession event) implements Command {}

  /** The dispatcher's answer to one of this session's placement requests. */
  public record FromDispatcher(Dispatcher.Reply reply) implements Command {}

  /** The admin API's SessionDetail, or JobDetail of a live or retained job; {@code found == false}: no such thing. */
  public record GetDetail(ActorRef<Detail> replyTo) implements Command {}

  public record GetJob(String jobId, ActorRef<Detail> replyTo) implements Command {}

  public record Detail(boolean found, JsonNode body) implements ClusterMessage {}

  /** What concerns this session's room (spec/BEHAVIOUR.md §12), handled by {@link SessionRooms}. */
  public sealed interface RoomTraffic extends Command {}

  /** A room message of the socket's most recent live session (PROTOCOL.md §6.13–6.14). */
  public record ForRoom(RoomRequest request, ActorRef<SessionSocket.Command> socket)
      implements FromClient, RoomTraffic {}

  /** What a room tells this session ({@code room_members}, {@code room_expired}, a relayed signal). */
  public record FromRoom(RoomEvent event) implements RoomTraffic {}

  /** The result of another member's room job, in this session's language: for its client. */
  public record Heard(ClientEvent.Result result) implements RoomTraffic {}

  /** Sharding's stop message after this entity asked to be passivated (its session is over). */
  public enum Stop implements Command { INSTANCE }

  /** {@code sessions} reach a room job's listeners, {@code rooms} the room entities (asked with {@code roomSettings}). */
  public record Deps(SchedulerSettings settings, SchedulerClock clock, NodeRouter nodes,
                     ActorRef<Dispatcher.Command> dispatcher, Ledger ledger, SessionShards sessions, RoomShards rooms,
                     RoomSettings roomSettings) {
    /** Without rooms (tests): a room request fails. */
    public Deps(SchedulerSettings settings, SchedulerClock clock, NodeRouter nodes, ActorRef<Dispatcher.Command> d,
                Ledger ledger) {
      this(settings, clock, nodes, d, ledger, SessionRooms.NO_SESSIONS, SessionRooms.NO_ROOMS, RoomSettings.DEFAULT);
    }
  }

  /** A room's answer to {@code request} (none: the recovery's resync, a creation); {@code null} when it timed out. */
  record RoomAnswer(RoomRequest request, RoomMessage reply) implements RoomTraffic {}

  public static Behavior<Command> create(String sessionId, Deps deps) {
    return create(sessionId, deps, null);
  }

  /**
   * Starts by reading the ledger (messages wait in a bounded stash meanwhile): a session that an earlier incarnation
   * accepted continues from its snapshot and re-places its unfinished jobs; otherwise it waits for its
   * {@code session_init}. {@code shard} is used to passivate the entity when the session is over.
   */
  public static Behavior<Command> create(String sessionId, Deps deps, ActorRef<ClusterSharding.ShardCommand> shard) {
    return Behaviors.withMdc(Command.class, java.util.Map.of(JobMdc.SESSION_ID, sessionId), JobMdc::of, Behaviors.setup(ctx ->
        SessionLoading.loading(sessionId, deps, loaded -> Behaviors.withTimers(t ->
            new SessionEntity(ctx, t, sessionId, deps, shard, loaded)))));
  }

  private enum Phase { NEW, ACTIVE, CLOSING, ENDED }

  private final TimerScheduler<Command> timers;
  private final String sessionId;
  private final Deps deps;
  private final Metrics metrics;
  private final ActorRef<ClusterSharding.ShardCommand> shard;
  private final ClientLink link;
  private final SessionRooms rooms;
  private Phase phase = Phase.NEW;
  /** The session's work, from its start (init or recovery) on. */
  private SessionJobs jobs;

  private SessionEntity(ActorContext<Command> ctx, TimerScheduler<Command> timers, String sessionId, Deps deps,
                        ActorRef<ClusterSharding.ShardCommand> shard, Loaded loaded) {
    super(ctx);
    this.timers = timers;
    this.sessionId = sessionId;
    this.deps = deps;
    this.shard = shard;
    this.metrics = Metrics.get(ctx.getSystem());
    this.link = new ClientLink(ctx, sessionId, metrics);
    this.rooms = new SessionRooms(ctx, sessionId, deps, link, metrics, () -> {
      if (jobs != null) jobs.roomChanged();
    });
    jobs = SessionLoading.resume(ctx, timers, deps, sessionId, loaded, link, rooms);
    if (jobs != null) phase = Phase.ACTIVE;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Init.class, this::onInit)
        .onMessage(Mark.class, this::onMark)
        .onMessage(Audio.class, m -> applies(m.socket(), m.seq()) ? act(() -> jobs.audio(m)) : this)
        .onMessage(Utterance.class, m -> applies(m.socket(), m.seq()) ? act(() -> jobs.utterance(m)) : this)
        .onMessage(ClientHeartbeat.class, m -> accepts(m.socket())
            ? act(() -> link.send(new ClientEvent.ServerHeartbeat(sessionId, deps.clock().wallMillis()))) : this)
        .onMessage(TtsStarted.class, m -> accepts(m.socket()) ? act(jobs::ttsStarted) : this)
        .onMessage(TtsPlayEnded.class, m -> accepts(m.socket()) ? act(() -> jobs.ttsPlayEnded(m.groupId())) : this)
        .onMessage(Close.class, this::onClose)
        .onMessage(SocketClosed.class, this::onSocketClosed)
        .onMessage(FromNode.class, n -> onJobEvent(n.event()))
        .onMessage(FromDispatcher.class, n -> onJobEvent(n.reply()))
        .onMessage(GetDetail.class, m -> detail(m.replyTo(), null))
        .onMessage(GetJob.class, m -> detail(m.replyTo(), m.jobId()))
        .onMessageEquals(Timer.LINGER, this::onLinger)
        .onMessage(Timer.class, t -> act(() -> jobs.timer(t)))
        .onMessage(PendingTimeout.class, m -> act(() -> jobs.pendingTimeout(m)))
        .onMessage(DispatchedTimeout.class, m -> act(() -> jobs.dispatchedTimeout(m)))
        .onMessageEquals(LedgerFailed.INSTANCE, () -> act(jobs::ledgerFailed))
        .onMessage(Durable.class, m -> act(() -> jobs.durability().durable(m)))
        .onMessage(DurableWaitOver.class, m -> act(() -> jobs.durability().waitOver(m)))
        .onMessage(SealDurable.class, m -> act(() -> jobs.durability().sealDurable(m)))
        .onMessage(Claim.class, m -> act(() -> jobs.claim(m)))
        .onMessage(Claimed.class, m -> phase == Phase.ACTIVE || phase == Phase.CLOSING ? act(() -> jobs.claimed(m))
            : act(jobs::abandonClaim))
        .onMessage(RoomTraffic.class, this::onRoom)
        .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
        .build();
  }

  /** Runs {@code work} of a started session; a closing session then ends once nothing is left to deliver. */
  private Behavior<Command> act(Runnable work) {
    if (jobs == null || phase == Phase.ENDED) return this;
    work.run();
    return stopIfDone();
  }

  private Behavior<Command> onInit(Init m) {
    if (phase != Phase.NEW) {
      m.socket().tell(new SessionSocket.Deliver(sessionId, new ClientEvent.Error("INVALID_SESSION",
          "session already exists", null, null)));
      return this;
    }
    link.attach(m.socket());
    phase = Phase.ACTIVE;
    jobs = SessionJobs.started(getContext(), timers, deps, sessionId, m.data(), link, rooms);
    return this;
  }

  private Behavior<Command> onMark(Mark m) {
    if (phase == Phase.ACTIVE && !link.known()) relearn(m.socket());
    link.mark(m, m.seq() > 0 && phase == Phase.ACTIVE && jobs.full());
    return this;
  }

  /** {@code session_close}: flush the buffer into a job, release held results, ack, keep delivering until done. */
  private Behavior<Command> onClose(Close m) {
    if (!accepts(m.socket())) return this;
    jobs.close();
    phase = Phase.CLOSING;
    link.send(new ClientEvent.CloseAck(sessionId));
    getContext().getLog().info("session {} closing ({})", sessionId, m.reason());
    timers.startSingleTimer(Timer.LINGER, Timer.LINGER, deps.settings().sessions().closeLinger());
    return stopIfDone();
  }

  /** The socket closed (or its instance died): its live jobs are cancelled and it ends, once no listener waits. */
  private Behavior<Command> onSocketClosed(SocketClosed m) {
    if (phase == Phase.ENDED) return this;
    if (phase == Phase.NEW) return end(); // an ended session's id, re-created by the message: nothing to end
    if (link.known() && !link.isOurs(m.socket())) return this;
    getContext().getLog().info("session {} ended with its socket", sessionId);
    metrics.inc("sessions_ended_total", "reason", "socket_closed");
    if (!jobs.socketClosed()) return end();
    phase = Phase.CLOSING; // room jobs whose listeners wait: their results go out, then it ends (or at the linger)
    timers.startSingleTimer(Timer.LINGER, Timer.LINGER, deps.settings().sessions().closeLinger());
    return stopIfDone();
  }

  /** Room traffic; an entity that sharding started only for it (its session ended before, or was lost) stops again. */
  private Behavior<Command> onRoom(RoomTraffic m) {
    if (m instanceof ForRoom r) return accepts(r.socket()) ? act(() -> rooms.request(r.request())) : this;
    rooms.traffic(m, phase == Phase.ACTIVE);
    return phase == Phase.NEW ? end() : this;
  }

  private Behavior<Command> onLinger() {
    if (phase == Phase.ENDED) return this;
    if (phase != Phase.NEW) jobs.cancelAll();
    return end();
  }

  private Behavior<Command> onJobEvent(ClusterMessage m) {
    if ((phase == Phase.ENDED || phase == Phase.NEW) && m instanceof Dispatcher.Placed p) {
      deps.nodes().node(p.nodeId()).tell(new NodeEntity.Release(p.jobId(), p.attemptId())); // nobody will use it
    }
    if (phase == Phase.NEW) {
      getContext().getLog().debug("message for unknown session {} dropped: {}", sessionId, m);
      metrics.inc("result_dropped_total", "reason", "unknown_job");
      return end();
    }
    return act(() -> jobs.jobEvent(m));
  }

  /** The admin API (§14) reads the session, or one of its jobs; an entity with no session is not kept for it. */
  private Behavior<Command> detail(ActorRef<Detail> replyTo, String jobId) {
    Optional<? extends JsonNode> body = jobs == null ? Optional.empty() : jobId != null ? jobs.jobDetail(jobId)
        : phase == Phase.ENDED ? Optional.empty() : Optional.of(jobs.detail(phase == Phase.CLOSING));
    replyTo.tell(new Detail(body.isPresent(), body.orElse(null)));
    return phase == Phase.NEW ? end() : this;
  }

  /** Recovered: the client's connection is re-learnt from its next message (or its socket's probe). */
  private void relearn(ActorRef<SessionSocket.Command> from) {
    link.relearn(from);
    timers.cancel(Timer.LINGER);
  }

  /** P9: a numbered audio message from the session's own socket, applied once and in order. */
  private boolean applies(ActorRef<SessionSocket.Command> from, long seq) {
    return accepts(from) && jobs.inSequence(seq, from);
  }

  /** Messages only the live session's own socket may send; anything else is answered INVALID_SESSION. */
  private boolean accepts(ActorRef<SessionSocket.Command> from) {
    if (phase == Phase.ACTIVE && !link.known()) relearn(from);
    if (phase == Phase.ACTIVE && link.isOurs(from)) return true;
    link.refuse(from, phase == Phase.CLOSING ? "session is closed" : "unknown session");
    if (phase == Phase.NEW) getContext().getSelf().tell(Timer.LINGER);
    return false;
  }

  private Behavior<Command> stopIfDone() {
    if (phase != Phase.CLOSING) return this;
    jobs.releaseAll();
    if (!jobs.done()) return this;
    getContext().getLog().info("session {} closed: all jobs finished", sessionId);
    return end();
  }

  /** The session is over: nothing of it needs recovery any more. */
  private Behavior<Command> end() {
    // only a session that lived here knows it is over; an entity that found nothing (or could not read the
    // ledger) never deletes what an earlier incarnation wrote
    rooms.ended(RoomEntity.EndReason.ENDED); // the linger ran out, or a recovered session's client never came back
    if (phase != Phase.NEW) jobs.deleteFromLedger();
    link.end();
    phase = Phase.ENDED;
    timers.cancelAll();
    if (shard == null) return Behaviors.stopped();
    shard.tell(new ClusterSharding.Passivate<>(getContext().getSelf()));
    return this;
  }
}
