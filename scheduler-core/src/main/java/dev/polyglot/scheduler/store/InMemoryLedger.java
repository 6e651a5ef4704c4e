package dev.polyglot.scheduler.store;

import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The default ledger: in this instance's memory. The session's writes and idempotency checks go through the
 * same asynchronous port as a durable ledger would, but it survives nothing: when the instance stops, its
 * sessions' recoverable state is gone (one instance, nothing to install).
 *
 * <p>Bounded like the Redis ledger: a session's keys (snapshot, jobs, idempotency keys) are forgotten together once
 * the session has not been written for {@link #KEY_TTL} (every write of the session refreshes it, as Redis's TTL), and
 * a session keeps at most {@link #MAX_UTTERANCE_KEYS_PER_SESSION} idempotency keys, the oldest claimed forgotten first
 * (a replay of an utterance index older than that is no longer recognised by the ledger). A room not written for the
 * same TTL is forgotten too.
 */
public final class InMemoryLedger implements Ledger {
  /** As {@link RedisLedger#KEY_TTL}. */
  public static final Duration KEY_TTL = RedisLedger.KEY_TTL;
  public static final int MAX_UTTERANCE_KEYS_PER_SESSION = 4_096;

  private final long ttlMs;
  private final int maxKeysPerSession;
  private final LongSupplier monoMillis;
  /** Expired sessions are looked for at most this often (a look at every session). */
  private final long sweepEveryMs;
  private volatile long lastSweepMs;

  private final Map<String, SessionSnapshot> sessions = new ConcurrentHashMap<>();
  private final Map<String, NodeSnapshot> nodes = new ConcurrentHashMap<>();
  private final Map<String, Map<String, JobRecord>> jobs = new ConcurrentHashMap<>();
  /** Per session: utterance index → job id, in claim order (access under the map's own lock). */
  private final Map<String, LinkedHashMap<Integer, String>> utteranceKeys = new ConcurrentHashMap<>();
  /** Per session: {next index floor, durable sequence floor}, raised by every recorded job. */
  private final Map<String, long[]> floors = new ConcurrentHashMap<>();
  /** Per session: when it was last written (monotonic milliseconds). */
  private final Map<String, Long> lastWrite = new ConcurrentHashMap<>();
  /** Rooms by code, and when each was last written (monotonic milliseconds); forgotten after the TTL as sessions. */
  private final Map<String, RoomRecord> rooms = new ConcurrentHashMap<>();
  private final Map<String, Long> roomWrites = new ConcurrentHashMap<>();
  private volatile long lastRoomSweepMs;

  public InMemoryLedger() {
    this(KEY_TTL, MAX_UTTERANCE_KEYS_PER_SESSION, () -> System.nanoTime() / 1_000_000);
  }

  public InMemoryLedger(Duration ttl, int maxKeysPerSession, LongSupplier monoMillis) {
    if (ttl.isNegative() || ttl.isZero() || maxKeysPerSession <= 0) {
      throw new IllegalArgumentException("ttl and maxKeysPerSession must be > 0");
    }
    this.ttlMs = ttl.toMillis();
    this.maxKeysPerSession = maxKeysPerSession;
    this.monoMillis = monoMillis;
    this.sweepEveryMs = Math.max(1, Math.min(ttlMs / 24, 60_000));
    this.lastSweepMs = monoMillis.getAsLong();
    this.lastRoomSweepMs = lastSweepMs;
  }

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

  @Override
  public CompletionStage<Void> saveSession(SessionSnapshot snapshot) {
    touch(snapshot.sessionId());
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
    touch(sessionId);
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
    touch(sessionId);
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
    touch(sessionId);
    LinkedHashMap<Integer, String> keys = utteranceKeys.computeIfAbsent(sessionId, k -> new LinkedHashMap<>());
    String holder;
    synchronized (keys) {
      holder = keys.putIfAbsent(utteranceIndex, jobId);
      while (keys.size() > maxKeysPerSession) keys.remove(keys.keySet().iterator().next());
    }
    return CompletableFuture.completedFuture(holder == null || holder.equals(jobId));
  }

  @Override
  public CompletionStage<Void> deleteSession(String sessionId) {
    forget(sessionId);
    return done();
  }

  @Override
  public CompletionStage<Void> saveRoom(RoomRecord room) {
    long now = monoMillis.getAsLong();
    rooms.put(room.code(), room);
    roomWrites.put(room.code(), now);
    if (now - lastRoomSweepMs >= sweepEveryMs) {
      lastRoomSweepMs = now;
      roomWrites.forEach((code, at) -> {
        if (now - at >= ttlMs) {
          roomWrites.remove(code);
          rooms.remove(code);
        }
      });
    }
    return done();
  }

  @Override
  public CompletionStage<Optional<RoomRecord>> loadRoom(String code) {
    Long at = roomWrites.get(code);
    if (at != null && monoMillis.getAsLong() - at >= ttlMs) return CompletableFuture.completedFuture(Optional.empty());
    return CompletableFuture.completedFuture(Optional.ofNullable(rooms.get(code)));
  }

  @Override
  public CompletionStage<Void> deleteRoom(String code) {
    roomWrites.remove(code);
    rooms.remove(code);
    return done();
  }

  /** Rooms held (for tests and operators). */
  public int rooms() {
    return rooms.size();
  }

  @Override
  public String kind() {
    return "memory";
  }

  /** Idempotency keys held for a session (for tests and operators). */
  public int utteranceKeys(String sessionId) {
    LinkedHashMap<Integer, String> keys = utteranceKeys.get(sessionId);
    if (keys == null) return 0;
    synchronized (keys) {
      return keys.size();
    }
  }

  /** A write of the session refreshes its time to live; now and then, sessions past theirs are forgotten. */
  private void touch(String sessionId) {
    long now = monoMillis.getAsLong();
    lastWrite.put(sessionId, now);
    if (now - lastSweepMs >= sweepEveryMs) {
      lastSweepMs = now;
      lastWrite.forEach((id, at) -> {
        if (now - at >= ttlMs) forget(id);
      });
    }
  }

  private void forget(String sessionId) {
    lastWrite.remove(sessionId);
    sessions.remove(sessionId);
    jobs.remove(sessionId);
    utteranceKeys.remove(sessionId);
    floors.remove(sessionId);
  }

  private static CompletionStage<Void> done() {
    return CompletableFuture.completedFuture(null);
  }
}
