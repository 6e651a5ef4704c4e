package dev.polyglot.scheduler.session;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.polyglot.scheduler.api.FeatureFlags;
import dev.polyglot.scheduler.api.Ids;
import dev.polyglot.scheduler.api.JobOrder;
import dev.polyglot.scheduler.config.SchedulerSettings;
import dev.polyglot.scheduler.dispatch.Dispatcher;
import dev.polyglot.scheduler.node.NodeEntity;
import dev.polyglot.scheduler.ops.JobIndex;
import dev.polyglot.scheduler.ops.JobObserver;
import dev.polyglot.scheduler.ops.MetricLabels;
import dev.polyglot.scheduler.ops.Metrics;
import dev.polyglot.scheduler.room.FanoutPlan;
import dev.polyglot.scheduler.room.RoomEntity;
import dev.polyglot.scheduler.store.Ledger;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The work of a started session, owned by its entity: audio into utterances ({@link Segmenter}), utterances into jobs
 * ({@link JobFactory}, {@link UtteranceClaims}), jobs durable before placed ({@link DurableGate}, {@link SessionLedger}),
 * their attempts ({@link JobBook}, carried out by the {@link EffectRunner}), backpressure ({@link BusySignal}) and
 * results in order ({@link ResultRelease}). In a room, an utterance becomes one job per language of the other
 * members, whose results go to those members ({@link SessionRooms}). The entity decides the session's life (active,
 * closing, ended) and tells this object; everything here runs on the entity's thread.
 */
final class SessionJobs implements EffectRunner.Host {
  private final ActorContext<SessionEntity.Command> ctx;
  private final TimerScheduler<SessionEntity.Command> timers;
  private final SessionEntity.Deps deps;
  private final SchedulerSettings settings;
  private final Metrics metrics;
  private final String sessionId;
  private final ClientLink link;
  private final SessionRooms rooms;
  private final SessionLedger ledger;
  private final EffectRunner effects;
  private final ResultRelease results;
  private final JobFactory factory;
  private final Supplier<String> newTurnId = Ids::uuid;
  private final SessionEntity.InitData init;
  /** Job lines, latency histograms and the job index: what operators see of this session's jobs. */
  private final JobObserver observer;
  private final long createdAtMs;
  private Segmenter segmenter;
  private JobBook book;
  private final DurablePlacement durability;
  private AudioSequence audio = AudioSequence.start();
  private UtteranceClaims claims = UtteranceClaims.none();
  private BusySignal busy;
  private String affinity;
  private boolean active = true;

  SessionJobs(ActorContext<SessionEntity.Command> ctx, TimerScheduler<SessionEntity.Command> timers,
              SessionEntity.Deps deps, String sessionId, SessionEntity.InitData init, ClientLink link,
              SessionRooms rooms) {
    this.ctx = ctx;
    this.timers = timers;
    this.deps = deps;
    this.settings = deps.settings();
    this.metrics = Metrics.get(ctx.getSystem());
    this.sessionId = sessionId;
    this.init = init;
    this.link = link;
    this.createdAtMs = deps.clock().wallMillis();
    this.observer = new JobObserver(metrics, JobIndex.get(ctx.getSystem()), sessionId);
    this.rooms = rooms;
    ActorRef<SessionEntity.Command> self = ctx.getSelf();
    this.ledger = new SessionLedger(deps.ledger(), sessionId, deps.clock(), metrics,
        () -> self.tell(SessionInternal.LedgerFailed.INSTANCE), rooms::code);
    this.effects = new EffectRunner(deps.nodes(), deps.dispatcher(), timers, settings.jobs(), metrics, ctx.getLog(),
        deps.clock(), observer);
    this.factory = new JobFactory(sessionId, init, settings.jobs().enableStreamingAsr(),
        (int) settings.jobs().partialUpdateInterval().toMillis());
    SchedulerSettings.Segmentation s = settings.segmentation();
    this.segmenter = Segmenter.initial(new Segmenter.Settings(s.pause().toMillis(), s.maxDuration().toMillis(),
        s.maxBufferBytes(), s.hangoverAuto().toMillis(), s.hangoverManual().toMillis(), s.paddingAutoMs(),
        s.paddingManualMs(), s.opusBytesPerFrame(), "current-utterance".equals(s.gapChunkGoesTo())
        ? Segmenter.GapMode.CURRENT_UTTERANCE : Segmenter.GapMode.NEXT_UTTERANCE, s.playbackWindowMax().toMillis()),
        "opus");
    this.book = JobBook.empty(new JobBook.Settings(settings.jobs().maxAttempts(),
        settings.jobs().retainFinished().toMillis(), settings.jobs().retainFinishedMax()));
    this.results = new ResultRelease(ResultOrder.create("arrival".equals(settings.results().order())
        ? ResultOrder.Mode.ARRIVAL : ResultOrder.Mode.INDEX, settings.results().maxHold().toMillis()),
        Groups.create(sessionId, settings.results().groupWindow().toMillis()), timers, SessionInternal.Timer.HOLD,
        deps.clock(), rooms::deliver, observer);
    this.durability = new DurablePlacement(ctx, timers, ledger, link, deps.dispatcher(), settings.jobs().durableWait(),
        metrics, (jobId, attempt) -> book.job(jobId)
            .map(j -> j.state() == JobBook.JobState.PENDING && j.placing() == attempt).orElse(false));
    this.busy = BusySignal.create(settings.backpressure().resumeAfter().toMillis());
    timers.startTimerWithFixedDelay(SessionInternal.Timer.SWEEP, SessionInternal.Timer.SWEEP,
        settings.sessions().sweepInterval());
  }

