package dev.polyglot.scheduler.session;

import dev.polyglot.scheduler.ops.Metrics;
import dev.polyglot.scheduler.store.Ledger;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * How a session entity starts: it reads the ledger (its snapshot and unfinished jobs) while messages wait in a bounded
 * stash. A failed read is tried again with a growing delay (300 ms doubling, at most 5 s) for as long as the session's
 * client could still be waiting (the close linger), unless the stash shows a {@code session_init} (a new id from its
 * socket: nothing to recover). A message the full stash cannot take is dropped, and its client told to send it again.
 * What was read decides how the session starts ({@link #resume}).
 */
final class SessionLoading {
  static final int STASH_CAPACITY = 1_000;
  private static final Duration RETRY = Duration.ofMillis(300);
  private static final Duration RETRY_MAX = Duration.ofSeconds(5);

  private SessionLoading() {}

  /**
   * The work of a session as the ledger left it: {@code null} when it held nothing (the session waits for its
   * {@code session_init}); else the session an earlier incarnation accepted, continued from its snapshot, in its room,
   * with its unfinished jobs placed again. Its client's connection may have died with that instance: without news
   * from it, the session ends after the close linger.
   */
  static SessionJobs resume(ActorContext<SessionEntity.Command> ctx, TimerScheduler<SessionEntity.Command> timers,
                            SessionEntity.Deps deps, String sessionId, SessionInternal.Loaded loaded, ClientLink link,
                            SessionRooms rooms) {
    Metrics metrics = Metrics.get(ctx.getSystem());
    if (loaded.failure() != null) {
      metrics.inc("ledger_write_failed_total", "op", "load_session");
      ctx.getLog().warn("session {} could not read the ledger: {}", sessionId, loaded.failure().toString());
    }
    if (loaded.snapshot().isEmpty()) return null;
    Ledger.SessionSnapshot snap = loaded.snapshot().get();
    rooms.recovered(snap.roomCode());
    SessionJobs jobs = SessionJobs.recovered(ctx, timers, deps, sessionId, snap, loaded.jobs(), link, rooms);
    metrics.inc("sessions_recovered_total");
    timers.startSingleTimer(SessionInternal.Timer.LINGER, SessionInternal.Timer.LINGER,
        deps.settings().sessions().closeLinger());
    ctx.getLog().info("session {} recovered from the ledger at index {} with {} unfinished jobs{}", sessionId,
        jobs.index(), loaded.jobs().size(), snap.roomCode() == null ? "" : " in room " + snap.roomCode());
    return jobs;
  }

  static Behavior<SessionEntity.Command> loading(String sessionId, SessionEntity.Deps deps,
                                                 Function<SessionInternal.Loaded, Behavior<SessionEntity.Command>> loaded) {
    return Behaviors.withStash(STASH_CAPACITY, stash -> Behaviors.setup(ctx -> {
      int[] tries = {0};
      long startedAt = deps.clock().monoMillis();
      long giveUpAfter = deps.settings().sessions().closeLinger().toMillis();
      Metrics metrics = Metrics.get(ctx.getSystem());
      Runnable load = () -> ctx.pipeToSelf(deps.ledger().loadSession(sessionId).thenCombine(
          deps.ledger().unfinishedJobs(sessionId), (snap, jobs) -> new SessionInternal.Loaded(snap, jobs, null)),
          (l, ex) -> l != null ? l : new SessionInternal.Loaded(Optional.empty(), List.of(), ex));
      load.run();
      return Behaviors.receive(SessionEntity.Command.class)
          .onMessage(SessionInternal.Loaded.class, l -> {
            boolean created = stash.anyMatch(m -> m instanceof SessionEntity.Init);
            if (l.failure() != null && !created && deps.clock().monoMillis() - startedAt < giveUpAfter) {
              // a session accepted before a crash must not be taken for a new one, and its jobs are worth recovering
              // while its client can still be waiting
              long delay = Math.min(RETRY_MAX.toMillis(), RETRY.toMillis() << Math.min(10, tries[0]++));
              metrics.inc("session_load_retries_total");
              ctx.getLog().info("session {} could not read the ledger ({}); trying again in {} ms", sessionId,
                  l.failure().toString(), delay);
              ctx.scheduleOnce(Duration.ofMillis(delay), ctx.getSelf(), SessionInternal.Reload.INSTANCE);
              return Behaviors.same();
            }
            return stash.unstashAll(loaded.apply(l));
          })
          .onMessageEquals(SessionInternal.Reload.INSTANCE, () -> {
            load.run();
            return Behaviors.same();
          })
          .onAnyMessage(m -> {
            if (!stash.isFull()) {
              stash.stash(m);
              return Behaviors.same();
            }
            // flow control bounds what a socket sends (one window), so this takes many sockets or nodes at once
            ctx.getLog().warn("session {} dropped a message while loading: stash full", sessionId);
            metrics.inc("session_stash_overflow_total");
            ActorRef<SessionSocket.Command> from = m instanceof SessionEntity.FromClient c ? c.socket() : null;
            if (from != null) {
              from.tell(new SessionSocket.Deliver(sessionId, new ClientEvent.Error("INTERNAL_ERROR",
                  "message dropped: the session is still loading; send it again", null, null)));
            }
            return Behaviors.same();
          })
          .build();
    }));
  }
}
