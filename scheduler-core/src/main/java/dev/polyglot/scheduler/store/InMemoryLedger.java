package dev.polyglot.scheduler.store;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The default ledger: in this instance's memory. The session's writes and idempotency checks go through the
 * same asynchronous port as a durable ledger would, but it survives nothing: when the instance stops, its
 * sessions' recoverable state is gone (one instance, nothing to install).
 */
public final class InMemoryLedger implements Ledger {
  private final Map<String, SessionSnapshot> sessions = new ConcurrentHashMap<>();
  private final Map<String, NodeSnapshot> nodes = new ConcurrentHashMap<>();

  @Override
  public CompletionStage<Void> saveNode(NodeSnapshot snapshot) {
    nodes.put(snapshot.nodeId(), snapshot);
    return done();
  }

  @Override
  public CompletionStage<Void> forgetNode(String nodeId) {
    nodes.remove(nodeId);
    return done();
  }

  @Override
  public CompletionStage<Optional<NodeSnapshot>> loadNode(String nodeId) {
    return CompletableFuture.completedFuture(Optional.ofNullable(nodes.get(nodeId)));
  }
  private final Map<String, Map<String, JobRecord>> jobs = new ConcurrentHashMap<>();
  private final Map<String, Map<Integer, String>> utteranceKeys = new ConcurrentHashMap<>();
  /** Per session: {next index floor, durable sequence floor}, raised by every recorded job. */
  private final Map<String, long[]> floors = new ConcurrentHashMap<>();

  @Override
  public CompletionStage<Void> saveSession(SessionSnapshot snapshot) {
    sessions.put(snapshot.sessionId(), snapshot);
    return done();
  }

  @Override
  public CompletionStage<Optional<SessionSnapshot>> loadSession(String sessionId) {
    SessionSnapshot snap = sessions.get(sessionId);
    long[] f = floors.get(sessionId);
    if (snap != null && f != null) {
      synchronized (f) {
        snap = snap.atLeast((int) f[0], f[1]);
      }
    }
    return CompletableFuture.completedFuture(Optional.ofNullable(snap));
  }

  @Override
  public CompletionStage<Void> recordJob(String sessionId, JobRecord job) {
    jobs.computeIfAbsent(sessionId, k -> new ConcurrentHashMap<>()).put(job.order().jobId(), job);
    long[] f = floors.computeIfAbsent(sessionId, k -> new long[2]);
    synchronized (f) {
      f[0] = Math.max(f[0], job.order().utteranceIndex() + 1L);
      f[1] = Math.max(f[1], job.lastSeq());
    }
    return done();
  }

  @Override
  public CompletionStage<Void> finishJob(String sessionId, String jobId) {
    Map<String, JobRecord> m = jobs.get(sessionId);
    if (m != null) m.remove(jobId);
    return done();
  }

  @Override
  public CompletionStage<List<JobRecord>> unfinishedJobs(String sessionId) {
    Map<String, JobRecord> m = jobs.getOrDefault(sessionId, Map.of());
    return CompletableFuture.completedFuture(m.values().stream()
        .sorted(Comparator.comparingInt(j -> j.order().utteranceIndex())).toList());
  }

  @Override
  public CompletionStage<Boolean> claimUtterance(String sessionId, int utteranceIndex, String jobId) {
    String holder = utteranceKeys.computeIfAbsent(sessionId, k -> new ConcurrentHashMap<>()).putIfAbsent(utteranceIndex, jobId);
    return CompletableFuture.completedFuture(holder == null || holder.equals(jobId));
  }

  @Override
  public CompletionStage<Void> deleteSession(String sessionId) {
    sessions.remove(sessionId);
    jobs.remove(sessionId);
    utteranceKeys.remove(sessionId);
    floors.remove(sessionId);
    return done();
  }

  @Override
  public String kind() {
    return "memory";
  }

  private static CompletionStage<Void> done() {
    return CompletableFuture.completedFuture(null);
  }
}
