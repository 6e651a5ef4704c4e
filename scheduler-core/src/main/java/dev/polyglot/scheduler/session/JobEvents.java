package dev.polyglot.scheduler.session;

import dev.polyglot.scheduler.dispatch.Dispatcher;
import dev.polyglot.scheduler.node.NodeEntity;
import java.util.List;

/**
 * What a dispatcher's reply or a node's event means for a session's jobs (pure): the {@link JobBook} step of a
 * placement answer or an attempt's life, whether a job now waits for capacity, and the client events of a partial
 * transcript or a node's acceptance (relayed only from the live attempt's node of an unfinished job, never held).
 */
final class JobEvents {
  private JobEvents() {}

  /** The book's step for a placement answer or an attempt event; {@code null} for partials and acks. */
  static JobBook.Step apply(JobBook book, Object m, JobBook.Now now) {
    if (m instanceof Dispatcher.Placed p) return book.placed(p.jobId(), p.attemptId(), p.nodeId(), now);
    if (m instanceof Dispatcher.NoEligible p) return book.noEligible(p.jobId(), p.attemptId(), now);
    if (m instanceof Dispatcher.QueueFull f) return book.queueFull(f.jobId(), f.attemptId(), f.maxQueued(), now);
    if (m instanceof Dispatcher.Queued q) return book.queued(q.jobId(), q.attemptId());
    if (m instanceof NodeEntity.AttemptDispatched d) {
      return book.dispatched(d.jobId(), d.attemptId(), d.nodeId(), d.dispatchedAtMs(), now);
    }
    if (m instanceof NodeEntity.AttemptLost l) return book.lost(l.jobId(), l.attemptId(), l.nodeId(), now);
    if (m instanceof NodeEntity.ResultReceived r) return book.result(r.nodeId(), r.result(), now);
    return null;
  }

  /** Which jobs wait in a dispatcher's queue for a free slot, after answer {@code m} (read before the book's step). */
  static BusySignal capacity(BusySignal busy, JobBook book, Object m) {
    if (m instanceof Dispatcher.Queued q) {
      boolean waiting = book.job(q.jobId())
          .map(j -> j.state() == JobBook.JobState.PENDING && j.placing() == q.attemptId()).orElse(false);
      return waiting ? busy.queued(q.jobId()) : busy;
    }
    if (m instanceof Dispatcher.Reply r) return busy.gone(r.jobId());
    return busy;
  }

  /** {@code asr_partial} and its ui event; empty (to be counted as dropped) unless from the live attempt's node. */
  static List<ClientEvent> partial(JobBook book, NodeEntity.PartialReceived p, String sessionId, long nowMono) {
    return book.job(p.jobId())
        .filter(j -> !j.state().terminal() && j.liveAttempt().map(a -> a.nodeId().equals(p.nodeId())).orElse(false))
        .map(j -> List.<ClientEvent>of(
            new ClientEvent.Partial(sessionId, j.index(), j.jobId(), p.text(), p.isFinal(), j.order().traceId()),
            new ClientEvent.Ui(j.order().traceId(), sessionId, j.jobId(), j.index(), "ASR_PARTIAL", "ok",
                nowMono - j.createdMono(), null)))
        .orElse(List.of());
  }

  /** {@code NODE_ACCEPTED} for the live attempt's acceptance of a job it has not started yet. */
  static List<ClientEvent> accepted(JobBook book, NodeEntity.AckReceived a, String sessionId, long nowMono) {
    if (a.started()) return List.of();
    return book.job(a.jobId())
        .filter(j -> j.liveAttempt().map(x -> x.nodeId().equals(a.nodeId()) && x.attemptId() == a.attemptId())
            .orElse(false))
        .map(j -> List.<ClientEvent>of(new ClientEvent.Ui(j.order().traceId(), sessionId, j.jobId(), j.index(),
            "NODE_ACCEPTED", "ok", nowMono - j.createdMono(), null)))
        .orElse(List.of());
  }
}
