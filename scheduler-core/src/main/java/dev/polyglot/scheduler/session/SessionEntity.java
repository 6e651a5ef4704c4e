package dev.polyglot.scheduler.session;

import dev.polyglot.scheduler.cluster.ClusterMessage;
import dev.polyglot.scheduler.cluster.Entities;
import dev.polyglot.scheduler.config.SchedulerClock;
import dev.polyglot.scheduler.config.SchedulerSettings;
import dev.polyglot.scheduler.dispatch.Dispatcher;
import dev.polyglot.scheduler.edge.Ids;
import dev.polyglot.scheduler.job.Cut;
import dev.polyglot.scheduler.job.JobOrder;
import dev.polyglot.scheduler.job.SessionBound;
import dev.polyglot.scheduler.metrics.MetricLabels;
import dev.polyglot.scheduler.metrics.Metrics;
import dev.polyglot.scheduler.node.NodeEntity;
import dev.polyglot.scheduler.ops.JobIndex;
import dev.polyglot.scheduler.ops.JobMdc;
import dev.polyglot.scheduler.ops.JobObserver;
import dev.polyglot.scheduler.pool.PoolMembership;
import dev.polyglot.scheduler.protocol.FeatureFlags;
import dev.polyglot.scheduler.protocol.PipelineConfig;
import dev.polyglot.scheduler.store.Ledger;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
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
 * One client session, sharded by session id: the audio segmenter, the session's jobs and their attempts (a
 * {@link JobBook}), result ordering ({@link ResultOrder}), utterance groups, and the client connection. It
 * never waits: placement, dispatch and results arrive as messages, and every wait is a timer.
 *
 * <p>Promises: each sealed utterance becomes exactly one job, created in index order; each job reaches one
 * terminal outcome visible to the client (a result, an error, or nothing for an empty ack); results leave in
 * utterance order within the bounded hold; no utterance failure ends the session.
 *
 * <p>Lost when it stops, crashes or moves: its memory (passivation is off). With the Redis ledger the session
 * continues: remember-entities restarts it on a survivor right after the rebalance, it reloads its snapshot at the
 * floors its job records raised (next utterance index, last durable audio message, so no index the client may have
 * seen is reused) and places every unfinished job again with a new attempt; its socket delivers audio at least once
 * and sends what is not yet durable again to the new incarnation, which drops what it already holds (RELIABILITY.md
 * P9). Not recovered: results finished but still held for ordering or on their way to the client, and writes the
 * ledger refused; with the in-memory ledger, nothing. A session ends with its socket; its live jobs are then
 * cancelled.
 */