  /** A session just created by its {@code session_init}: written to the ledger, and acknowledged to its client. */
  static SessionJobs started(ActorContext<SessionEntity.Command> ctx, TimerScheduler<SessionEntity.Command> timers,
                             SessionEntity.Deps deps, String sessionId, SessionEntity.InitData init, ClientLink link,
                             SessionRooms rooms) {
    SessionJobs s = new SessionJobs(ctx, timers, deps, sessionId, init, link, rooms);
    s.metrics.inc("sessions_created_total");
    ctx.getLog().info("session {} created ({} -> {}, mode {})", sessionId, init.srcLang(), init.tgtLang(), init.mode());
    s.saveSnapshot();
    link.send(new ClientEvent.InitAck(sessionId, init.traceId()));
    return s;
  }

  /** A session accepted by an earlier incarnation (its instance died): it goes on where the ledger says. */
  static SessionJobs recovered(ActorContext<SessionEntity.Command> ctx, TimerScheduler<SessionEntity.Command> timers,
                               SessionEntity.Deps deps, String sessionId, Ledger.SessionSnapshot snap,
                               List<Ledger.JobRecord> records, ClientLink link, SessionRooms rooms) {
    SessionEntity.InitData init = new SessionEntity.InitData(snap.srcLang(), snap.tgtLang(), null, null, snap.mode(),
        snap.langA(), snap.langB(), null, null, FeatureFlags.empty(), null, snap.traceId());
    SessionJobs s = new SessionJobs(ctx, timers, deps, sessionId, init, link, rooms);
    for (int i = 0; i < snap.nextIndex(); i++) s.segmenter = s.segmenter.reserveIndex(i);
    s.audio = AudioSequence.at(snap.durableSeq());
    s.durability.recovered(snap.durableSeq());
    for (Ledger.JobRecord r : records) {
      JobOrder o = r.order();
      s.segmenter = s.segmenter.reserveIndex(o.utteranceIndex());
      s.results.jobLive(o.tgtLang(), o.utteranceIndex());
      s.jobs(s.book.recover(o, r.pool(), r.requiredTypes(), o.tgtLang(), r.firstClientTs(), r.createdAtMs(),
          r.triedNodes(), r.recipients(), s.now()));
    }
    return s;
  }

  DurablePlacement durability() {
    return durability;
  }

  int index() {
    return segmenter.index();
  }

  /** Unfinished jobs and claims on their way: a closing session ends when both are none. */
  boolean done() {
    return book.liveJobs() == 0 && claims.pending() == 0;
  }

  boolean full() {
    return book.liveJobs() >= settings.flow().maxLiveJobs();
  }

  void saveSnapshot() {
    ledger.saveSnapshot(init, segmenter);
  }

  /** The admin API's SessionDetail and JobDetail ({@link SessionDetails}). */
  ObjectNode detail(boolean closing) {
    return SessionDetails.session(new SessionDetails.View(sessionId, closing, createdAtMs, init, affinity, segmenter,
        results.held(), book));
  }

  Optional<ObjectNode> jobDetail(String jobId) {
    return book.job(jobId).map(j -> SessionDetails.job(j, mono()));
  }

  // ---------------------------------------------------------------- audio and utterances

  /** P9: whether a numbered message from {@code from} is the next one; a gap asks the socket to send it again. */
  boolean inSequence(long seq, ActorRef<SessionSocket.Command> from) {
    AudioSequence.Offer o = audio.offer(seq, mono());
    audio = o.next();
    if (o.verdict() == AudioSequence.Verdict.DUPLICATE) metrics.inc("session_replay_duplicates_total");
    if (o.verdict() == AudioSequence.Verdict.ASK_REPLAY) link.askReplay(from, audio.missing());
    return o.verdict() == AudioSequence.Verdict.APPLY;
  }

