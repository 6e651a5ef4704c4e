package dev.polyglot.scheduler.session;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Result ordering of one origin session (BEHAVIOUR §10.5), one independent stream per target language.
 *
 * <p><b>What it decides.</b> Which deliverable results leave now, and in which order. In {@link Mode#INDEX} a
 * result with index k is released when no live ({@code PENDING}/{@code DISPATCHED}) job of its stream with a
 * lower index still blocks, or when its hold of {@code maxHoldMs} (from its arrival) expires, whichever comes
 * first. In {@link Mode#ARRIVAL} every result leaves at once and nothing is ever held.
 *
 * <p><b>What it promises.</b>
 * <ul>
 *   <li>Pure and immutable: time is the caller's monotonic {@code nowMs}; every call returns a new instance.</li>
 *   <li>Within a stream, results released by one call leave in index order; held results leave in index order.</li>
 *   <li>Terminal jobs (results, empty, failed, cancelled: {@link #jobEnded}) never block; a late earlier result is
 *       released at once.</li>
 *   <li>When a hold expires ({@link #onHoldTimer}), the live jobs of that stream with a lower index stop blocking
 *       for good: their later results are released at once and they never hold anything again.</li>
 *   <li>Holds are deadlines ({@link #holdDueAt()}), never waits. {@link #releaseAll()} empties every hold (index
 *       order, streams in name order) and lifts all blocking, so later results of a closing session leave at once.</li>
 *   <li>Results of one call that span several streams are grouped by stream, streams in name order.</li>
 * </ul>
 *
 * @param <R> the opaque result type (it should carry its own stream/index if the caller needs them)
 */
public final class ResultOrder<R> {

  /** {@code results.order}. */
  public enum Mode { INDEX, ARRIVAL }

  /** Result of one call: the next state and the results to deliver now, in order. */
  public record Release<R>(ResultOrder<R> next, List<R> released) {
    public Release {
      Objects.requireNonNull(next, "next");
      released = Collections.unmodifiableList(new ArrayList<>(released));   // defensive, order kept
    }
  }

  private record Held<R>(int index, R result, long deadline) {}

  /**
   * One stream: live blocking job indices, live jobs that stopped blocking for good after a hold expiry (so a
   * repeated {@link #jobLive} of them, e.g. a re-dispatch, does not block again), and held results sorted by index.
   * Unmodifiable.
   */
  private record Stream<R>(SortedSet<Integer> live, Set<Integer> unblocked, List<Held<R>> held) {
    static <R> Stream<R> empty() {
      return new Stream<>(Collections.unmodifiableSortedSet(new TreeSet<>()), Set.of(), List.of());
    }

    boolean isEmpty() {
      return live.isEmpty() && unblocked.isEmpty() && held.isEmpty();
    }

    Set<Integer> unblockedWithout(int index) {
      if (!unblocked.contains(index)) return unblocked;
      Set<Integer> u = new TreeSet<>(unblocked);
      u.remove(index);
      return Collections.unmodifiableSet(u);
    }
  }

  private final Mode mode;
  private final long maxHoldMs;
  private final Map<String, Stream<R>> streams;   // unmodifiable, sorted by name

  private ResultOrder(Mode mode, long maxHoldMs, Map<String, Stream<R>> streams) {
    this.mode = mode;
    this.maxHoldMs = maxHoldMs;
    this.streams = streams;
  }

  /** An empty ordering; {@code maxHoldMs} is {@code results.max-hold} (3000 by default). */
  public static <R> ResultOrder<R> create(Mode mode, long maxHoldMs) {
    Objects.requireNonNull(mode, "mode");
    if (maxHoldMs < 0) throw new IllegalArgumentException("maxHoldMs must be >= 0");
    return new ResultOrder<>(mode, maxHoldMs, Collections.unmodifiableSortedMap(new TreeMap<>()));
  }

  /** A job of {@code stream} became live (PENDING/DISPATCHED): it blocks later indices until it ends. */
  public ResultOrder<R> jobLive(String stream, int index) {
    Objects.requireNonNull(stream, "stream");
    if (mode == Mode.ARRIVAL) return this;
    Stream<R> s = streams.getOrDefault(stream, Stream.empty());
    if (s.live.contains(index) || s.unblocked.contains(index)) return this;
    TreeSet<Integer> live = new TreeSet<>(s.live);
    live.add(index);
    return with(stream, new Stream<>(Collections.unmodifiableSortedSet(live), s.unblocked, s.held));
  }

  /** A job ended without a deliverable result (empty, failed, cancelled): it stops blocking; held results may leave. */
  public Release<R> jobEnded(String stream, int index, long nowMs) {
    Objects.requireNonNull(stream, "stream");
    Stream<R> s = streams.get(stream);
    if (s == null || (!s.live.contains(index) && !s.unblocked.contains(index))) return new Release<>(this, List.of());
    TreeSet<Integer> live = new TreeSet<>(s.live);
    live.remove(index);
    List<R> out = new ArrayList<>();
    Stream<R> next = releasable(live, s.unblockedWithout(index), new ArrayList<>(s.held), out);
    return new Release<>(with(stream, next), out);
  }

  /** A job ended with a result to deliver: released now (with any held results it unblocks) or held. */
  public Release<R> resultReady(String stream, int index, R result, long nowMs) {
    Objects.requireNonNull(stream, "stream");
    if (mode == Mode.ARRIVAL) return new Release<>(this, List.of(result));
    Stream<R> s = streams.getOrDefault(stream, Stream.empty());
    TreeSet<Integer> live = new TreeSet<>(s.live);
    live.remove(index);
    List<Held<R>> held = new ArrayList<>(s.held);
    held.add(new Held<>(index, result, nowMs + maxHoldMs));
    held.sort(Comparator.comparingInt(Held::index));   // stable: equal indices keep arrival order
    List<R> out = new ArrayList<>();
    Stream<R> next = releasable(live, s.unblockedWithout(index), held, out);
    return new Release<>(with(stream, next), out);
  }

  /**
   * Hold timer: for every held result whose deadline has passed, the live jobs of its stream with a lower index
   * stop blocking for good; everything then releasable leaves (per stream in index order).
   */
  public Release<R> onHoldTimer(long nowMs) {
    TreeMap<String, Stream<R>> map = new TreeMap<>(streams);
    List<R> out = new ArrayList<>();
    boolean changed = false;
    for (Map.Entry<String, Stream<R>> e : streams.entrySet()) {
      Stream<R> s = e.getValue();
      int maxExpired = Integer.MIN_VALUE;
      boolean any = false;
      for (Held<R> h : s.held) {
        if (h.deadline() <= nowMs) {
          any = true;
          maxExpired = Math.max(maxExpired, h.index());
        }
      }
      if (!any) continue;
      TreeSet<Integer> live = new TreeSet<>(s.live);
      SortedSet<Integer> causes = live.headSet(maxExpired);   // the jobs that caused the expired holds
      Set<Integer> unblocked = new TreeSet<>(s.unblocked);
      unblocked.addAll(causes);
      causes.clear();                                          // ... stop blocking for good
      put(map, e.getKey(), releasable(live, Collections.unmodifiableSet(unblocked), new ArrayList<>(s.held), out));
      changed = true;
    }
    if (!changed) return new Release<>(this, List.of());
    return new Release<>(new ResultOrder<>(mode, maxHoldMs, Collections.unmodifiableSortedMap(map)), out);
  }

  /** {@code session_close}: every held result leaves now (per stream in index order) and nothing blocks any more. */
  public Release<R> releaseAll() {
    List<R> out = new ArrayList<>();
    for (Stream<R> s : streams.values()) {
      for (Held<R> h : s.held) out.add(h.result());
    }
    return new Release<>(new ResultOrder<>(mode, maxHoldMs, Collections.unmodifiableSortedMap(new TreeMap<>())), out);
  }

  /** The earliest hold deadline; empty when nothing is held. */
  public OptionalLong holdDueAt() {
    long min = Long.MAX_VALUE;
    boolean any = false;
    for (Stream<R> s : streams.values()) {
      for (Held<R> h : s.held) {
        any = true;
        min = Math.min(min, h.deadline());
      }
    }
    return any ? OptionalLong.of(min) : OptionalLong.empty();
  }

  /** Number of results held, all streams together. */
  public int held() {
    int n = 0;
    for (Stream<R> s : streams.values()) n += s.held.size();
    return n;
  }

  /** Number of live jobs still blocking {@code stream} (for the admin view and tests). */
  public int blocking(String stream) {
    Stream<R> s = streams.get(stream);
    return s == null ? 0 : s.live.size();
  }

  public Mode mode() { return mode; }

  // ------------------------------------------------------------------ internals

  /** Moves every held result with an index below the lowest live one to {@code out}; returns the new stream. */
  private static <R> Stream<R> releasable(TreeSet<Integer> live, Set<Integer> unblocked, List<Held<R>> held, List<R> out) {
    int n = 0;
    while (n < held.size() && (live.isEmpty() || held.get(n).index() < live.first())) {
      out.add(held.get(n).result());
      n++;
    }
    List<Held<R>> rest = List.copyOf(held.subList(n, held.size()));
    return new Stream<>(Collections.unmodifiableSortedSet(live), unblocked, rest);
  }

  private ResultOrder<R> with(String stream, Stream<R> s) {
    TreeMap<String, Stream<R>> map = new TreeMap<>(streams);
    put(map, stream, s);
    return new ResultOrder<>(mode, maxHoldMs, Collections.unmodifiableSortedMap(map));
  }

  private static <R> void put(TreeMap<String, Stream<R>> map, String stream, Stream<R> s) {
    if (s.isEmpty()) map.remove(stream);
    else map.put(stream, s);
  }
}