public final class SessionEntity extends AbstractBehavior<SessionEntity.Command> {

  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "Session");

  public sealed interface Command extends ClusterMessage {}

  /** What {@code session_init} established. */
  public record InitData(String srcLang, String tgtLang, String clientVersion, String platform, String mode,
                         String langA, String langB, List<String> autoLangs, String dialect, FeatureFlags features,
                         String tenantId, String traceId) implements ClusterMessage {}

  /** A one-shot {@code utterance}, already decoded and merged with the session's defaults by the socket. */
  public record UtteranceData(int index, byte[] audio, String audioFormat, int sampleRate, boolean manualCut,
                              String srcLang, String tgtLang, String dialect, FeatureFlags features,
                              PipelineConfig pipeline, String traceId) implements ClusterMessage {}

  public record Init(InitData data, ActorRef<SessionSocket.Command> socket) implements Command {}

  /**
   * {@code seq} numbers the socket's audio-carrying messages ({@code audio_chunk}, {@code utterance}) to this session
   * from 1 without gaps, so a re-created session can tell a replay it already holds from one it lacks (P9); 0 = not
   * numbered (applied as it comes).
   */
  public record Audio(byte[] payload, boolean isFinal, Long clientTimestampMs, ActorRef<SessionSocket.Command> socket,
                      long seq) implements Command {
    public Audio(byte[] payload, boolean isFinal, Long clientTimestampMs, ActorRef<SessionSocket.Command> socket) {
      this(payload, isFinal, clientTimestampMs, socket, 0);
    }
  }

  public record Utterance(UtteranceData data, ActorRef<SessionSocket.Command> socket, long seq) implements Command {
    public Utterance(UtteranceData data, ActorRef<SessionSocket.Command> socket) {
      this(data, socket, 0);
    }
  }

  public record ClientHeartbeat(ActorRef<SessionSocket.Command> socket) implements Command {}

  public record Close(String reason, ActorRef<SessionSocket.Command> socket) implements Command {}

  public record TtsStarted(String groupId, ActorRef<SessionSocket.Command> socket) implements Command {}

  public record TtsPlayEnded(String groupId, ActorRef<SessionSocket.Command> socket) implements Command {}

  public record SocketClosed(ActorRef<SessionSocket.Command> socket) implements Command {}

  /**
   * Flow control: confirm to {@code socket} every message it sent before this one. The confirmation waits while the
   * session holds {@code sessions.max-live-jobs} unfinished jobs, so a client that speaks faster than the nodes answer
   * is slowed by TCP instead of piling up jobs and their audio here.
   */
  public record Mark(long seq, ActorRef<SessionSocket.Command> socket) implements Command {}

  /** A dispatcher reply or a node event about one of this session's jobs. */
  public record Notify(SessionBound message) implements Command {}

  /** The admin API's SessionDetail; an id with no live session answers {@code found == false}. */
  public record GetDetail(ActorRef<Detail> replyTo) implements Command {}

  /** The admin API's JobDetail of one of this session's jobs (live or retained). */
  public record GetJob(String jobId, ActorRef<Detail> replyTo) implements Command {}

  public record Detail(boolean found, com.fasterxml.jackson.databind.JsonNode body) implements ClusterMessage {}

  private enum PauseTimer implements Command { INSTANCE }

  private enum HangoverTimer implements Command { INSTANCE }

  private enum PlaybackTimer implements Command { INSTANCE }

  private enum HoldTimer implements Command { INSTANCE }

  private enum BusyTimer implements Command { INSTANCE }

  private enum Linger implements Command { INSTANCE }

  private enum Sweep implements Command { INSTANCE }

  private record PendingTimeout(String jobId, int attemptId) implements Command {}

  private record DispatchedTimeout(String jobId, int attemptId) implements Command {}

  /** A ledger write failed: the ledger no longer matches this session's live state. */
  private enum LedgerFailed implements Command { INSTANCE }

  /** The ledger write of a new job finished (or failed): now it may be placed. */
  private record Durable(Dispatcher.PlacementRequest request, Throwable failure) implements Command {}

  /** The ledger confirmed (or failed) the write of a sealed utterance's job, which covers audio up to {@code seq}. */
  private record SealDurable(String jobId, Throwable failure, long seq) implements Command {}

  /** The ledger did not confirm a new job within {@code jobs.durable-wait}: place it anyway. */
  private record DurableWaitOver(Dispatcher.PlacementRequest request) implements Command {}

  /** The ledger answered the idempotency claim of an {@code utterance} (numbered {@code seq} by its socket). */
  private record Claimed(UtteranceData data, String jobId, boolean fresh, Throwable failure, long seq, int attempt)
      implements Command {}

  /** Claim the idempotency key of an {@code utterance} again after a failed try. */
  private record ClaimAgain(UtteranceData data, String jobId, long seq, int attempt) implements Command {}

  public record Deps(SchedulerSettings settings, SchedulerClock clock, Entities entities,
                     ActorRef<Dispatcher.Command> dispatcher, Ledger ledger) {}

  /** Sharding's stop message after this entity asked to be passivated (its session is over). */
  public enum Stop implements Command { INSTANCE }

  /** What the ledger held for this session id when the entity started. */
  private record Loaded(Optional<Ledger.SessionSnapshot> snapshot, List<Ledger.JobRecord> jobs, Throwable failure)
      implements Command {}

  private static final int STASH_CAPACITY = 1_000;
  /** The first retry of a failed ledger read; each next one waits twice as long, up to {@link #LOAD_RETRY_MAX}. */
  private static final Duration LOAD_RETRY = Duration.ofMillis(300);
  private static final Duration LOAD_RETRY_MAX = Duration.ofSeconds(5);
  /** Retries of a failed idempotency claim before the client is told to send the utterance again. */
  private static final int CLAIM_ATTEMPTS = 4;

  private enum Reload implements Command { INSTANCE }
  private static final int UNDELIVERED_CAPACITY = 256;

  public static Behavior<Command> create(String sessionId, Deps deps) {
    return create(sessionId, deps, null);
  }

  /**
   * Starts by reading the ledger (messages wait in a bounded stash meanwhile): a session that an earlier
   * incarnation accepted continues from its snapshot and re-places its unfinished jobs; otherwise it waits for
   * its {@code session_init}. {@code shard} is used to passivate the entity when the session is over.
   */
  public static Behavior<Command> create(String sessionId, Deps deps,
                                         ActorRef<ClusterSharding.ShardCommand> shard) {
    return Behaviors.withMdc(Command.class, java.util.Map.of(JobMdc.SESSION_ID, sessionId), JobMdc::of,
        loading(sessionId, deps, shard));
  }

  private static Behavior<Command> loading(String sessionId, Deps deps, ActorRef<ClusterSharding.ShardCommand> shard) {
    return Behaviors.withStash(STASH_CAPACITY, stash -> Behaviors.setup(ctx -> {
      int[] tries = {0};
      long startedAt = deps.clock().monoMillis();
      long giveUpAfter = deps.settings().sessions().closeLinger().toMillis();
      Runnable load = () -> ctx.pipeToSelf(deps.ledger().loadSession(sessionId).thenCombine(
          deps.ledger().unfinishedJobs(sessionId), (snap, jobs) -> new Loaded(snap, jobs, null)),
          (loaded, ex) -> loaded != null ? loaded : new Loaded(Optional.empty(), List.of(), ex));
      load.run();
      return Behaviors.receive(Command.class)
          .onMessage(Loaded.class, l -> {
            boolean created = stash.anyMatch(m -> m instanceof Init); // a new id from its socket: nothing to recover
            if (l.failure() != null && !created && deps.clock().monoMillis() - startedAt < giveUpAfter) {
              // the ledger did not answer: a session accepted before a crash must not be taken for a new one, and
              // its jobs are worth recovering while its client can still be waiting (the close linger)
              long delay = Math.min(LOAD_RETRY_MAX.toMillis(), LOAD_RETRY.toMillis() << Math.min(10, tries[0]++));
              Metrics.get(ctx.getSystem()).inc("session_load_retries_total");
              ctx.getLog().info("session {} could not read the ledger ({}); trying again in {} ms", sessionId,
                  l.failure().toString(), delay);
              ctx.scheduleOnce(Duration.ofMillis(delay), ctx.getSelf(), Reload.INSTANCE);
              return Behaviors.same();
            }
            return stash.unstashAll(Behaviors.withTimers(t -> new SessionEntity(ctx, t, sessionId, deps, shard, l)));
          })
          .onMessageEquals(Reload.INSTANCE, () -> {
            load.run();
            return Behaviors.same();
          })
          .onAnyMessage(m -> {
            if (stash.isFull()) {
              // flow control bounds what a socket sends (one window), so this takes many sockets or nodes at once
              ctx.getLog().warn("session {} dropped a message while loading: stash full", sessionId);
              Metrics.get(ctx.getSystem()).inc("session_stash_overflow_total");
              ActorRef<SessionSocket.Command> from = socketOf(m);
              if (from != null) {
                from.tell(new SessionSocket.Deliver(sessionId, new ClientEvent.Error("INTERNAL_ERROR",
                    "message dropped: the session is still loading; send it again", null, null)));
              }
            } else {
              stash.stash(m);
            }
            return Behaviors.same();
          })
          .build();
    }));
  }

  /** The client socket a message came from, if it came from one. */
  private static ActorRef<SessionSocket.Command> socketOf(Command m) {
    if (m instanceof Audio a) return a.socket();
    if (m instanceof Utterance u) return u.socket();
    if (m instanceof Init i) return i.socket();
    if (m instanceof ClientHeartbeat h) return h.socket();
    if (m instanceof Close c) return c.socket();
    if (m instanceof TtsStarted t) return t.socket();
    if (m instanceof TtsPlayEnded t) return t.socket();
    return null;
  }

  private enum Phase { NEW, ACTIVE, CLOSING, ENDED }


  private final TimerScheduler<Command> timers;
  private final String sessionId;
  private final Deps deps;
  private final SchedulerSettings settings;
  private final Metrics metrics;
  private final Supplier<String> newTurnId = Ids::uuid;
  private Phase phase = Phase.NEW;
  private InitData init;
  private ActorRef<SessionSocket.Command> socket;
  /** The client socket under death watch. */
  private ActorRef<SessionSocket.Command> watchedSocket;
  private Segmenter segmenter;
  private JobBook book;
  private ResultOrder<JobBook.Draft> order;
  private Groups groups;
  private String affinity;
  private Long lastBusyMono;
  /** A confirmation held back while the session has too many unfinished jobs. */
  private Mark deferredMark;
  /** Tells this incarnation from an earlier one that died: the socket replays what it kept when it changes (P9). */
  private final long incarnation = java.util.concurrent.ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
  /** The last numbered audio message applied; a recovered session starts at what the ledger holds. */
  private long appliedSeq;
  /** How far the socket's audio is durable in the ledger; the socket forgets what it covers. */
  private DurableCursor durable = DurableCursor.empty();
  /** The audio sequence each job not yet known durable covers, by job id. */
  private final java.util.Map<String, Long> coveredSeq = new java.util.HashMap<>();
  /** Sealed utterances' audio sequences, by index, until their job id is given. */
  private final java.util.Map<Integer, Long> sealedSeq = new java.util.HashMap<>();
  /** The gap the socket was last asked to fill, and when (monotonic ms). */
  private long replayAskedFrom;
  private long replayAskedAt;
  private final Set<String> waitingForCapacity = new HashSet<>();
  private final ActorRef<ClusterSharding.ShardCommand> shard;
  /** Client events produced while the client's connection is unknown (after a recovery), delivered once it is. */
  private final java.util.ArrayDeque<ClientEvent> undelivered = new java.util.ArrayDeque<>();
  /** {@code utterance} messages whose idempotency claim is on its way: the session does not end before them. */
  private int pendingClaims;
  /** Job ids given to sealed utterances still in their hangover, and the ledger's early confirmations. */
  private SealedJobs sealed = SealedJobs.empty();
  /** Placements waiting for the ledger, by job id (a confirmation of the sealed write also releases them). */
  private final java.util.Map<String, Dispatcher.PlacementRequest> pendingPlacement = new java.util.HashMap<>();
  /** New jobs whose ledger write is not confirmed yet: placed on confirmation or after the durable wait. */
  private final Set<String> awaitingDurable = new HashSet<>();
  /** Set when a ledger write failed; the next sweep writes the live state again (Redis came back). */
  private boolean ledgerDirty;
  /** foreign_node drops are counted every time and logged at most once per interval per node. */
  private final dev.polyglot.scheduler.metrics.LogThrottle foreignLog;
  /** Job lines, latency histograms and the job index (operators' view of this session's jobs). */
  private final JobObserver observer;
  private long createdAtMs;

  private SessionEntity(ActorContext<Command> ctx, TimerScheduler<Command> timers, String sessionId, Deps deps,
                        ActorRef<ClusterSharding.ShardCommand> shard, Loaded loaded) {
    super(ctx);
    this.timers = timers;
    this.sessionId = sessionId;
    this.deps = deps;
    this.shard = shard;
    this.settings = deps.settings();
    this.metrics = Metrics.get(ctx.getSystem());
    this.groups = Groups.create(sessionId, settings.results().groupWindow().toMillis());
    this.foreignLog = new dev.polyglot.scheduler.metrics.LogThrottle(
        settings.jobs().foreignResultLogInterval().toMillis(), 64);
    this.observer = new JobObserver(metrics, JobIndex.get(ctx.getSystem()), sessionId);
    if (loaded.failure() != null) {
      metrics.inc("ledger_write_failed_total", "op", "load_session");
      ctx.getLog().warn("session {} could not read the ledger: {}", sessionId, loaded.failure().toString());
    }
    loaded.snapshot().ifPresent(snap -> recover(snap, loaded.jobs()));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Init.class, this::onInit)
        .onMessage(Mark.class, this::onMark)
        .onMessage(Audio.class, this::onAudio)
        .onMessage(Utterance.class, this::onUtterance)
        .onMessage(ClientHeartbeat.class, this::onClientHeartbeat)
        .onMessage(Close.class, this::onClose)
        .onMessage(TtsStarted.class, this::onTtsStarted)
        .onMessage(TtsPlayEnded.class, this::onTtsPlayEnded)
        .onMessage(SocketClosed.class, this::onSocketClosed)
        .onMessage(Notify.class, this::onNotify)
        .onMessage(GetDetail.class, this::onGetDetail)
        .onMessage(GetJob.class, this::onGetJob)
        .onMessageEquals(PauseTimer.INSTANCE, () -> segment(segmenter.onPauseTimer(mono(), newTurnId)))
        .onMessageEquals(HangoverTimer.INSTANCE, () -> segment(segmenter.onHangoverTimer(mono(), newTurnId)))
        .onMessageEquals(PlaybackTimer.INSTANCE, () -> segment(segmenter.onPlaybackWindowTimer(mono(), newTurnId)))
        .onMessageEquals(HoldTimer.INSTANCE, () -> release(order.onHoldTimer(mono())))
        .onMessageEquals(BusyTimer.INSTANCE, this::onBusyTimer)
        .onMessageEquals(Linger.INSTANCE, this::onLinger)
        .onMessageEquals(Sweep.INSTANCE, this::onSweep)
        .onMessage(LedgerFailed.class, m -> { ledgerDirty = true; return this; })
        .onMessage(PendingTimeout.class, m -> jobs(book.pendingTimeout(m.jobId(), m.attemptId(), now())))
        .onMessage(DispatchedTimeout.class, m -> jobs(book.dispatchedTimeout(m.jobId(), m.attemptId(), now())))
        .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
        .onMessage(Durable.class, this::onDurable)
        .onMessage(DurableWaitOver.class, this::onDurableWaitOver)
        .onMessage(SealDurable.class, this::onSealDurable)
        .onMessage(Claimed.class, this::onClaimed)
        .onMessage(ClaimAgain.class, this::claim)
        .build();
  }

  // ---------------------------------------------------------------- client messages

  private Behavior<Command> onInit(Init m) {
    if (phase != Phase.NEW) {
      m.socket().tell(new SessionSocket.Deliver(sessionId, new ClientEvent.Error("INVALID_SESSION",
          "session already exists", null, null)));
      return this;
    }
    init = m.data();
    socket = m.socket();
    watchSocket(socket);
    start();
    metrics.inc("sessions_created_total");
    getContext().getLog().info("session {} created ({} -> {}, mode {})", sessionId, init.srcLang(), init.tgtLang(), init.mode());
    saveSnapshot();
    toClient(new ClientEvent.InitAck(sessionId, init.traceId()));
    return this;
  }

  /** The session's engines, fresh. */
  private void start() {
    phase = Phase.ACTIVE;
    createdAtMs = deps.clock().wallMillis();
    SchedulerSettings.Segmentation s = settings.segmentation();
    segmenter = Segmenter.initial(new Segmenter.Settings(s.pause().toMillis(), s.maxDuration().toMillis(),
        s.maxBufferBytes(), s.hangoverAuto().toMillis(), s.hangoverManual().toMillis(), s.paddingAutoMs(),
        s.paddingManualMs(), s.opusBytesPerFrame(),
        "current-utterance".equals(s.gapChunkGoesTo()) ? Segmenter.GapMode.CURRENT_UTTERANCE : Segmenter.GapMode.NEXT_UTTERANCE,
        s.playbackWindowMax().toMillis()), "opus");
    book = JobBook.empty(new JobBook.Settings(settings.jobs().maxAttempts(), settings.jobs().retainFinished().toMillis(),
        settings.jobs().retainFinishedMax()));
    order = ResultOrder.create("arrival".equals(settings.results().order()) ? ResultOrder.Mode.ARRIVAL : ResultOrder.Mode.INDEX,
        settings.results().maxHold().toMillis());
    timers.startTimerWithFixedDelay(Sweep.INSTANCE, Sweep.INSTANCE, settings.sessions().sweepInterval());
  }

  /**
   * Continues a session accepted by an earlier incarnation (its instance died): the index and turn go on
   * where the ledger says, and every unfinished job is placed again with a new attempt. The client's
   * connection is learnt from its next message.
   */
  private void recover(Ledger.SessionSnapshot snap, List<Ledger.JobRecord> jobs) {
    init = new InitData(snap.srcLang(), snap.tgtLang(), null, null, snap.mode(), snap.langA(), snap.langB(), null,
        null, FeatureFlags.empty(), null, snap.traceId());
    start();
    for (int i = 0; i < snap.nextIndex(); i++) segmenter = segmenter.reserveIndex(i);
    appliedSeq = snap.durableSeq();
    durable = DurableCursor.at(snap.durableSeq());
    for (Ledger.JobRecord r : jobs) {
      JobOrder o = r.order();
      segmenter = segmenter.reserveIndex(o.utteranceIndex());
      order = order.jobLive(o.tgtLang(), o.utteranceIndex());
      jobs(book.recover(o, r.pool(), r.requiredTypes(), o.tgtLang(), r.firstClientTs(), r.createdAtMs(), r.triedNodes(),
          now()));
    }
    metrics.inc("sessions_recovered_total");
    // the client's connection may have died with the instance: without news from it, end after the linger
    timers.startSingleTimer(Linger.INSTANCE, Linger.INSTANCE, settings.sessions().closeLinger());
    getContext().getLog().info("session {} recovered from the ledger at index {} with {} unfinished jobs", sessionId,
        segmenter.index(), jobs.size());
  }

  private Behavior<Command> onAudio(Audio m) {
    if (!accepts(m.socket()) || !inSequence(m.seq(), m.socket())) return this;
    return segment(segmenter.onChunk(m.payload(), m.isFinal(), m.clientTimestampMs(), mono(), newTurnId));
  }

  /**
   * At-least-once delivery from the socket (P9): a numbered message is applied once, in order. One already applied
   * (or held by the ledger, for a re-created session) is dropped; one past a gap is dropped and the socket is asked to
   * send again from the gap, at most once a second.
   */
  private boolean inSequence(long seq, ActorRef<SessionSocket.Command> from) {
    if (seq <= 0) return true;
    if (seq <= appliedSeq) {
      metrics.inc("session_replay_duplicates_total");
      return false;
    }
    if (seq > appliedSeq + 1) {
      long now = mono();
      if (replayAskedFrom != appliedSeq + 1 || now - replayAskedAt >= 1_000) {
        replayAskedFrom = appliedSeq + 1;
        replayAskedAt = now;
        metrics.inc("session_replay_requests_total");
        getContext().getLog().info("session {} asks its socket to send again from audio message {} (got {})", sessionId,
            appliedSeq + 1, seq);
        from.tell(new SessionSocket.Replay(sessionId, appliedSeq + 1, incarnation));
      }
      return false;
    }
    appliedSeq = seq;
    return true;
  }

  private Behavior<Command> onUtterance(Utterance m) {
    if (!accepts(m.socket()) || !inSequence(m.seq(), m.socket())) return this;
    UtteranceData u = m.data();
    if (book.hasIndex(u.index())) {
      metrics.inc("duplicate_utterance_total");
      getContext().getLog().debug("duplicate utterance {} ignored", u.index());
      return this;
    }
    segmenter = segmenter.reserveIndex(u.index());
    String jobId = Ids.jobId();
    pendingClaims++;
    return claim(new ClaimAgain(u, jobId, m.seq(), 1));
  }

  private Behavior<Command> claim(ClaimAgain c) {
    getContext().pipeToSelf(deps.ledger().claimUtterance(sessionId, c.data().index(), c.jobId()),
        (fresh, ex) -> new Claimed(c.data(), c.jobId(), Boolean.TRUE.equals(fresh), ex, c.seq(), c.attempt()));
    return this;
  }

  /**
   * The ledger is the authority on {@code (session, utterance_index)}: a claim that failed is tried again, and one that
   * keeps failing is answered with an error (send it again) rather than risk a second job for the index.
   */
  private Behavior<Command> onClaimed(Claimed c) {
    if (phase != Phase.ACTIVE && phase != Phase.CLOSING) {
      pendingClaims--;
      return this;
    }
    if (c.failure() != null) {
      metrics.inc("ledger_write_failed_total", "op", "claim_utterance");
      if (c.attempt() < CLAIM_ATTEMPTS) {
        timers.startSingleTimer("claim-" + c.jobId(), new ClaimAgain(c.data(), c.jobId(), c.seq(), c.attempt() + 1),
            Duration.ofMillis(200L << c.attempt()));
        return this;
      }
      pendingClaims--;
      getContext().getLog().warn("utterance {} refused: its idempotency claim failed {} times", c.data().index(),
          c.attempt());
      com.fasterxml.jackson.databind.node.ObjectNode details = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
          .objectNode().put("utterance_index", c.data().index());
      toClient(new ClientEvent.Error("SCHEDULER_DEPENDENCY_DOWN",
          "the utterance could not be recorded (the ledger is unavailable); send it again", details, c.data().traceId()));
      if (c.seq() > 0) {
        durable = durable.issued(c.seq()); // the client was told: nothing of it is owed any more
        confirmDurable(c.seq());
      }
      return phase == Phase.CLOSING ? stopIfDone() : this;
    }
    pendingClaims--;
    if (!c.fresh() || book.hasIndex(c.data().index())) {
      metrics.inc("duplicate_utterance_total");
      if (c.seq() > 0) {
        durable = durable.issued(c.seq()); // its audio is the job the ledger already holds
        confirmDurable(c.seq());
      }
      return this;
    }
    if (c.seq() > 0) {
      coveredSeq.put(c.jobId(), c.seq());
      durable = durable.issued(c.seq());
    }
    UtteranceData u = c.data();
    String src = u.srcLang() != null ? u.srcLang() : init.srcLang();
    String tgt = u.tgtLang() != null ? u.tgtLang() : init.tgtLang();
    JobOrder o = new JobOrder(c.jobId(), 1, sessionId, u.index(), src, tgt, u.pipeline(), u.audio(),
        u.audioFormat(), u.sampleRate(), u.traceId() != null ? u.traceId() : init.traceId(),
        settings.jobs().enableStreamingAsr(), (int) settings.jobs().partialUpdateInterval().toMillis(), Ids.uuid(),
        u.dialect() != null ? u.dialect() : init.dialect(), u.features() != null ? u.features() : init.features(),
        init.mode(), init.langA(), init.langB(), init.autoLangs(), null, u.manualCut() ? Cut.MANUAL : Cut.NONE);
    return createJob(o, null, "utterance");
  }

  private Behavior<Command> onClientHeartbeat(ClientHeartbeat m) {
    if (!accepts(m.socket())) return this;
    toClient(new ClientEvent.ServerHeartbeat(sessionId, deps.clock().wallMillis()));
    return this;
  }

  private Behavior<Command> onTtsStarted(TtsStarted m) {
    if (!accepts(m.socket())) return this;
    return segment(segmenter.onTtsStarted(mono(), newTurnId));
  }

  private Behavior<Command> onTtsPlayEnded(TtsPlayEnded m) {
    if (!accepts(m.socket())) return this;
    groups = groups.playbackEnded(m.groupId(), mono());
    return segment(segmenter.onTtsPlayEnded(mono(), newTurnId));
  }

  /** {@code session_close}: flush the buffer into a job, release held results, ack, keep delivering until done. */
  private Behavior<Command> onClose(Close m) {
    if (!accepts(m.socket())) return this;
    segment(segmenter.onSessionClose(mono(), newTurnId));
    phase = Phase.CLOSING;
    cancelSegmenterTimers();
    release(order.releaseAll());
    toClient(new ClientEvent.CloseAck(sessionId));
    getContext().getLog().info("session {} closing ({})", sessionId, m.reason());
    timers.startSingleTimer(Linger.INSTANCE, Linger.INSTANCE, settings.sessions().closeLinger());
    return stopIfDone();
  }

  /** The socket closed: nobody can receive results any more; cancel the live jobs and end (§6.5). */
  /**
   * Death watch on the client's socket: when the instance hosting it dies, no SocketClosed is ever sent, and the
   * session ends as soon as the cluster removes that instance (its client reconnects with a new session anyway).
   */
  private void watchSocket(ActorRef<SessionSocket.Command> s) {
    if (s.equals(watchedSocket)) return;
    if (watchedSocket != null) getContext().unwatch(watchedSocket);
    watchedSocket = s;
    getContext().watchWith(s, new SocketClosed(s));
  }

  private Behavior<Command> onSocketClosed(SocketClosed m) {
    if (phase == Phase.ENDED) return this;
    if (phase == Phase.NEW) return end(); // an ended session's id, re-created by the message: nothing to end
    if (socket != null && !m.socket().equals(socket)) return this;
    getContext().getLog().info("session {} ended with its socket", sessionId);
    effects(book.cancelAll("session_closed", now()).effects(), true);
    metrics.inc("sessions_ended_total", "reason", "socket_closed");
    return end();
  }

  private Behavior<Command> onLinger() {
    if (phase == Phase.ENDED) return this;
    if (phase == Phase.NEW) return end();
    effects(book.cancelAll("session_closed", now()).effects(), true);
    return end();
  }

  /** Recovered: the client's connection is re-learnt from its next message (or its socket's probe). */
  private void relearn(ActorRef<SessionSocket.Command> from) {
    socket = from;
    watchSocket(from);
    timers.cancel(Linger.INSTANCE);
    getContext().getLog().info("session {} re-learnt its client connection", sessionId);
    while (!undelivered.isEmpty()) socket.tell(new SessionSocket.Deliver(sessionId, undelivered.poll()));
  }

  /** Messages only the live session's own socket may send; anything else is answered INVALID_SESSION. */
  private boolean accepts(ActorRef<SessionSocket.Command> from) {
    if (phase == Phase.ACTIVE && socket == null) relearn(from);
    if (phase == Phase.ACTIVE && from.equals(socket)) return true;
    from.tell(new SessionSocket.Deliver(sessionId, new ClientEvent.Error("INVALID_SESSION",
        phase == Phase.CLOSING ? "session is closed" : "unknown session", null, null)));
    metrics.inc("invalid_message_total", "socket", "session", "code", "INVALID_SESSION");
    if (phase == Phase.NEW) getContext().getSelf().tell(Linger.INSTANCE);
    return false;
  }

  // ---------------------------------------------------------------- segmentation

  private Behavior<Command> segment(Segmenter.Step step) {
    boolean moved = step.next().index() != segmenter.index() || !step.next().turnId().equals(segmenter.turnId());
    segmenter = step.next();
    if (moved) saveSnapshot();
    Segmenter.Outcome outcome = step.outcome();
    if (outcome == Segmenter.Outcome.CHUNK_TOO_LARGE || outcome == Segmenter.Outcome.CHUNK_TOO_LARGE_AND_EMPTY_FINALIZE) {
      getContext().getLog().debug("audio chunk rejected: larger than the utterance buffer");
      toClient(new ClientEvent.Error("INVALID_MESSAGE", "audio chunk larger than the utterance buffer", null, null));
      metrics.inc("invalid_message_total", "socket", "session", "code", "INVALID_MESSAGE");
    }
    if (outcome == Segmenter.Outcome.EMPTY_FINALIZE || outcome == Segmenter.Outcome.CHUNK_TOO_LARGE_AND_EMPTY_FINALIZE) {
      metrics.inc("empty_finalize_total");
    }
    noteSealedAudio(step.ready());
    for (Segmenter.Utterance u : step.ready()) createJob(jobFor(u), u.firstClientTs(), "stream");
    recordSealed();
    if (phase == Phase.ACTIVE) armSegmenterTimers();
    return this;
  }

  /**
   * Which client audio messages the utterances sealed by the last step hold: all applied so far, or all but the last
   * when that one already went into the next utterance (a gap cut).
   */
  private void noteSealedAudio(List<Segmenter.Utterance> ready) {
    if (appliedSeq == 0) return;
    long covered = segmenter.bufferedBytes() == 0 ? appliedSeq : appliedSeq - 1;
    List<Segmenter.Utterance> sealedNow = new java.util.ArrayList<>(ready);
    sealedNow.addAll(segmenter.waiting());
    for (Segmenter.Utterance u : sealedNow) {
      if (!sealed.sealed(u.index()) && !sealedSeq.containsKey(u.index())) sealedSeq.put(u.index(), covered);
    }
  }

  /**
   * The crash contract: an utterance is durable from the moment it is sealed. Each newly sealed utterance gets its
   * job id now and is written to the ledger during its hangover, so its placement later need not wait for Redis.
   */
  private void recordSealed() {
    for (Segmenter.Utterance u : segmenter.waiting()) {
      if (sealed.sealed(u.index())) continue;
      String jobId = Ids.jobId();
      sealed = sealed.seal(u.index(), jobId);
      observer.sealed(u.index(), mono());
      JobOrder o = jobFor(u, jobId).withTurnId(Ids.uuid()); // a recovery of a job never released starts a turn
      long seq = sealedSeq.getOrDefault(u.index(), 0L);
      sealedSeq.remove(u.index());
      if (seq > 0) {
        coveredSeq.put(jobId, seq);
        durable = durable.issued(seq);
      }
      getContext().pipeToSelf(deps.ledger().recordJob(sessionId, new Ledger.JobRecord(o, poolOf(o.srcLang(), o.tgtLang()),
          requiredTypes(o.pipeline()), deps.clock().wallMillis(), u.firstClientTs(), List.of(), seq)),
          (ok, ex) -> new SealDurable(jobId, ex, seq));
    }
  }

  private Behavior<Command> onSealDurable(SealDurable d) {
    if (d.failure() == null) {
      confirmDurable(d.seq());
      coveredSeq.remove(d.jobId());
    }
    if (d.failure() != null) {
      ledgerDirty = true;
      metrics.inc("ledger_write_failed_total", "op", "record_sealed");
    } else {
      sealed = sealed.confirmed(d.jobId()); // kept only while its job is not created yet
      placeOnce(pendingPlacement.remove(d.jobId())); // created and waiting for its own write: this one suffices
    }
    return this;
  }

  /** The ledger holds the audio up to {@code seq}: once every record below is held too, the socket may forget it. */
  private void confirmDurable(long seq) {
    if (seq <= 0) return;
    long before = durable.acked();
    durable = durable.confirmed(seq);
    if (durable.acked() > before && socket != null) {
      socket.tell(new SessionSocket.Durable(sessionId, durable.acked(), incarnation));
    }
  }

  private JobOrder jobFor(Segmenter.Utterance u) {
    metrics.inc("finalize_total", "reason", MetricLabels.finalizeReason(u.reason().name()));
    SealedJobs.Released released = sealed.release(u.index());
    sealed = released.next();
    String jobId = released.jobId();
    if (jobId == null) {
      // created without a record at its seal (no hangover): its job's record covers its audio
      jobId = Ids.jobId();
      Long seq = sealedSeq.remove(u.index());
      if (seq != null && seq > 0) {
        coveredSeq.put(jobId, seq);
        durable = durable.issued(seq);
      }
    }
    return jobFor(u, jobId);
  }

  private JobOrder jobFor(Segmenter.Utterance u, String jobId) {
    return new JobOrder(jobId, 1, sessionId, u.index(), init.srcLang(), init.tgtLang(),
        PipelineConfig.streamingDefault(), u.audio(), "opus", 16000, init.traceId(),
        settings.jobs().enableStreamingAsr(), (int) settings.jobs().partialUpdateInterval().toMillis(), u.turnId(),
        init.dialect(), init.features(), init.mode(), init.langA(), init.langB(), init.autoLangs(), u.paddingMs(),
        cutOf(u.reason()));
  }

  private static Cut cutOf(Segmenter.Reason reason) {
    return switch (reason) {
      case IS_FINAL -> Cut.MANUAL;
      case TIMEOUT_GAP -> Cut.GAP;
      case TIMEOUT_TIMER -> Cut.TIMER;
      case MAX_DURATION -> Cut.MAX_DURATION;
      case MAX_LENGTH, SESSION_CLOSE -> Cut.NONE;
    };
  }

  private void armSegmenterTimers() {
    arm(PauseTimer.INSTANCE, segmenter.pauseDueAt());
    arm(HangoverTimer.INSTANCE, segmenter.hangoverDueAt());
    arm(PlaybackTimer.INSTANCE, segmenter.playbackWindowDueAt());
  }

  private void cancelSegmenterTimers() {
    timers.cancel(PauseTimer.INSTANCE);
    timers.cancel(HangoverTimer.INSTANCE);
    timers.cancel(PlaybackTimer.INSTANCE);
  }

  private void arm(Command key, java.util.OptionalLong dueAt) {
    if (dueAt.isEmpty()) {
      timers.cancel(key);
    } else {
      timers.startSingleTimer(key, key, Duration.ofMillis(Math.max(0, dueAt.getAsLong() - mono())));
    }
  }

  // ---------------------------------------------------------------- jobs

  private Behavior<Command> createJob(JobOrder o, Long firstClientTs, String path) {
    String pool = poolOf(o.srcLang(), o.tgtLang());
    metrics.inc("jobs_created_total", "path", path);
    order = order.jobLive(o.tgtLang(), o.utteranceIndex());
    return jobs(book.create(o, pool, requiredTypes(o.pipeline()), o.tgtLang(), firstClientTs, path, affinity, now()));
  }

  /** The job pool: {@code lang_a:lang_b} for a two-way session, else {@code src:tgt} (§4). */
  private String poolOf(String src, String tgt) {
    if ("auto".equalsIgnoreCase(src) && init.langA() != null && init.langB() != null) {
      return PoolMembership.pool(init.langA(), init.langB());
    }
    return PoolMembership.pool(src, tgt);
  }

  private static Set<String> requiredTypes(PipelineConfig p) {
    Set<String> t = new LinkedHashSet<>();
    if (p.useAsr()) t.add("asr");
    if (p.useNmt()) t.add("nmt");
    if (p.useTts()) t.add("tts");
    if (p.useSemantic()) t.add("semantic");
    if (p.useTone()) t.add("tone");
    return t;
  }

  private Behavior<Command> onNotify(Notify n) {
    if ((phase == Phase.ENDED || phase == Phase.NEW) && n.message() instanceof Dispatcher.Placed p) {
      deps.entities().node(p.nodeId()).tell(new NodeEntity.Release(p.jobId(), p.attemptId())); // nobody will use it
    }
    if (phase == Phase.ENDED) return this;
    if (phase == Phase.NEW) {
      getContext().getLog().debug("message for unknown session {} dropped: job {}", sessionId, n.message().jobId());
      metrics.inc("result_dropped_total", "reason", "unknown_job");
      return end();
    }
    SessionBound m = n.message();
    if (m instanceof Dispatcher.Placed p) {
      waitingForCapacity.remove(p.jobId());
      return jobs(book.placed(p.jobId(), p.attemptId(), p.nodeId(), now()));
    } else if (m instanceof Dispatcher.NoEligible p) {
      waitingForCapacity.remove(p.jobId());
      return jobs(book.noEligible(p.jobId(), p.attemptId(), now()));
    } else if (m instanceof Dispatcher.QueueFull f) {
      waitingForCapacity.remove(f.jobId());
      return jobs(book.queueFull(f.jobId(), f.attemptId(), f.maxQueued(), now()));
    } else if (m instanceof Dispatcher.Queued q) {
      boolean waiting = book.job(q.jobId())
          .map(j -> j.state() == JobBook.JobState.PENDING && j.placing() == q.attemptId()).orElse(false);
      if (waiting) waitingForCapacity.add(q.jobId());
      return jobs(book.queued(q.jobId(), q.attemptId()));
    } else if (m instanceof NodeEntity.AttemptDispatched d) {
      jobs(book.dispatched(d.jobId(), d.attemptId(), d.nodeId(), d.dispatchedAtMs(), now()));
      rememberTriedNodes(d.jobId());
      return phase == Phase.CLOSING ? stopIfDone() : this;
    } else if (m instanceof NodeEntity.AttemptLost l) {
      return jobs(book.lost(l.jobId(), l.attemptId(), l.nodeId(), now()));
    } else if (m instanceof NodeEntity.ResultReceived r) {
      return jobs(book.result(r.nodeId(), r.result(), now()));
    } else if (m instanceof NodeEntity.PartialReceived p) {
      return onPartial(p);
    } else if (m instanceof NodeEntity.AckReceived a) {
      return onAck(a);
    }
    return this;
  }

  /** {@code asr_partial} is relayed only from the live attempt's node of an unfinished job, never held. */
  private Behavior<Command> onPartial(NodeEntity.PartialReceived p) {
    book.job(p.jobId()).ifPresent(j -> {
      boolean live = !j.state().terminal() && j.liveAttempt().map(a -> a.nodeId().equals(p.nodeId())).orElse(false);
      if (!live) {
        metrics.inc("partial_dropped_total", "reason", "not_live");
        return;
      }
      toClient(new ClientEvent.Partial(sessionId, j.index(), j.jobId(), p.text(), p.isFinal(), j.order().traceId()));
      toClient(new ClientEvent.Ui(j.order().traceId(), sessionId, j.jobId(), j.index(), "ASR_PARTIAL", "ok",
          mono() - j.createdMono(), null));
    });
    return this;
  }

  private Behavior<Command> onAck(NodeEntity.AckReceived a) {
    if (a.started()) return this;
    book.job(a.jobId()).ifPresent(j -> {
      boolean live = j.liveAttempt().map(x -> x.nodeId().equals(a.nodeId()) && x.attemptId() == a.attemptId()).orElse(false);
      if (live) {
        toClient(new ClientEvent.Ui(j.order().traceId(), sessionId, j.jobId(), j.index(), "NODE_ACCEPTED", "ok",
            mono() - j.createdMono(), null));
      }
    });
    return this;
  }

  private Behavior<Command> jobs(JobBook.Step step) {
    book = step.next();
    effects(step.effects(), false);
    if (deferredMark != null && book.liveJobs() < settings.flow().maxLiveJobs()) {
      Mark m = deferredMark;
      deferredMark = null;
      m.socket().tell(new SessionSocket.Taken(sessionId, m.seq(), incarnation));
    }
    return phase == Phase.CLOSING ? stopIfDone() : this;
  }

  private Behavior<Command> onMark(Mark m) {
    if (phase == Phase.ACTIVE && socket == null) relearn(m.socket());
    if (m.seq() > 0 && phase == Phase.ACTIVE && book.liveJobs() >= settings.flow().maxLiveJobs()) {
      if (deferredMark == null) metrics.inc("session_input_paused_total");
      deferredMark = m;
      return this;
    }
    m.socket().tell(new SessionSocket.Taken(sessionId, m.seq(), incarnation));
    return this;
  }

  /** Carries out what the JobBook decided. With {@code ending}, nothing more goes to the client. */
  private void effects(List<JobBook.Effect> fx, boolean ending) {
    for (JobBook.Effect e : fx) {
      if (e instanceof JobBook.Effect.Place p) {
        place(p.request());
      } else if (e instanceof JobBook.Effect.Withdraw w) {
        waitingForCapacity.remove(w.jobId());
        deps.dispatcher().tell(new Dispatcher.Withdraw(w.jobId(), w.attemptId()));
      } else if (e instanceof JobBook.Effect.Assign a) {
        long createdWall = book.job(a.order().jobId()).map(j -> {
          observer.placed(a.order(), a.nodeId(), j.createdMono(), mono());
          return j.createdWall();
        }).orElse(0L);
        deps.entities().node(a.nodeId()).tell(new NodeEntity.Assign(a.order(), createdWall));
      } else if (e instanceof JobBook.Effect.CancelOnNode c) {
        metrics.inc("job_cancel_sent_total", "reason", c.reason());
        deps.entities().node(c.nodeId()).tell(new NodeEntity.Cancel(c.jobId(), c.attemptId(), c.traceId(), c.reason()));
      } else if (e instanceof JobBook.Effect.ReleaseOnNode r) {
        deps.entities().node(r.nodeId()).tell(new NodeEntity.Release(r.jobId(), r.attemptId()));
      } else if (e instanceof JobBook.Effect.ForgetOnNode f) {
        deps.entities().node(f.nodeId()).tell(new NodeEntity.Forget(f.jobId(), f.attemptId()));
      } else if (e instanceof JobBook.Effect.ArmPending p) {
        timers.startSingleTimer(pendingKey(p.jobId()), new PendingTimeout(p.jobId(), p.attemptId()),
            settings.jobs().pendingTimeout());
      } else if (e instanceof JobBook.Effect.ArmDispatched d) {
        timers.startSingleTimer(dispatchedKey(d.jobId()), new DispatchedTimeout(d.jobId(), d.attemptId()),
            settings.jobs().dispatchedTimeout());
      } else if (e instanceof JobBook.Effect.Disarm d) {
        timers.cancel(pendingKey(d.jobId()));
        timers.cancel(dispatchedKey(d.jobId()));
      } else if (e instanceof JobBook.Effect.Affinity a) {
        affinity = a.nodeId();
      } else if (e instanceof JobBook.Effect.Busy b) {
        busy(b.pool());
      } else if (e instanceof JobBook.Effect.Dropped d) {
        dropped(d);
      } else if (e instanceof JobBook.Effect.Finished f) {
        waitingForCapacity.remove(f.jobId());
        sealed = sealed.forget(f.jobId());
        ledgerWrite(deps.ledger().finishJob(sessionId, f.jobId()), "finish_job");
        metrics.inc("jobs_finished_total", "outcome", outcome(f.state()), "code", MetricLabels.jobCode(f.code()));
        book.job(f.jobId()).ifPresent(j -> observer.finished(j.order(), outcome(f.state()), f.code(),
            j.attempts().size(), j.attempts().isEmpty() ? null : j.attempts().get(j.attempts().size() - 1).nodeId(),
            j.createdMono(), mono()));
      } else if (e instanceof JobBook.Effect.AttemptStarted a) {
        metrics.inc("job_attempts_total", "reason", a.reason());
        book.job(a.jobId()).ifPresent(j -> observer.attemptStarted(j.order(), a.attemptId(), a.reason(), now().wall()));
      } else if (ending) {
        continue;
      } else if (e instanceof JobBook.Effect.Client c) {
        toClient(c.event());
      } else if (e instanceof JobBook.Effect.Deliver d) {
        release(order.resultReady(d.stream(), d.index(), d.draft(), mono()));
      } else if (e instanceof JobBook.Effect.Ended d) {
        release(order.jobEnded(d.stream(), d.index(), mono()));
      }
    }
  }

  /**
   * A new job becomes durable before it is placed (the crash contract); a failover attempt is placed at once.
   * A failed ledger write is counted and never blocks dispatch.
   */
  private void place(Dispatcher.PlacementRequest r) {
    if (r.attemptId() > 1) {
      // the ledger learns the attempt, so a recovery continues above it; placing does not wait for the write
      book.job(r.jobId()).ifPresent(j -> ledgerWrite(deps.ledger().recordJob(sessionId, recordOf(j, r.attemptId())),
          "record_attempt"));
      deps.dispatcher().tell(new Dispatcher.Place(r));
      return;
    }
    book.job(r.jobId()).ifPresent(j -> {
      awaitingDurable.add(r.jobId());
      SealedJobs.Taken taken = sealed.take(r.jobId());
      sealed = taken.next();
      if (taken.durable()) {
        // written when sealed: place now, the record only learns its turn id
        ledgerWrite(deps.ledger().recordJob(sessionId, recordOf(j, r.attemptId())), "record_job");
        placeOnce(r);
        return;
      }
      pendingPlacement.put(r.jobId(), r);
      getContext().pipeToSelf(deps.ledger().recordJob(sessionId, recordOf(j, r.attemptId())),
          (ok, ex) -> new Durable(r, ex));
      timers.startSingleTimer(durableKey(r.jobId()), new DurableWaitOver(r), settings.jobs().durableWait());
    });
  }

  private Behavior<Command> onDurable(Durable d) {
    if (d.failure() == null) {
      Long seq = coveredSeq.remove(d.request().jobId());
      if (seq != null) confirmDurable(seq);
    }
    if (d.failure() != null) {
      ledgerDirty = true;
      metrics.inc("ledger_write_failed_total", "op", "record_job");
      getContext().getLog().warn("ledger write failed for job {}: {}", d.request().jobId(), d.failure().toString());
    }
    timers.cancel(durableKey(d.request().jobId()));
    placeOnce(d.request());
    return this;
  }

  /**
   * Redis trouble never holds dispatch longer than {@code jobs.durable-wait}: the job is placed and its write goes
   * on (a crash before the write lands can then lose it; the metric counts how often that window opened).
   */
  private Behavior<Command> onDurableWaitOver(DurableWaitOver w) {
    if (awaitingDurable.contains(w.request().jobId())) {
      metrics.inc("ledger_durable_wait_exceeded_total");
      getContext().getLog().debug("job {} placed before the ledger confirmed it", w.request().jobId());
    }
    placeOnce(w.request());
    return this;
  }

  private void placeOnce(Dispatcher.PlacementRequest r) {
    if (r == null || !awaitingDurable.remove(r.jobId())) return;
    pendingPlacement.remove(r.jobId());
    boolean stillPending = book.job(r.jobId())
        .map(j -> j.state() == JobBook.JobState.PENDING && j.placing() == r.attemptId()).orElse(false);
    if (stillPending) deps.dispatcher().tell(new Dispatcher.Place(r));
  }

  private static String durableKey(String jobId) {
    return "durable:" + jobId;
  }

  /** The ledger learns which nodes a live job was given, so a recovery neither repeats nor ignores them. */
  private void rememberTriedNodes(String jobId) {
    book.job(jobId).filter(j -> !j.state().terminal()).ifPresent(j -> ledgerWrite(deps.ledger().recordJob(sessionId,
        recordOf(j, j.liveAttempt().map(JobBook.Attempt::attemptId).orElse(j.order().attemptId()))), "record_attempt"));
  }

  /** What the ledger keeps of a live job: its content at {@code attempt} and the nodes its attempts were given. */
  private Ledger.JobRecord recordOf(JobBook.Job j, int attempt) {
    return new Ledger.JobRecord(j.order().withAttempt(attempt), j.pool(), j.requiredTypes(), j.createdWall(),
        j.firstClientTs(), j.attempts().stream().map(JobBook.Attempt::nodeId).toList(),
        coveredSeq.getOrDefault(j.jobId(), 0L));
  }

  private void ledgerWrite(java.util.concurrent.CompletionStage<Void> write, String op) {
    ActorRef<Command> self = getContext().getSelf();
    write.whenComplete((ok, ex) -> {
      if (ex != null) {
        metrics.inc("ledger_write_failed_total", "op", op);
        self.tell(LedgerFailed.INSTANCE);
      }
    });
  }

  /** Forgets old terminal jobs; after a failed ledger write, writes the live state again. */
  private Behavior<Command> onSweep() {
    book = book.sweep(now());
    sealed = sealed.sweep();
    if (ledgerDirty && phase == Phase.ACTIVE) {
      ledgerDirty = false;
      getContext().getLog().info("session {} writes its live state to the ledger again", sessionId);
      saveSnapshot();
      for (JobBook.Job j : book.jobs().values()) {
        if (j.state().terminal()) continue;
        int attempt = Math.max(j.placing(), j.liveAttempt().map(JobBook.Attempt::attemptId).orElse(1));
        ledgerWrite(deps.ledger().recordJob(sessionId, recordOf(j, attempt)), "record_job");
      }
    }
    return this;
  }

  private void saveSnapshot() {
    ledgerWrite(deps.ledger().saveSession(new Ledger.SessionSnapshot(sessionId, init.srcLang(), init.tgtLang(),
        init.mode(), init.langA(), init.langB(), init.traceId(), segmenter.index(), segmenter.turnId().orElse(null),
        0)), "save_session");
  }

  private void dropped(JobBook.Effect.Dropped d) {
    metrics.inc("result_dropped_total", "reason", d.reason());
    long notLogged = "foreign_node".equals(d.reason()) ? foreignLog.allow(String.valueOf(d.nodeId()), mono()) : -1;
    if (notLogged >= 0) {
      getContext().getLog().warn("result dropped: {} job {} from node {} ({} more from this node not logged since "
          + "the previous warning)", d.reason(), d.jobId(), d.nodeId(), notLogged);
    } else {
      getContext().getLog().debug("result dropped: {} job {} from node {}", d.reason(), d.jobId(), d.nodeId());
    }
  }

  private static String outcome(JobBook.JobState s) {
    return switch (s) {
      case COMPLETED -> "completed";
      case COMPLETED_EMPTY -> "empty";
      case FAILED -> "failed";
      default -> "cancelled";
    };
  }

  // ---------------------------------------------------------------- backpressure (§11)

  private void busy(String pool) {
    if (!settings.backpressure().enabled() || phase != Phase.ACTIVE) return;
    long resume = settings.backpressure().resumeAfter().toMillis();
    if (lastBusyMono != null && mono() - lastBusyMono < resume) return;
    lastBusyMono = mono();
    metrics.inc("backpressure_sent_total");
    toClient(new ClientEvent.Busy(resume, "all nodes for " + pool + " are busy"));
    timers.startSingleTimer(BusyTimer.INSTANCE, BusyTimer.INSTANCE, settings.backpressure().resumeAfter());
  }

  private Behavior<Command> onBusyTimer() {
    for (String jobId : waitingForCapacity) {
      var j = book.job(jobId);
      if (j.isPresent() && j.get().state() == JobBook.JobState.PENDING) {
        busy(j.get().pool());
        break;
      }
    }
    return this;
  }

  // ---------------------------------------------------------------- results

  private Behavior<Command> release(ResultOrder.Release<JobBook.Draft> r) {
    order = r.next();
    for (JobBook.Draft d : r.released()) {
      observer.released(d.job().order(), d.job().createdMono(), d.result().receivedAtMs(), mono(), deps.clock().wallMillis());
      ResultBuilder.Built b = ResultBuilder.build(d, groups, mono(), deps.clock().wallMillis());
      groups = b.groups();
      toClient(b.event());
    }
    java.util.OptionalLong due = order.holdDueAt();
    if (due.isPresent()) {
      timers.startSingleTimer(HoldTimer.INSTANCE, HoldTimer.INSTANCE, Duration.ofMillis(Math.max(0, due.getAsLong() - mono())));
    } else {
      timers.cancel(HoldTimer.INSTANCE);
    }
    return this;
  }

  // ---------------------------------------------------------------- admin API (§14)

  private Behavior<Command> onGetDetail(GetDetail m) {
    if (phase != Phase.ACTIVE && phase != Phase.CLOSING) {
      m.replyTo().tell(new Detail(false, null));
      return phase == Phase.NEW ? end() : this; // asked about an id with no session: this entity is not kept
    }
    m.replyTo().tell(new Detail(true, SessionDetails.session(new SessionDetails.View(sessionId, phase == Phase.CLOSING,
        createdAtMs, init, affinity, segmenter, order.held(), book))));
    return this;
  }

  private Behavior<Command> onGetJob(GetJob m) {
    java.util.Optional<JobBook.Job> j = book == null ? java.util.Optional.empty() : book.job(m.jobId());
    m.replyTo().tell(j.map(job -> new Detail(true, SessionDetails.job(job, mono()))).orElse(new Detail(false, null)));
    return phase == Phase.NEW ? end() : this;
  }

  private Behavior<Command> stopIfDone() {
    if (phase == Phase.CLOSING) {
      release(order.releaseAll());
      if (book.liveJobs() == 0 && pendingClaims == 0) {
        getContext().getLog().info("session {} closed: all jobs finished", sessionId);
        return end();
      }
    }
    return this;
  }

  /** The session is over: nothing of it needs recovery any more. */
  private Behavior<Command> end() {
    // only a session that lived here knows it is over; an entity that found nothing (or could not read the
    // ledger) never deletes what an earlier incarnation wrote
    if (phase != Phase.NEW) ledgerWrite(deps.ledger().deleteSession(sessionId), "delete_session");
    if (socket != null) socket.tell(new SessionSocket.Ended(sessionId));
    phase = Phase.ENDED;
    timers.cancelAll();
    if (shard == null) return Behaviors.stopped();
    shard.tell(new ClusterSharding.Passivate<>(getContext().getSelf()));
    return this;
  }

  private void toClient(ClientEvent e) {
    if (phase == Phase.ENDED) return;
    if (socket != null) {
      socket.tell(new SessionSocket.Deliver(sessionId, e));
      return;
    }
    if (undelivered.size() >= UNDELIVERED_CAPACITY) {
      undelivered.poll();
      metrics.inc("client_events_dropped_total", "reason", "connection_unknown");
    }
    undelivered.add(e);
  }

  private JobBook.Now now() {
    return new JobBook.Now(mono(), deps.clock().wallMillis());
  }

  private long mono() {
    return deps.clock().monoMillis();
  }

  private static String pendingKey(String jobId) {
    return "pending:" + jobId;
  }

  private static String dispatchedKey(String jobId) {
    return "dispatched:" + jobId;
  }
}
