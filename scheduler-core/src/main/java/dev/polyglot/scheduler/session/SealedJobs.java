package dev.polyglot.scheduler.session;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The job ids of sealed utterances (the crash contract: an utterance is durable from the moment it is sealed). A
 * sealed utterance gets its job id at once and its ledger write runs during its hangover; when the ledger confirms
 * the write before the job exists, the job is placed without waiting for a second write. Immutable.
 *
 * <p>Bounded: it holds the utterances still in their hangover and the confirmations of jobs not created yet. A
 * confirmation that arrives after its job was created is not kept (the job was placed, or waits for its own write),
 * and a finished job's confirmation is forgotten.
 */
final class SealedJobs {
  private static final SealedJobs EMPTY = new SealedJobs(Map.of(), Set.of());

  /** Sealed utterances not yet released as jobs: utterance index → job id. */
  private final Map<Integer, String> byIndex;
  /** Job ids whose sealed write the ledger confirmed before the job was created. */
  private final Set<String> durable;

  private SealedJobs(Map<Integer, String> byIndex, Set<String> durable) {
    this.byIndex = byIndex;
    this.durable = durable;
  }

  static SealedJobs empty() {
    return EMPTY;
  }

  /** Whether this utterance was sealed and given a job id that is not released yet. */
  boolean sealed(int index) {
    return byIndex.containsKey(index);
  }

  SealedJobs seal(int index, String jobId) {
    Map<Integer, String> m = new HashMap<>(byIndex);
    m.put(index, jobId);
    return new SealedJobs(Map.copyOf(m), durable);
  }

  /** The job id given to a released utterance ({@code null} when it was never sealed with one) and what is left. */
  record Released(String jobId, SealedJobs next) {}

  Released release(int index) {
    String jobId = byIndex.get(index);
    if (jobId == null) return new Released(null, this);
    Map<Integer, String> m = new HashMap<>(byIndex);
    m.remove(index);
    return new Released(jobId, new SealedJobs(Map.copyOf(m), durable));
  }

  /** The ledger confirmed the sealed write of {@code jobId}: kept only while its job does not exist yet. */
  SealedJobs confirmed(String jobId) {
    if (!byIndex.containsValue(jobId) || durable.contains(jobId)) return this;
    Set<String> d = new HashSet<>(durable);
    d.add(jobId);
    return new SealedJobs(byIndex, Set.copyOf(d));
  }

  /** Whether the new job's sealed write is already confirmed (it may be placed at once), and what is left. */
  record Taken(boolean durable, SealedJobs next) {}

  Taken take(String jobId) {
    if (!durable.contains(jobId)) return new Taken(false, this);
    return new Taken(true, forget(jobId));
  }

  /** The job finished (or was swept): its confirmation, if any, is no longer needed. */
  SealedJobs forget(String jobId) {
    if (!durable.contains(jobId)) return this;
    Set<String> d = new HashSet<>(durable);
    d.remove(jobId);
    return new SealedJobs(byIndex, Set.copyOf(d));
  }

  /** Drops every confirmation whose utterance is no longer waiting to become a job. */
  SealedJobs sweep() {
    Set<String> d = new HashSet<>(durable);
    d.retainAll(byIndex.values());
    return d.size() == durable.size() ? this : new SealedJobs(byIndex, Set.copyOf(d));
  }

  /** Entries held: sealed utterances waiting plus kept confirmations. */
  int size() {
    return byIndex.size() + durable.size();
  }
}