  void audio(SessionEntity.Audio m) {
    segment(segmenter.onChunk(m.payload(), m.isFinal(), m.clientTimestampMs(), mono(), newTurnId));
  }

  void timer(SessionInternal.Timer t) {
    switch (t) {
      case PAUSE -> segment(segmenter.onPauseTimer(mono(), newTurnId));
      case HANGOVER -> segment(segmenter.onHangoverTimer(mono(), newTurnId));
      case PLAYBACK -> segment(segmenter.onPlaybackWindowTimer(mono(), newTurnId));
      case HOLD -> results.holdOver();
      case SWEEP -> sweep();
      case BUSY -> busy.stillBusy(id -> book.job(id).filter(j -> j.state() == JobBook.JobState.PENDING)
          .map(JobBook.Job::pool)).ifPresent(this::busy);
      default -> { }
    }
  }

  void ttsStarted() {
    segment(segmenter.onTtsStarted(mono(), newTurnId));
  }

  void ttsPlayEnded(String groupId) {
    results.playbackEnded(groupId);
    segment(segmenter.onTtsPlayEnded(mono(), newTurnId));
  }

  /**
   * {@code session_close}: the buffer becomes a job (fanned out in a room: the session leaves its room only then, the
   * others getting {@code room_members}), held results go out, nothing more is segmented.
   */
  void close() {
    segment(segmenter.onSessionClose(mono(), newTurnId));
    rooms.ended(RoomEntity.EndReason.CLOSED);
    active = false;
    for (SessionInternal.Timer t : List.of(SessionInternal.Timer.PAUSE, SessionInternal.Timer.HANGOVER,
        SessionInternal.Timer.PLAYBACK)) {
      timers.cancel(t);
    }
    results.releaseAll();
  }

  void releaseAll() {
    results.releaseAll();
  }

  /** A one-shot {@code utterance}: its index is claimed in the ledger before its job is created. */
  void utterance(SessionEntity.Utterance m) {
    SessionEntity.UtteranceData u = m.data();
    if (book.hasIndex(u.index())) {
      metrics.inc("duplicate_utterance_total");
      ctx.getLog().debug("duplicate utterance {} ignored", u.index());
      return;
    }
    segmenter = segmenter.reserveIndex(u.index());
    claims = claims.started();
    claim(new SessionInternal.Claim(u, Ids.jobId(), m.seq(), 1));
  }

  void claim(SessionInternal.Claim c) {
    ctx.pipeToSelf(deps.ledger().claimUtterance(sessionId, c.data().index(), c.jobId()),
        (fresh, ex) -> new SessionInternal.Claimed(c.data(), c.jobId(), Boolean.TRUE.equals(fresh), ex, c.seq(),
            c.attempt()));
  }

  void abandonClaim() {
    claims = claims.abandoned();
  }

  void claimed(SessionInternal.Claimed c) {
    UtteranceClaims.Answer a = claims.answered(c.failure() != null, c.attempt(), c.fresh(),
        book.hasIndex(c.data().index()));
    claims = a.next();
    if (c.failure() != null) metrics.inc("ledger_write_failed_total", "op", "claim_utterance");
    switch (a.outcome()) {
      case RETRY -> timers.startSingleTimer("claim-" + c.jobId(),
          new SessionInternal.Claim(c.data(), c.jobId(), c.seq(), c.attempt() + 1),
          UtteranceClaims.retryDelay(c.attempt()));
      case REFUSE -> {
        ctx.getLog().warn("utterance {} refused: its idempotency claim failed {} times", c.data().index(), c.attempt());
        link.send(new ClientEvent.Error("SCHEDULER_DEPENDENCY_DOWN",
            "the utterance could not be recorded (the ledger is unavailable); send it again",
            JsonNodeFactory.instance.objectNode().put("utterance_index", c.data().index()), c.data().traceId()));
        durability.settle(c.seq()); // the client was told: nothing of it is owed any more
      }
      case DUPLICATE -> {
        metrics.inc("duplicate_utterance_total");
        durability.settle(c.seq()); // its audio is the job the ledger already holds
      }
      case FRESH -> {
        // the claim is the utterance's: its first job takes the claimed id, the others of its fan-out new ones
        durability.cover(c.jobId(), c.seq());
        List<FanoutPlan.Target> targets = rooms.targets(factory.tgtLangOf(c.data()));
        Map<String, String> ids = new java.util.HashMap<>();
        for (FanoutPlan.Target t : targets) ids.put(t.tgtLang(), ids.isEmpty() ? c.jobId() : Ids.jobId());
        createJobs(targets, t -> factory.oneShot(c.data(), ids.get(t.tgtLang()), t.tgtLang()), null, "utterance");
      }
    }
  }

