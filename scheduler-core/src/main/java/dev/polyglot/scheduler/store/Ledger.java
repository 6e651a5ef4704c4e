package dev.polyglot.scheduler.store;

import dev.polyglot.scheduler.api.ClusterMessage;
import dev.polyglot.scheduler.api.JobOrder;
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
 * <p>A job is durable once {@link #recordJob} completed: the session writes it before placing the job. A room is
 * written by its entity after each change of its members or preferences ({@link #saveRoom}).
 */
public interface Ledger {

  /**
   * A session's recoverable state besides its jobs. {@code durableSeq}: the client socket's audio messages up to this
   * number are in the ledger (as sealed utterances), so a new incarnation drops them when the socket replays them.
   * {@link #loadSession} raises {@code nextIndex} and {@code durableSeq} to what recorded jobs show (their floors).
   * {@code roomCode}: the room the session is in ({@code null}: none), so that a recovered session knows it.
   */
  record SessionSnapshot(String sessionId, String srcLang, String tgtLang, String mode, String langA, String langB,
                         String traceId, int nextIndex, String turnId, int resultCursor, long durableSeq,
                         String roomCode) implements ClusterMessage {
    public SessionSnapshot(String sessionId, String srcLang, String tgtLang, String mode, String langA, String langB,
                           String traceId, int nextIndex, String turnId, int resultCursor) {
      this(sessionId, srcLang, tgtLang, mode, langA, langB, traceId, nextIndex, turnId, resultCursor, 0);
    }

    public SessionSnapshot(String sessionId, String srcLang, String tgtLang, String mode, String langA, String langB,
                           String traceId, int nextIndex, String turnId, int resultCursor, long durableSeq) {
      this(sessionId, srcLang, tgtLang, mode, langA, langB, traceId, nextIndex, turnId, resultCursor, durableSeq, null);
    }

    /** The snapshot with its index and sequence raised to the floors the recorded jobs left. */
    public SessionSnapshot atLeast(int indexFloor, long seqFloor) {
      if (indexFloor <= nextIndex && seqFloor <= durableSeq) return this;
      return new SessionSnapshot(sessionId, srcLang, tgtLang, mode, langA, langB, traceId, Math.max(nextIndex, indexFloor),
          turnId, resultCursor, Math.max(durableSeq, seqFloor), roomCode);
    }
  }

  /**
   * An accepted job not yet finished, with its audio and placement facts; {@code triedNodes} are the nodes its
   * attempts were given, in attempt order (a recovery excludes them and still accepts their answers);
   * {@code recipients} are the sessions its result goes to (a room's listeners of its language; empty: its session).
   */
  record JobRecord(JobOrder order, String pool, Set<String> requiredTypes, long createdAtMs, Long firstClientTs,
                   List<String> triedNodes, long lastSeq, List<String> recipients) implements ClusterMessage {
    public JobRecord {
      triedNodes = triedNodes == null ? List.of() : List.copyOf(triedNodes);
      recipients = recipients == null ? List.of() : List.copyOf(recipients);
    }

    public JobRecord(JobOrder order, String pool, Set<String> requiredTypes, long createdAtMs, Long firstClientTs,
                     List<String> triedNodes, long lastSeq) {
      this(order, pool, requiredTypes, createdAtMs, firstClientTs, triedNodes, lastSeq, List.of());
    }

    public JobRecord(JobOrder order, String pool, Set<String> requiredTypes, long createdAtMs, Long firstClientTs) {
      this(order, pool, requiredTypes, createdAtMs, firstClientTs, List.of(), 0);
    }
  }

  /** A node's registration, so an entity re-created on another instance can serve its heartbeats. */
  record NodeSnapshot(String nodeId, dev.polyglot.scheduler.api.NodeFacts facts, boolean draining, long registeredAtMs)
      implements ClusterMessage {}

  /**
   * A room (spec/BEHAVIOUR.md §12) as its entity last wrote it, so that an entity re-created on another instance after
   * a crash continues it. Times are epoch milliseconds, for display and the admin view only: a restored room starts
   * its expiry clock again (durations never cross instances). {@code version} counts the room's changes.
   */
  record RoomRecord(String code, String roomId, long createdAtMs, Long lastDeliveryAtMs, long version,
                    List<RoomRecord.Member> members) {
    public RoomRecord {
      members = members == null ? List.of() : List.copyOf(members);
    }

    /** A member; {@code rawVoicePreferences} maps another member's session id to whether this one wants its voice. */
    public record Member(String sessionId, String displayName, String preferredLang,
                         java.util.Map<String, Boolean> rawVoicePreferences, long joinedAtMs) {
      public Member {
        rawVoicePreferences = rawVoicePreferences == null ? java.util.Map.of() : java.util.Map.copyOf(rawVoicePreferences);
      }
    }
  }

  CompletionStage<Void> saveNode(NodeSnapshot snapshot);

  CompletionStage<Optional<NodeSnapshot>> loadNode(String nodeId);

  /** The node's record was forgotten (offline too long): a later registration is a new node. */
  CompletionStage<Void> forgetNode(String nodeId);

  CompletionStage<Void> saveSession(SessionSnapshot snapshot);

  CompletionStage<Optional<SessionSnapshot>> loadSession(String sessionId);

  /**
   * Records an accepted job; completes once it is durable. Atomically raises the session's floors: its next index
   * to above the job's index and its durable sequence to the job's {@code lastSeq} (the last client audio message
   * in the job), so a recovery never reuses an index the job may have shown and never replays its audio again.
   */
  CompletionStage<Void> recordJob(String sessionId, JobRecord job);

  /** The job reached its terminal state: it no longer needs recovery. */
  CompletionStage<Void> finishJob(String sessionId, String jobId);

  CompletionStage<List<JobRecord>> unfinishedJobs(String sessionId);

  /**
   * Claims the idempotency key of {@code (session, utterance_index)} for a job: true when the key was free and
   * now belongs to {@code jobId}, false when another job already holds it. The key is the utterance's, not a job's:
   * an utterance with several jobs (a room's fan-out, one per target language) claims it once, with its first job's
   * id, and records each of its jobs with {@link #recordJob}.
   */
  CompletionStage<Boolean> claimUtterance(String sessionId, int utteranceIndex, String jobId);

  /** The session ended: forget everything about it. */
  CompletionStage<Void> deleteSession(String sessionId);

  /** Writes the room under its code, replacing what was there; refreshes the record's time to live. */
  CompletionStage<Void> saveRoom(RoomRecord room);

  CompletionStage<Optional<RoomRecord>> loadRoom(String code);

  /** The room is gone (empty or expired): its code is free again. */
  CompletionStage<Void> deleteRoom(String code);

  /** {@code memory} or {@code redis}, for {@code /ready}. */
  String kind();

  /** {@code up}, {@code down}, or {@code n/a} for a ledger without a server, for {@code /ready}. */
  default String serverState() {
    return "n/a";
  }

  /** Releases connections; the ledger is unusable afterwards. */
  default void close() {}
}
