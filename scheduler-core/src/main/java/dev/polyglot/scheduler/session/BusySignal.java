package dev.polyglot.scheduler.session;

import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The backpressure window of one session (BEHAVIOUR.md §11), pure and immutable: {@code backpressure} goes to the
 * client at most once per {@code resumeMs}; while a job of the session still waits in a dispatcher's queue for a free
 * slot, it is sent again each window (the real web client resumes by itself after the window and would otherwise send
 * into a full pool without being told).
 */
record BusySignal(long resumeMs, Long lastSentMono, Set<String> waiting) {

  static BusySignal create(long resumeMs) {
    return new BusySignal(resumeMs, null, Set.of());
  }

  /** What {@link #offer} decided: {@code send} = tell the client now (and arm the window's timer). */
  record Offer(boolean send, BusySignal next) {}

  /** A pool is busy for this session now: send unless the last signal is less than one window old. */
  Offer offer(long nowMono) {
    if (lastSentMono != null && nowMono - lastSentMono < resumeMs) return new Offer(false, this);
    return new Offer(true, new BusySignal(resumeMs, nowMono, waiting));
  }

  /** Job {@code jobId} now waits in a dispatcher's queue. */
  BusySignal queued(String jobId) {
    if (waiting.contains(jobId)) return this;
    Set<String> w = new LinkedHashSet<>(waiting);
    w.add(jobId);
    return new BusySignal(resumeMs, lastSentMono, w);
  }

  /** Job {@code jobId} no longer waits (placed, refused, withdrawn or finished). */
  BusySignal gone(String jobId) {
    if (!waiting.contains(jobId)) return this;
    Set<String> w = new LinkedHashSet<>(waiting);
    w.remove(jobId);
    return new BusySignal(resumeMs, lastSentMono, w);
  }

  /**
   * At the end of a window: the pool of the first job that still waits ({@code pendingPool} gives a job's pool while
   * it is pending, empty otherwise), whose busy signal is then due again.
   */
  Optional<String> stillBusy(Function<String, Optional<String>> pendingPool) {
    for (String jobId : waiting) {
      Optional<String> pool = pendingPool.apply(jobId);
      if (pool.isPresent()) return pool;
    }
    return Optional.empty();
  }
}