  // ---------------------------------------------------------------- segmentation

  private void segment(Segmenter.Step step) {
    boolean moved = step.next().index() != segmenter.index() || !step.next().turnId().equals(segmenter.turnId());
    segmenter = step.next();
    if (moved) saveSnapshot();
    Segmenter.Outcome outcome = step.outcome();
    if (outcome == Segmenter.Outcome.CHUNK_TOO_LARGE || outcome == Segmenter.Outcome.CHUNK_TOO_LARGE_AND_EMPTY_FINALIZE) {
      ctx.getLog().debug("audio chunk rejected: larger than the utterance buffer");
      link.send(new ClientEvent.Error("INVALID_MESSAGE", "audio chunk larger than the utterance buffer", null, null));
      metrics.inc("invalid_message_total", "socket", "session", "code", "INVALID_MESSAGE");
    }
    if (outcome == Segmenter.Outcome.EMPTY_FINALIZE || outcome == Segmenter.Outcome.CHUNK_TOO_LARGE_AND_EMPTY_FINALIZE) {
      metrics.inc("empty_finalize_total");
    }
    List<Integer> sealedNow = new java.util.ArrayList<>();
    step.ready().forEach(u -> sealedNow.add(u.index()));
    segmenter.waiting().forEach(u -> sealedNow.add(u.index()));
    durability.noteSealed(sealedNow, audio.applied(), segmenter.bufferedBytes());
    List<FanoutPlan.Target> targets = rooms.targets(init.tgtLang());
    for (Segmenter.Utterance u : step.ready()) {
      metrics.inc("finalize_total", "reason", MetricLabels.finalizeReason(u.reason().name()));
      Map<String, String> ids = durability.jobIdsFor(u.index(), targets.stream().map(FanoutPlan.Target::tgtLang).toList());
      createJobs(targets, t -> factory.streamed(u, ids.get(t.tgtLang()), t.tgtLang()), u.firstClientTs(), "stream");
    }
    durability.recordSealed(segmenter.waiting(), factory, deps.clock().wallMillis(), targets);
    segmenter.waiting().forEach(u -> observer.sealed(u.index(), mono()));
    if (active) {
      arm(SessionInternal.Timer.PAUSE, segmenter.pauseDueAt());
      arm(SessionInternal.Timer.HANGOVER, segmenter.hangoverDueAt());
      arm(SessionInternal.Timer.PLAYBACK, segmenter.playbackWindowDueAt());
    }
  }

  private void arm(SessionInternal.Timer key, OptionalLong dueAt) {
    if (dueAt.isEmpty()) {
      timers.cancel(key);
    } else {
      timers.startSingleTimer(key, key, Duration.ofMillis(Math.max(0, dueAt.getAsLong() - mono())));
    }
  }

  // ---------------------------------------------------------------- jobs

  /**
   * The jobs of one utterance, one per target (a single one outside a room): each in the stream of its target
   * language, its result for the target's recipients. They share the utterance slot, so they go to distinct nodes.
   */
  private void createJobs(List<FanoutPlan.Target> targets, java.util.function.Function<FanoutPlan.Target, JobOrder> order,
                          Long firstClientTs, String path) {
    for (FanoutPlan.Target t : targets) {
      JobOrder o = order.apply(t);
      metrics.inc("jobs_created_total", "path", path);
      if (!t.recipients().isEmpty()) metrics.inc("room_fanout_jobs_total");
      results.jobLive(o.tgtLang(), o.utteranceIndex());
      jobs(book.create(o, factory.poolOf(o), JobFactory.requiredTypes(o.pipeline()), o.tgtLang(), firstClientTs, path,
          affinity, t.recipients(), now()));
    }
  }

  void pendingTimeout(SessionInternal.PendingTimeout m) {
    jobs(book.pendingTimeout(m.jobId(), m.attemptId(), now()));
  }

  void dispatchedTimeout(SessionInternal.DispatchedTimeout m) {
    jobs(book.dispatchedTimeout(m.jobId(), m.attemptId(), now()));
  }

