package dev.polyglot.scheduler.session;

import dev.polyglot.scheduler.api.Ids;
import dev.polyglot.scheduler.api.JobOrder;
import dev.polyglot.scheduler.dispatch.Dispatcher;
import dev.polyglot.scheduler.ops.Metrics;
import dev.polyglot.scheduler.room.FanoutPlan;
import dev.polyglot.scheduler.store.Ledger;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The I/O around a session's {@link DurableGate}, owned by its entity: sealed utterances are written to the ledger
 * during their hangover, a new job's first attempt goes to the dispatcher only once its record (or its sealed record)
 * is confirmed or {@code jobs.durable-wait} ran out, and the socket learns how far its audio is durable. A failover
 * attempt is placed at once (the ledger learns it, without waiting). {@code stillPending} tells whether the book still
 * waits for that attempt's placement.
 */
final class DurablePlacement {
  private final ActorContext<SessionEntity.Command> ctx;
  private final TimerScheduler<SessionEntity.Command> timers;
  private final SessionLedger ledger;
  private final ClientLink link;
  private final ActorRef<Dispatcher.Command> dispatcher;
  private final Duration durableWait;
  private final Metrics metrics;
  private final BiPredicate<String, Integer> stillPending;
  private DurableGate gate = DurableGate.empty();

  DurablePlacement(ActorContext<SessionEntity.Command> ctx, TimerScheduler<SessionEntity.Command> timers,
                   SessionLedger ledger, ClientLink link, ActorRef<Dispatcher.Command> dispatcher, Duration durableWait,
                   Metrics metrics, BiPredicate<String, Integer> stillPending) {
    this.ctx = ctx;
    this.timers = timers;
    this.ledger = ledger;
    this.link = link;
    this.dispatcher = dispatcher;
    this.durableWait = durableWait;
    this.metrics = metrics;
    this.stillPending = stillPending;
  }

  /** A recovered session: the ledger holds the socket's audio up to {@code durableSeq}. */
  void recovered(long durableSeq) {
    gate = DurableGate.at(durableSeq);
  }

  long covers(String jobId) {
    return gate.covers(jobId);
  }

  // ---------------------------------------------------------------- utterances

  void noteSealed(List<Integer> indexes, long appliedSeq, int bufferedBytes) {
    gate = gate.noteSealed(indexes, appliedSeq, bufferedBytes);
  }

  /**
   * The job ids of utterance {@code index}, one per target language (its fan-out in a room), now that its jobs are
   * created. Ids sealed for a language its fan-out no longer has (a member left during the hangover) are deleted
   * from the ledger: no job will finish them.
   */
  Map<String, String> jobIdsFor(int index, List<String> tgtLangs) {
    DurableGate.Creation c = gate.jobIdsFor(index, tgtLangs, Ids::jobId);
    gate = c.next();
    for (String dropped : c.dropped()) {
      gate = gate.finished(dropped);
      ledger.finished(dropped);
    }
    return c.jobIds();
  }

  /**
   * The crash contract: an utterance is durable from the moment it is sealed. Each newly sealed utterance gets its
   * job ids now, one per target of its fan-out ({@code targets}: one outside a room), and each is written to the
   * ledger during its hangover, so its placement later need not wait for Redis.
   */
  void recordSealed(List<Segmenter.Utterance> waiting, JobFactory factory, long nowWall, List<FanoutPlan.Target> targets) {
    for (Segmenter.Utterance u : waiting) {
      if (gate.sealed(u.index())) continue;
      DurableGate.Sealing s = gate.seal(u.index(), targets.stream().map(FanoutPlan.Target::tgtLang).toList(),
          Ids::jobId);
      gate = s.next();
      long seq = s.seq();
      for (FanoutPlan.Target t : targets) {
        String jobId = s.jobIds().get(t.tgtLang());
        // a recovery of a job never released starts a turn
        JobOrder o = factory.streamed(u, jobId, t.tgtLang()).withTurnId(Ids.uuid());
        ctx.pipeToSelf(ledger.recordSealed(new Ledger.JobRecord(o, factory.poolOf(o),
            JobFactory.requiredTypes(o.pipeline()), nowWall, u.firstClientTs(), List.of(), seq, t.recipients())),
            (ok, ex) -> new SessionInternal.SealDurable(jobId, ex, seq));
      }
    }
  }

  void sealDurable(SessionInternal.SealDurable d) {
    if (d.failure() != null) {
      ledger.markBehind();
      metrics.inc("ledger_write_failed_total", "op", "record_sealed");
      return;
    }
    apply(gate.sealWritten(d.jobId(), d.seq())); // created and waiting for its own write: this one suffices
  }

  /** A fresh {@code utterance}'s job holds the socket's audio up to {@code seq}. */
  void cover(String jobId, long seq) {
    gate = gate.cover(jobId, seq);
  }

  /** Nothing is owed for audio message {@code seq} any more. */
  void settle(long seq) {
    apply(gate.settled(seq));
  }

  // ---------------------------------------------------------------- placement

  void place(Dispatcher.PlacementRequest r, JobBook.Job j) {
    if (r.attemptId() > 1) {
      ledger.write(ledger.record(j, r.attemptId(), gate.covers(r.jobId())), "record_attempt");
      dispatcher.tell(new Dispatcher.Place(r));
      return;
    }
    DurableGate.Step s = gate.await(r);
    gate = s.next();
    if (s.place() != null) { // written when sealed: place now, the record only learns its turn id
      ledger.write(ledger.record(j, r.attemptId(), gate.covers(r.jobId())), "record_job");
      placeIfPending(r);
      return;
    }
    ctx.pipeToSelf(ledger.record(j, r.attemptId(), gate.covers(r.jobId())), (ok, ex) -> new SessionInternal.Durable(r, ex));
    timers.startSingleTimer(durableKey(r.jobId()), new SessionInternal.DurableWaitOver(r), durableWait);
  }

  void durable(SessionInternal.Durable d) {
    if (d.failure() != null) {
      ledger.markBehind();
      metrics.inc("ledger_write_failed_total", "op", "record_job");
      ctx.getLog().warn("ledger write failed for job {}: {}", d.request().jobId(), d.failure().toString());
    }
    timers.cancel(durableKey(d.request().jobId()));
    apply(gate.jobWritten(d.request(), d.failure() == null));
  }

  /**
   * Redis trouble never holds dispatch longer than {@code jobs.durable-wait}: the job is placed and its write goes
   * on (a crash before the write lands can then lose it; the metric counts how often that window opened).
   */
  void waitOver(SessionInternal.DurableWaitOver w) {
    DurableGate.Step s = gate.waitOver(w.request());
    if (s.place() != null) {
      metrics.inc("ledger_durable_wait_exceeded_total");
      ctx.getLog().debug("job {} placed before the ledger confirmed it", w.request().jobId());
    }
    apply(s);
  }

  void finished(String jobId) {
    gate = gate.finished(jobId);
  }

  void sweep() {
    gate = gate.sweep();
  }

  private void apply(DurableGate.Step s) {
    gate = s.next();
    link.durable(s.ackedTo());
    if (s.place() != null) placeIfPending(s.place());
  }

  private void placeIfPending(Dispatcher.PlacementRequest r) {
    if (stillPending.test(r.jobId(), r.attemptId())) dispatcher.tell(new Dispatcher.Place(r));
  }

  private static String durableKey(String jobId) {
    return "durable:" + jobId;
  }
}
