package dev.polyglot.scheduler.store;

import dev.polyglot.scheduler.cluster.ClusterMessage;
import dev.polyglot.scheduler.job.JobOrder;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * The durable ledger (ARCHITECTURE.md §3): what a session needs to continue after its instance died, and
 * the keys that make job creation idempotent. Every operation is asynchronous and must complete quickly or
 * fail (never block an actor, never queue without bound); callers pipe results back into their actor and
 * keep serving when a write fails.
 *
 * <p>A job is durable once {@link #recordJob} completed: the session writes it before placing the job.
 */
public interface Ledger {

  /** A session's recoverable state besides its jobs. */
  record SessionSnapshot(String sessionId, String srcLang, String tgtLang, String mode, String langA, String langB,
                         String traceId, int nextIndex, String turnId, int resultCursor) implements ClusterMessage {}

  /**
   * An accepted job not yet finished, with its audio and placement facts; {@code triedNodes} are the nodes its
   * attempts were given, in attempt order (a recovery excludes them and still accepts their answers).
   */
  record JobRecord(JobOrder order, String pool, Set<String> requiredTypes, long createdAtMs, Long firstClientTs,
                   List<String> triedNodes) implements ClusterMessage {
    public JobRecord {
      triedNodes = triedNodes == null ? List.of() : List.copyOf(triedNodes);
    }

    public JobRecord(JobOrder order, String pool, Set<String> requiredTypes, long createdAtMs, Long firstClientTs) {
      this(order, pool, requiredTypes, createdAtMs, firstClientTs, List.of());
    }
  }

  /** A node's registration, so an entity re-created on another instance can serve its heartbeats. */
  record NodeSnapshot(String nodeId, dev.polyglot.scheduler.node.NodeFacts facts, boolean draining, long registeredAtMs)
      implements ClusterMessage {}

  CompletionStage<Void> saveNode(NodeSnapshot snapshot);

  CompletionStage<Optional<NodeSnapshot>> loadNode(String nodeId);

  /** The node's record was forgotten (offline too long): a later registration is a new node. */
  CompletionStage<Void> forgetNode(String nodeId);

  CompletionStage<Void> saveSession(SessionSnapshot snapshot);

  CompletionStage<Optional<SessionSnapshot>> loadSession(String sessionId);

  /** Records an accepted job; completes once it is durable. */
  CompletionStage<Void> recordJob(String sessionId, JobRecord job);

  /** The job reached its terminal state: it no longer needs recovery. */
  CompletionStage<Void> finishJob(String sessionId, String jobId);

  CompletionStage<List<JobRecord>> unfinishedJobs(String sessionId);

  /**
   * Claims the idempotency key of {@code (session, utterance_index)} for a job: true when the key was free and
   * now belongs to {@code jobId}, false when another job already holds it.
   */
  CompletionStage<Boolean> claimUtterance(String sessionId, int utteranceIndex, String jobId);

  /** The session ended: forget everything about it. */
  CompletionStage<Void> deleteSession(String sessionId);

  /** {@code memory} or {@code redis}, for {@code /ready}. */
  String kind();

  /** {@code up}, {@code down}, or {@code n/a} for a ledger without a server, for {@code /ready}. */
  default String serverState() {
    return "n/a";
  }

  /** Releases connections; the ledger is unusable afterwards. */
  default void close() {}
}
