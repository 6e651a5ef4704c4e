package dev.polyglot.scheduler.session;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The job ids of sealed utterances (the crash contract: an utterance is durable from the moment it is sealed). A
 * sealed utterance gets its job ids at once, one per target language (one outside a room, one per listener language
 * in a room's fan-out), and their ledger writes run during its hangover; when the ledger confirms a write before the
 * job exists, the job is placed without waiting for a second write. Immutable.
 *
 * <p>Bounded: it holds the utterances still in their hangover and the confirmations of jobs not created yet. A
 * confirmation that arrives after its job was created is not kept (the job was placed, or waits for its own write),
 * and a finished job's confirmation is forgotten.
 */
final class SealedJobs {
  /** The language key of an utterance sealed with a single job whose language does not matter. */
  static final String ONLY = "";

  private static final SealedJobs EMPTY = new SealedJobs(Map.of(), Set.of());

  /** Sealed utterances not yet released as jobs: utterance index → target language → job id (sealing order). */
  private final Map<Integer, Map<String, String>> byIndex;
  /** Job ids whose sealed write the ledger confirmed before the job was created. */
  private final Set<String> durable;

  private SealedJobs(Map<Integer, Map<String, String>> byIndex, Set<String> durable) {
    this.byIndex = byIndex;
    this.durable = durable;
  }

  static SealedJobs empty() {
    return EMPTY;
  }

  /** Whether this utterance was sealed and given job ids that are not all released yet. */
  boolean sealed(int index) {
    return byIndex.containsKey(index);
  }

  /** Seals utterance {@code index} with a single job ({@link #ONLY}). */
  SealedJobs seal(int index, String jobId) {
    return seal(index, ONLY, jobId);
  }

  /** Seals the job of utterance {@code index} that translates to {@code tgtLang}. */
  SealedJobs seal(int index, String tgtLang, String jobId) {
    Map<Integer, Map<String, String>> m = new HashMap<>(byIndex);
    Map<String, String> langs = new LinkedHashMap<>(m.getOrDefault(index, Map.of()));
    langs.put(tgtLang, jobId);
    m.put(index, java.util.Collections.unmodifiableMap(langs));
    return new SealedJobs(Map.copyOf(m), durable);
  }

  /** The job id given to a released utterance ({@code null} when it was never sealed with one) and what is left. */
  record Released(String jobId, SealedJobs next) {}

  /** Releases the single job of utterance {@code index} ({@link #ONLY}). */
  Released release(int index) {
    return release(index, ONLY);
  }

  /** Releases the job of utterance {@code index} for {@code tgtLang}: its job is being created now. */
  Released release(int index, String tgtLang) {
    Map<String, String> langs = byIndex.get(index);
    String jobId = langs == null ? null : langs.get(tgtLang);
    if (jobId == null) return new Released(null, this);
    Map<String, String> rest = new LinkedHashMap<>(langs);
    rest.remove(tgtLang);
    return new Released(jobId, new SealedJobs(with(index, rest), durable));
  }

  /** What was left of an utterance once its jobs were created: job ids sealed for languages no job took. */
  record Leftover(List<String> jobIds, SealedJobs next) {}

  /**
   * The utterance's jobs exist now: the ids still sealed for it (languages its fan-out no longer has, since a member
   * left during the hangover) are released too, for the caller to delete from the ledger.
   */
  Leftover releaseRest(int index) {
    Map<String, String> langs = byIndex.get(index);
    if (langs == null) return new Leftover(List.of(), this);
    Set<String> d = new HashSet<>(durable);
    d.removeAll(langs.values());
    return new Leftover(List.copyOf(new ArrayList<>(langs.values())), new SealedJobs(with(index, Map.of()),
        Set.copyOf(d)));
  }

  /** The ledger confirmed the sealed write of {@code jobId}: kept only while its job does not exist yet. */
  SealedJobs confirmed(String jobId) {
    if (!isSealed(jobId) || durable.contains(jobId)) return this;
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
    d.removeIf(id -> !isSealed(id));
    return d.size() == durable.size() ? this : new SealedJobs(byIndex, Set.copyOf(d));
  }

  /** Entries held: sealed jobs waiting (one per utterance and language) plus kept confirmations. */
  int size() {
    int n = durable.size();
    for (Map<String, String> langs : byIndex.values()) n += langs.size();
    return n;
  }

  private boolean isSealed(String jobId) {
    for (Map<String, String> langs : byIndex.values()) if (langs.containsValue(jobId)) return true;
    return false;
  }

  private Map<Integer, Map<String, String>> with(int index, Map<String, String> langs) {
    Map<Integer, Map<String, String>> m = new HashMap<>(byIndex);
    if (langs.isEmpty()) {
      m.remove(index);
    } else {
      m.put(index, java.util.Collections.unmodifiableMap(new LinkedHashMap<>(langs)));
    }
    return Map.copyOf(m);
  }
}
