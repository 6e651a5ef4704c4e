package dev.polyglot.scheduler.session;

import dev.polyglot.scheduler.dispatch.Dispatcher;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The crash contract of one session, as a pure immutable state machine (RELIABILITY.md P9): a new job is durable in
 * the ledger before it is placed, and the client's socket may forget a numbered audio message only once every job
 * holding that audio is durable.
 *
 * <ul>
 *   <li>An utterance is sealed with its job ids, one per target language (one outside a room, one per listener
 *       language in a room's fan-out), each written during its hangover ({@link #seal}); its jobs, created later, then
 *       take those ids ({@link #jobIdsFor}) and are placed at once if their writes were confirmed. A language sealed
 *       but no longer in the fan-out when the jobs are created is handed back, to be deleted from the ledger.</li>
 *   <li>A first attempt otherwise waits ({@link #await}) until its own write is confirmed ({@link #jobWritten}), the
 *       sealed write is ({@link #sealWritten}), or the durable wait runs out ({@link #waitOver}); it is placed exactly
 *       once whichever comes first.</li>
 *   <li>Each job remembers the highest audio message it covers; the cursor acknowledges the socket up to the highest
 *       message below which every covering write is confirmed ({@link Step#ackedTo}).</li>
 * </ul>
 */
final class DurableGate {
  private static final DurableGate EMPTY = new DurableGate(DurableCursor.empty(), SealedJobs.empty(), Map.of(),
      Map.of(), Map.of());

  private final DurableCursor cursor;
  private final SealedJobs sealed;
  /** The audio message each job not yet known durable covers, by job id. */
  private final Map<String, Long> covered;
  /** Sealed utterances' audio messages, by index, until their job id is given. */
  private final Map<Integer, Long> sealedAudio;
  /** First attempts waiting for the ledger, by job id. */
  private final Map<String, Dispatcher.PlacementRequest> waiting;

  private DurableGate(DurableCursor cursor, SealedJobs sealed, Map<String, Long> covered, Map<Integer, Long> sealedAudio,
                      Map<String, Dispatcher.PlacementRequest> waiting) {
    this.cursor = cursor;
    this.sealed = sealed;
    this.covered = covered;
    this.sealedAudio = sealedAudio;
    this.waiting = waiting;
  }

  static DurableGate empty() {
    return EMPTY;
  }

  /** A recovered session: the ledger already holds the audio up to {@code durableSeq}. */
  static DurableGate at(long durableSeq) {
    return new DurableGate(DurableCursor.at(durableSeq), SealedJobs.empty(), Map.of(), Map.of(), Map.of());
  }

  /**
   * What a change of the gate asks for: {@code ackedTo} > 0 = tell the socket its audio is durable up to there;
   * {@code place} = place this request now; {@code jobId} = the id given by {@link #seal} or {@link #jobIdFor}.
   */
  record Step(DurableGate next, long ackedTo, Dispatcher.PlacementRequest place, String jobId, long seq) {}

  private Step step(DurableGate next, long ackedTo, Dispatcher.PlacementRequest place) {
    return new Step(next, ackedTo, place, null, 0);
  }

  /** The highest audio message the socket may forget. */
  long acked() {
    return cursor.acked();
  }

  /** The audio message job {@code jobId} covers, 0 if none or already durable. */
  long covers(String jobId) {
    return covered.getOrDefault(jobId, 0L);
  }

  boolean awaiting(String jobId) {
    return waiting.containsKey(jobId);
  }

  /**
   * Utterances just sealed hold the applied audio: all of it ({@code bufferedBytes == 0}), or all but the last message
   * when that one already went into the next utterance (a gap cut).
   */
  DurableGate noteSealed(List<Integer> indexes, long appliedSeq, int bufferedBytes) {
    if (appliedSeq == 0) return this;
    long at = bufferedBytes == 0 ? appliedSeq : appliedSeq - 1;
    Map<Integer, Long> m = null;
    for (int i : indexes) {
      if (sealed.sealed(i) || sealedAudio.containsKey(i) || (m != null && m.containsKey(i))) continue;
      if (m == null) m = new HashMap<>(sealedAudio);
      m.put(i, at);
    }
    return m == null ? this : new DurableGate(cursor, sealed, covered, Map.copyOf(m), waiting);
  }

  boolean sealed(int index) {
    return sealed.sealed(index);
  }

  /** Seals utterance {@code index} under a new job id; {@link Step#seq} is the audio its ledger write covers. */
  Step seal(int index, Supplier<String> newJobId) {
    Sealing s = seal(index, List.of(SealedJobs.ONLY), newJobId);
    return new Step(s.next(), 0, null, s.jobIds().get(SealedJobs.ONLY), s.seq());
  }

  /** Utterance {@code index} sealed: a job id per target language (in their order), all covering audio up to {@code seq}. */
  record Sealing(DurableGate next, Map<String, String> jobIds, long seq) {}

  /** Seals utterance {@code index} with one new job id per language of {@code tgtLangs}; their writes cover its audio. */
  Sealing seal(int index, List<String> tgtLangs, Supplier<String> newJobId) {
    long seq = sealedAudio.getOrDefault(index, 0L);
    Map<Integer, Long> audio = new HashMap<>(sealedAudio);
    audio.remove(index);
    SealedJobs sj = sealed;
    Map<String, String> ids = new java.util.LinkedHashMap<>();
    for (String lang : tgtLangs) {
      String jobId = newJobId.get();
      ids.put(lang, jobId);
      sj = sj.seal(index, lang, jobId);
    }
    DurableGate g = new DurableGate(cursor, sj, covered, Map.copyOf(audio), waiting);
    if (seq > 0) for (String jobId : ids.values()) g = g.cover(jobId, seq);
    return new Sealing(g, java.util.Collections.unmodifiableMap(ids), seq);
  }

  /** The job id of utterance {@code index}: the one given at its seal, else a new one covering its audio. */
  Step jobIdFor(int index, Supplier<String> newJobId) {
    Creation c = jobIdsFor(index, List.of(SealedJobs.ONLY), newJobId);
    return new Step(c.next(), 0, null, c.jobIds().get(SealedJobs.ONLY), 0);
  }

  /**
   * The utterance's jobs are created now: a job id per language of {@code tgtLangs} (in their order), and
   * {@code dropped}, the ids sealed for languages not among them (to be deleted from the ledger).
   */
  record Creation(DurableGate next, Map<String, String> jobIds, List<String> dropped) {}

  /**
   * The job ids of utterance {@code index}, one per target language: the one given at its seal for that language,
   * else a new one (covering the utterance's audio when nothing of it was sealed).
   */
  Creation jobIdsFor(int index, List<String> tgtLangs, Supplier<String> newJobId) {
    SealedJobs sj = sealed;
    Long seq = sealedAudio.get(index);
    Map<String, String> ids = new java.util.LinkedHashMap<>();
    List<String> fresh = new java.util.ArrayList<>();
    for (String lang : tgtLangs) {
      SealedJobs.Released r = sj.release(index, lang);
      sj = r.next();
      String jobId = r.jobId() != null ? r.jobId() : newJobId.get();
      if (r.jobId() == null) fresh.add(jobId);
      ids.put(lang, jobId);
    }
    SealedJobs.Leftover rest = sj.releaseRest(index);
    Map<Integer, Long> audio = new HashMap<>(sealedAudio);
    audio.remove(index);
    DurableGate g = new DurableGate(cursor, rest.next(), covered, Map.copyOf(audio), waiting);
    if (seq != null && seq > 0) for (String jobId : fresh) g = g.cover(jobId, seq);
    return new Creation(g, java.util.Collections.unmodifiableMap(ids), rest.jobIds());
  }

  /** Job {@code jobId} holds the audio up to {@code seq} (an {@code utterance} whose claim was fresh). */
  DurableGate cover(String jobId, long seq) {
    if (seq <= 0) return this;
    Map<String, Long> c = new HashMap<>(covered);
    c.put(jobId, seq);
    return new DurableGate(cursor.issued(seq), sealed, Map.copyOf(c), sealedAudio, waiting);
  }

  /** Nothing is owed for audio message {@code seq} any more (a duplicate, or the client was told to send it again). */
  Step settled(long seq) {
    if (seq <= 0) return step(this, 0, null);
    return confirm(cursor.issued(seq), seq, covered, sealed, waiting, null);
  }

  /**
   * A first attempt asks to be placed: at once when its sealed write was confirmed, else it waits for a write or
   * the durable wait. {@link Step#place} is set when it may go now.
   */
  Step await(Dispatcher.PlacementRequest r) {
    SealedJobs.Taken t = sealed.take(r.jobId());
    if (t.durable()) return step(with(t.next()), 0, r);
    Map<String, Dispatcher.PlacementRequest> w = new HashMap<>(waiting);
    w.put(r.jobId(), r);
    return step(new DurableGate(cursor, t.next(), covered, sealedAudio, Map.copyOf(w)), 0, null);
  }

  /** The sealed write of {@code jobId} (covering audio up to {@code seq}) was confirmed. */
  Step sealWritten(String jobId, long seq) {
    Map<String, Long> c = new HashMap<>(covered);
    c.remove(jobId);
    Map<String, Dispatcher.PlacementRequest> w = new HashMap<>(waiting);
    Dispatcher.PlacementRequest place = w.remove(jobId);
    return confirm(cursor, seq, Map.copyOf(c), sealed.confirmed(jobId), Map.copyOf(w), place);
  }

  /** The job's own write finished ({@code ok}) or failed: either way it is placed now, once. */
  Step jobWritten(Dispatcher.PlacementRequest r, boolean ok) {
    Map<String, Dispatcher.PlacementRequest> w = new HashMap<>(waiting);
    Dispatcher.PlacementRequest place = w.remove(r.jobId());
    if (!ok) return step(new DurableGate(cursor, sealed, covered, sealedAudio, Map.copyOf(w)), 0, place);
    Map<String, Long> c = new HashMap<>(covered);
    Long seq = c.remove(r.jobId());
    return confirm(cursor, seq == null ? 0 : seq, Map.copyOf(c), sealed, Map.copyOf(w), place);
  }

  /** The durable wait ran out: place it now if it still waits. */
  Step waitOver(Dispatcher.PlacementRequest r) {
    if (!waiting.containsKey(r.jobId())) return step(this, 0, null);
    Map<String, Dispatcher.PlacementRequest> w = new HashMap<>(waiting);
    w.remove(r.jobId());
    return step(new DurableGate(cursor, sealed, covered, sealedAudio, Map.copyOf(w)), 0, r);
  }

  /** The job finished: nothing of it is kept. */
  DurableGate finished(String jobId) {
    return with(sealed.forget(jobId));
  }

  DurableGate sweep() {
    return with(sealed.sweep());
  }

  /** Job ids sealed, confirmed or waiting: what the gate holds (for tests and leak checks). */
  Set<String> held() {
    Set<String> s = new HashSet<>(covered.keySet());
    s.addAll(waiting.keySet());
    return s;
  }

  private DurableGate with(SealedJobs s) {
    return s == sealed ? this : new DurableGate(cursor, s, covered, sealedAudio, waiting);
  }

  private Step confirm(DurableCursor c, long seq, Map<String, Long> cov, SealedJobs s,
                       Map<String, Dispatcher.PlacementRequest> w, Dispatcher.PlacementRequest place) {
    DurableCursor next = seq > 0 ? c.confirmed(seq) : c;
    long ackedTo = next.acked() > cursor.acked() ? next.acked() : 0;
    return step(new DurableGate(next, s, cov, sealedAudio, w), ackedTo, place);
  }
}
