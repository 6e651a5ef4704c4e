package dev.polyglot.scheduler.session;

import dev.polyglot.scheduler.dispatch.Dispatcher;
import dev.polyglot.scheduler.session.SessionEntity.UtteranceData;
import dev.polyglot.scheduler.store.Ledger;
import java.util.List;
import java.util.Optional;

/**
 * The session entity's own messages, outside its public protocol: its timers and the answers of its I/O (ledger
 * writes and reads, utterance claims), which its collaborators ({@link SessionJobs}, {@link DurablePlacement},
 * {@link SessionLoading}, {@link EffectRunner}) send to it. None of them crosses instances.
 */
sealed interface SessionInternal extends SessionEntity.Command {
  /** The session's timers. */
  enum Timer implements SessionInternal { PAUSE, HANGOVER, PLAYBACK, HOLD, BUSY, LINGER, SWEEP }

  record PendingTimeout(String jobId, int attemptId) implements SessionInternal {}

  record DispatchedTimeout(String jobId, int attemptId) implements SessionInternal {}

  /** A ledger write failed: the ledger no longer matches this session's live state. */
  enum LedgerFailed implements SessionInternal { INSTANCE }

  /** The ledger write of a new job finished (or failed): now it may be placed. */
  record Durable(Dispatcher.PlacementRequest request, Throwable failure) implements SessionInternal {}

  /** The ledger confirmed (or failed) the write of a sealed utterance's job, which covers audio up to {@code seq}. */
  record SealDurable(String jobId, Throwable failure, long seq) implements SessionInternal {}

  /** The ledger did not confirm a new job within {@code jobs.durable-wait}: place it anyway. */
  record DurableWaitOver(Dispatcher.PlacementRequest request) implements SessionInternal {}

  /** The ledger answered the idempotency claim of an {@code utterance} (numbered {@code seq} by its socket). */
  record Claimed(UtteranceData data, String jobId, boolean fresh, Throwable failure, long seq, int attempt)
      implements SessionInternal {}

  /** Claim the idempotency key of an {@code utterance} (again, after a failed try). */
  record Claim(UtteranceData data, String jobId, long seq, int attempt) implements SessionInternal {}

  /** What the ledger held for this session id when the entity started ({@link SessionLoading}). */
  record Loaded(Optional<Ledger.SessionSnapshot> snapshot, List<Ledger.JobRecord> jobs, Throwable failure)
      implements SessionInternal {}

  enum Reload implements SessionInternal { INSTANCE }
}
