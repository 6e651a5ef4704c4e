package dev.polyglot.scheduler.node;

import dev.polyglot.scheduler.api.JobOrder;
import dev.polyglot.scheduler.api.NodeResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What becomes of a node's jobs and their attempts, decided on the entity's {@link NodeState}: where what the agent
 * sends about a job goes (to the session recorded when the job was given; after a re-creation, a result for a job the
 * dead incarnation gave goes to the session it names, which checks it), what a dispatch comes to, and which attempts
 * are lost when the node goes Offline. Pure functions: each returns the next state and what to tell which session.
 */
final class NodeWork {
  private NodeWork() {}

  /** One event for the session that owns a job. */
  record Tell(String sessionId, NodeEntity.ToSession event) {}

  /** What a {@code job_result} comes to. */
  sealed interface Result {
    /** A job given to this node: the attempt's slot (every slot of the job, on a success) is free in {@code next}. */
    record Given(NodeState next, Tell tell) implements Result {}

    /** A job the entity never gave, but an earlier incarnation may have: to the session the result names. */
    record Inherited(Tell tell) implements Result {}

    /** A job never given to this node: dropped ({@code foreign_node}). */
    record Foreign() implements Result {}
  }

  /** Where a result goes; {@code inherited}: the entity was re-created from the ledger after its instance died. */
  static Result result(NodeState s, boolean inherited, NodeResult r, String claimedSessionId) {
    Optional<NodeState.Given> given = s.given(r.jobId());
    NodeEntity.ResultReceived event = new NodeEntity.ResultReceived(r.jobId(), s.nodeId(), r);
    if (given.isPresent()) {
      NodeState next = r.success() ? s.releaseJob(r.jobId()) : s.release(r.jobId(), r.attemptId());
      return new Result.Given(next, new Tell(given.get().sessionId(), event));
    }
    if (inherited && claimedSessionId != null) return new Result.Inherited(new Tell(claimedSessionId, event));
    return new Result.Foreign();
  }

  /** Where a partial transcript goes; empty for a job never given to this node. */
  static Optional<Tell> partial(NodeState s, String jobId, String text, boolean isFinal) {
    return s.given(jobId).map(g -> new Tell(g.sessionId(), new NodeEntity.PartialReceived(jobId, s.nodeId(), text,
        isFinal)));
  }

  /** Where an acknowledgement goes; empty for a job never given to this node. */
  static Optional<Tell> ack(NodeState s, String jobId, int attemptId, boolean started) {
    return s.given(jobId).map(g -> new Tell(g.sessionId(), new NodeEntity.AckReceived(jobId, attemptId, s.nodeId(),
        started)));
  }

  /** What a dispatch comes to: {@code next} empty when the attempt is lost instead (no socket, no reservation). */
  record Dispatch(Optional<NodeState> next, Tell tell) {}

  /** The job for a granted reservation is written to the node now, if it has a connection. */
  static Dispatch assign(NodeState s, JobOrder o, boolean withSocket, long nowMs) {
    Optional<NodeState> next = withSocket ? s.dispatch(o.jobId(), o.attemptId(), nowMs) : Optional.empty();
    NodeEntity.ToSession event = next.isPresent()
        ? new NodeEntity.AttemptDispatched(o.jobId(), o.attemptId(), s.nodeId(), nowMs)
        : new NodeEntity.AttemptLost(o.jobId(), o.attemptId(), s.nodeId(), "reservation gone before dispatch");
    return new Dispatch(next, new Tell(o.sessionId(), event));
  }

  /** Whether ending this attempt must tell the node ({@code job_cancel}): it was dispatched there. */
  static boolean dispatched(NodeState s, String jobId, int attemptId) {
    return s.reservation(jobId, attemptId).map(NodeState.Reservation::dispatched).orElse(false);
  }

  /** The node goes Offline: every reservation is dropped, and each attempt dispatched there is lost to its session. */
  record Offline(NodeState next, List<Tell> lost) {}

  static Offline offline(NodeState s, String reason, long nowMs) {
    List<Tell> lost = new ArrayList<>();
    for (NodeState.Reservation r : s.dispatchedAttempts()) {
      lost.add(new Tell(r.sessionId(), new NodeEntity.AttemptLost(r.jobId(), r.attemptId(), s.nodeId(), reason)));
    }
    return new Offline(s.disconnect(reason, nowMs), List.copyOf(lost));
  }
}
