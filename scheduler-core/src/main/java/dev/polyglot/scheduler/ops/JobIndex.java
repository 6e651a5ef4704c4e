package dev.polyglot.scheduler.ops;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * Which session owns a job, for the jobs whose session entity runs on this instance: {@code GET /api/v1/jobs/{id}}
 * finds the session to ask here (job ids are UUIDs that name no session). Session entities add their jobs when an
 * attempt starts (recovered jobs included); entries are forgotten {@link #RETAIN_MS} after they were last touched
 * (longer than a finished job is retained by its session), and at most {@link #MAX_ENTRIES} are kept.
 * Lost with the instance: a job of a session that moved is found again once the new incarnation starts an attempt.
 */
public final class JobIndex implements Extension {
  static final long RETAIN_MS = 6 * 60_000;
  static final int MAX_ENTRIES = 100_000;
  private static final int PRUNE_EVERY = 4096;

  private record Entry(String sessionId, long atMs) {}

  private final Map<String, Entry> jobs = new ConcurrentHashMap<>();
  private final AtomicLong puts = new AtomicLong();

  public static JobIndex get(ActorSystem<?> system) {
    return Id.INSTANCE.apply(system);
  }

  public void put(String jobId, String sessionId, long nowMs) {
    jobs.put(jobId, new Entry(sessionId, nowMs));
    if (puts.incrementAndGet() % PRUNE_EVERY == 0 || jobs.size() > MAX_ENTRIES) prune(nowMs);
  }

  public Optional<String> sessionOf(String jobId) {
    Entry e = jobs.get(jobId);
    return e == null ? Optional.empty() : Optional.of(e.sessionId());
  }

  public int size() {
    return jobs.size();
  }

  void prune(long nowMs) {
    jobs.values().removeIf(e -> nowMs - e.atMs() > RETAIN_MS);
    if (jobs.size() > MAX_ENTRIES) {
      // still too many: drop the oldest beyond the cap (rare: over 100,000 jobs within the retention)
      jobs.entrySet().stream().sorted(Map.Entry.comparingByValue(java.util.Comparator.comparingLong(Entry::atMs)))
          .limit(jobs.size() - (long) MAX_ENTRIES).map(Map.Entry::getKey).toList().forEach(jobs::remove);
    }
  }

  private static final class Id extends ExtensionId<JobIndex> {
    static final Id INSTANCE = new Id();

    @Override public JobIndex createExtension(ActorSystem<?> system) { return new JobIndex(); }
  }
}
