package dev.polyglot.scheduler.session;

import dev.polyglot.scheduler.api.SchedulerClock;
import dev.polyglot.scheduler.ops.Metrics;
import dev.polyglot.scheduler.store.Ledger;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * A session's writes to the ledger, owned by its entity: the snapshot (languages, next index, turn, room), one record
 * per live job (its content at the latest attempt, the nodes its attempts were given, the audio it covers, its
 * recipients), and their
 * deletion when jobs finish or the session ends. A write never blocks the session; a failed one is counted, and
 * {@code failed} (a thread-safe tell to the entity) marks the ledger as behind: the next sweep writes the live state
 * again ({@link #rewrite}).
 */
final class SessionLedger {
  private final Ledger ledger;
  private final String sessionId;
  private final SchedulerClock clock;
  private final Metrics metrics;
  private final Runnable failed;
  private final Supplier<String> roomCode;
  private boolean behind;

  SessionLedger(Ledger ledger, String sessionId, SchedulerClock clock, Metrics metrics, Runnable failed,
                Supplier<String> roomCode) {
    this.ledger = ledger;
    this.sessionId = sessionId;
    this.clock = clock;
    this.metrics = metrics;
    this.failed = failed;
    this.roomCode = roomCode;
  }

  Ledger ledger() {
    return ledger;
  }

  /** A write failed: the ledger no longer matches the live state. */
  void markBehind() {
    behind = true;
  }

  void write(CompletionStage<Void> w, String op) {
    w.whenComplete((ok, ex) -> {
      if (ex != null) {
        metrics.inc("ledger_write_failed_total", "op", op);
        failed.run();
      }
    });
  }

  void saveSnapshot(SessionEntity.InitData init, Segmenter segmenter) {
    write(ledger.saveSession(new Ledger.SessionSnapshot(sessionId, init.srcLang(), init.tgtLang(), init.mode(),
        init.langA(), init.langB(), init.traceId(), segmenter.index(), segmenter.turnId().orElse(null), 0, 0,
        roomCode.get())),
        "save_session");
  }

  /** What the ledger keeps of a live job: its content at {@code attempt} and the nodes its attempts were given. */
  Ledger.JobRecord recordOf(JobBook.Job j, int attempt, long coveredSeq) {
    return new Ledger.JobRecord(j.order().withAttempt(attempt), j.pool(), j.requiredTypes(), j.createdWall(),
        j.firstClientTs(), j.attempts().stream().map(JobBook.Attempt::nodeId).toList(), coveredSeq, j.recipients());
  }

  CompletionStage<Void> record(JobBook.Job j, int attempt, long coveredSeq) {
    return ledger.recordJob(sessionId, recordOf(j, attempt, coveredSeq));
  }

  /** The record of a sealed utterance's job, written during its hangover. */
  CompletionStage<Void> recordSealed(Ledger.JobRecord r) {
    return ledger.recordJob(sessionId, r);
  }

  long now() {
    return clock.wallMillis();
  }

  void finished(String jobId) {
    write(ledger.finishJob(sessionId, jobId), "finish_job");
  }

  void deleteSession() {
    write(ledger.deleteSession(sessionId), "delete_session");
  }

  /** After a failed write, once the session is active: the snapshot and every live job again. */
  boolean rewrite(SessionEntity.InitData init, Segmenter segmenter, JobBook book, ToLongFunction<String> covers) {
    if (!behind) return false;
    behind = false;
    saveSnapshot(init, segmenter);
    for (JobBook.Job j : book.jobs().values()) {
      if (j.state().terminal()) continue;
      int attempt = Math.max(j.placing(), j.liveAttempt().map(JobBook.Attempt::attemptId).orElse(1));
      write(record(j, attempt, covers.applyAsLong(j.jobId())), "record_job");
    }
    return true;
  }

}