  /** A dispatcher's answer or a node's event about one of this session's jobs. */
  void jobEvent(Object m) {
    if (m instanceof NodeEntity.PartialReceived p) {
      List<ClientEvent> events = JobEvents.partial(book, p, sessionId, mono());
      if (events.isEmpty() && book.job(p.jobId()).isPresent()) metrics.inc("partial_dropped_total", "reason", "not_live");
      events.forEach(link::send);
      return;
    }
    if (m instanceof NodeEntity.AckReceived a) {
      JobEvents.accepted(book, a, sessionId, mono()).forEach(link::send);
      return;
    }
    busy = JobEvents.capacity(busy, book, m);
    JobBook.Step step = JobEvents.apply(book, m, now());
    if (step != null) jobs(step);
    if (m instanceof NodeEntity.AttemptDispatched d) rememberTriedNodes(d.jobId());
  }

  /** Every live job is cancelled (the session ends); nothing more goes to the client. */
  void cancelAll() {
    effects.run(book.cancelAll("session_closed", now()).effects(), true, this);
  }

  /**
   * The client's socket closed: the session leaves its room, and every live job nobody else waits for is cancelled
   * (BEHAVIOUR.md §9.7). True when room jobs are left whose listeners still wait for their results.
   */
  boolean socketClosed() {
    rooms.ended(RoomEntity.EndReason.SOCKET_CLOSED);
    link.lost();
    JobBook.Step s = book.cancel(j -> j.recipients().isEmpty(), "session_closed", now());
    book = s.next();
    effects.run(s.effects(), true, this);
    active = false;
    return book.liveJobs() > 0;
  }

  /** The room changed: the snapshot learns it, and room jobs none of whose listeners is left are cancelled (§9.7). */
  void roomChanged() {
    saveSnapshot();
    jobs(book.cancel(j -> !j.recipients().isEmpty() && rooms.listening(j.recipients()).isEmpty(), "session_closed",
        now()));
  }

  private void jobs(JobBook.Step step) {
    book = step.next();
    effects.run(step.effects(), false, this);
    if (!full()) link.resume();
  }

  /** The ledger learns which nodes a live job was given, so a recovery neither repeats nor ignores them. */
  private void rememberTriedNodes(String jobId) {
    book.job(jobId).filter(j -> !j.state().terminal()).ifPresent(j -> ledger.write(ledger.record(j,
        j.liveAttempt().map(JobBook.Attempt::attemptId).orElse(j.order().attemptId()), durability.covers(jobId)),
        "record_attempt"));
  }

  // ---------------------------------------------------------------- durable before placed

  /** A new job is durable before it is placed (the crash contract); a failover attempt is placed at once. */
  @Override
  public void place(Dispatcher.PlacementRequest r) {
    var job = book.job(r.jobId());
    if (job.isPresent()) {
      durability.place(r, job.get());
    } else if (r.attemptId() > 1) {
      deps.dispatcher().tell(new Dispatcher.Place(r));
    }
  }

  /** Forgets old terminal jobs; after a failed ledger write, writes the live state again. */
  private void sweep() {
    book = book.sweep(now());
    durability.sweep();
    if (active && ledger.rewrite(init, segmenter, book, durability::covers)) {
      ctx.getLog().info("session {} wrote its live state to the ledger again", sessionId);
    }
  }

  void ledgerFailed() {
    ledger.markBehind();
  }

  void deleteFromLedger() {
    ledger.deleteSession();
  }

  // ---------------------------------------------------------------- EffectRunner.Host

  @Override
  public Optional<JobBook.Job> job(String jobId) {
    return book.job(jobId);
  }

  @Override
  public void busy(String pool) {
    if (!settings.backpressure().enabled() || !active) return;
    BusySignal.Offer o = busy.offer(mono());
    busy = o.next();
    if (!o.send()) return;
    metrics.inc("backpressure_sent_total");
    link.send(new ClientEvent.Busy(busy.resumeMs(), "all nodes for " + pool + " are busy"));
    timers.startSingleTimer(SessionInternal.Timer.BUSY, SessionInternal.Timer.BUSY, settings.backpressure().resumeAfter());
  }

  @Override
  public void gone(String jobId) {
    busy = busy.gone(jobId);
  }

  @Override
  public void finished(String jobId) {
    durability.finished(jobId);
    ledger.finished(jobId);
  }

  @Override
  public void affinity(String nodeId) {
    affinity = nodeId;
  }

  @Override
  public void toClient(ClientEvent e) {
    link.send(e);
  }

  @Override
  public void resultReady(String stream, int index, JobBook.Draft draft) {
    results.ready(stream, index, draft);
  }

  @Override
  public void jobEnded(String stream, int index) {
    results.ended(stream, index);
  }

  private JobBook.Now now() {
    return new JobBook.Now(mono(), deps.clock().wallMillis());
  }

  private long mono() {
    return deps.clock().monoMillis();
  }
}
