package dev.polyglot.scheduler.dispatch;

import dev.polyglot.scheduler.pool.NodeView;
import dev.polyglot.scheduler.pool.PoolView;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.ToIntFunction;
import java.util.random.RandomGenerator;

/**
 * Orders the candidate nodes for one placement (spec/BEHAVIOUR.md §5 steps 1–3). Pure: the view, the
 * dispatcher's own recent placements and the random source are inputs.
 *
 * <p>Promises: a job whose turn already lives on a node that is connected and eligible gets that node alone, or
 * {@link Outcome.NoCapacity} while it has no free slot (spec/BEHAVIOUR.md §7.5); otherwise the affinity node first when it is selectable; then power of two choices between two random
 * selectable nodes; then the rest of a random sample by free slots. It probes the pool in a random
 * permutation (random start, random stride coprime with the size) and stops after {@code sampleSize} probes
 * once it holds a selectable node, so a selection costs the same on 10 nodes and on 10,000 while capacity
 * exists. {@link Outcome.NoEligible} and {@link Outcome.NoCapacity} are exact: when nothing selectable turns
 * up in the sample the probe continues until one does or the pool is exhausted, unless the pool's counts
 * ({@link PoolView.Members#ready()}, {@link PoolView.Members#open()}) already settle it: with no ready member the
 * answer is NoEligible at once, and with no open member (none has a free slot under its threshold) the probe stops
 * at the first eligible node it meets once past the sample, NoCapacity. So a saturated pool answers in about a
 * sample's time too, not a whole pool's, for a request most of its nodes can serve (the counts ignore required types
 * and exclusions: a request whose eligible nodes are rare may still probe much of the pool).
 */
public final class Selection {
  private Selection() {}

  /** {@code turnNode}: the node holding the earlier jobs of the job's turn, or null (see {@link #select}). */
  public record Request(String pool, Set<String> requiredTypes, Set<String> excluded, String affinity, String turnNode) {
    public Request(String pool, Set<String> requiredTypes, Set<String> excluded, String affinity) {
      this(pool, requiredTypes, excluded, affinity, null);
    }
  }

  public sealed interface Outcome {
    /** No node of the pool is eligible at all (§5 step 1). */
    record NoEligible() implements Outcome {}

    /** Eligible nodes exist but none has a free slot under the threshold now. */
    record NoCapacity() implements Outcome {}

    /** Candidates to ask in order, at most {@code maxCandidates}. */
    record Candidates(List<String> nodeIds) implements Outcome {}
  }

  public static Outcome select(PoolView view, Request req, ToIntFunction<String> own, RandomGenerator rnd,
                               int maxCandidates, int sampleSize) {
    if (req.turnNode() != null) {
      NodeView t = view.nodeOrNull(req.turnNode());
      if (t != null && eligible(t, req)) {
        // the turn's node holds its buffered audio: it or nothing (the job waits for its slot)
        return freeIfSelectable(t, own) > 0 ? new Outcome.Candidates(List.of(t.nodeId())) : new Outcome.NoCapacity();
      }
    }
    PoolView.Members members = view.members(req.pool());
    int n = members.size();
    // no member is ready, so none is eligible for any request (the affinity node included)
    if (n == 0 || members.ready() == 0) return new Outcome.NoEligible();
    // no member is open, so none is selectable: past the sample the probe only has to learn whether any is eligible
    boolean noneOpen = members.open() == 0;
    boolean sawEligible = false;
    String affinity = null;
    if (req.affinity() != null && members.contains(req.affinity())) {
      NodeView a = view.nodeOrNull(req.affinity());
      if (a != null && eligible(a, req)) {
        sawEligible = true;
        if (freeIfSelectable(a, own) > 0) affinity = req.affinity();
      }
    }
    // The first two selectable nodes of the sample are the power-of-two pair; of the rest only the best
    // `rest.length` by free slots can be returned, so they are kept in a small sorted array (stable: ties keep
    // their random order) instead of collecting and sorting the whole sample.
    String first = null;
    String second = null;
    int firstFree = 0;
    int secondFree = 0;
    int picked = 0;
    TopFree rest = new TopFree(Math.max(0, maxCandidates - 2 - (affinity != null ? 1 : 0)));
    int start = rnd.nextInt(n);
    int stride = coprimeStride(n, rnd);
    for (int probe = 0; probe < n; probe++) {
      if (picked >= sampleSize || (probe >= sampleSize && (picked > 0 || affinity != null || (noneOpen && sawEligible)))) break;
      String id = members.get((int) ((start + (long) probe * stride) % n));
      if (id.equals(affinity)) continue;
      NodeView v = view.nodeOrNull(id);
      if (v == null || !eligible(v, req)) continue;
      sawEligible = true;
      int free = freeIfSelectable(v, own);
      if (free <= 0) continue;
      if (picked == 0) {
        first = id;
        firstFree = free;
      } else if (picked == 1) {
        second = id;
        secondFree = free;
      } else {
        rest.offer(id, free);
      }
      picked++;
    }
    if (picked == 0 && affinity == null) {
      return sawEligible ? new Outcome.NoCapacity() : new Outcome.NoEligible();
    }
    List<String> ordered = new ArrayList<>(Math.min(maxCandidates, picked + 1));
    if (affinity != null) ordered.add(affinity);
    if (second != null && secondFree > firstFree) {
      ordered.add(second);
      ordered.add(first);
    } else {
      if (first != null) ordered.add(first);
      if (second != null) ordered.add(second);
    }
    rest.drainTo(ordered);
    return new Outcome.Candidates(List.copyOf(ordered.subList(0, Math.min(maxCandidates, ordered.size()))));
  }

  /** The best {@code capacity} offers by free slots, descending; an offer ties after the ones already held. */
  private static final class TopFree {
    private final String[] ids;
    private final int[] free;
    private int size;

    TopFree(int capacity) {
      ids = new String[capacity];
      free = new int[capacity];
    }

    void offer(String id, int f) {
      int cap = ids.length;
      if (cap == 0 || (size == cap && f <= free[cap - 1])) return;
      int i = size < cap ? size++ : cap - 1;
      while (i > 0 && free[i - 1] < f) {
        ids[i] = ids[i - 1];
        free[i] = free[i - 1];
        i--;
      }
      ids[i] = id;
      free[i] = f;
    }

    void drainTo(List<String> out) {
      for (int i = 0; i < size; i++) out.add(ids[i]);
    }
  }

  static boolean eligible(NodeView v, Request req) {
    return v.eligibleFor(req.requiredTypes()) && !req.excluded().contains(v.nodeId()) && v.pools().contains(req.pool());
  }

  /** The node's free slots counting this dispatcher's own placements, or 0 when it is over its threshold. */
  static int freeIfSelectable(NodeView v, ToIntFunction<String> own) {
    return v.overThreshold() ? 0 : v.freeSlots(own.applyAsInt(v.nodeId()));
  }

  private static int coprimeStride(int n, RandomGenerator rnd) {
    if (n <= 2) return 1;
    for (int i = 0; i < 8; i++) {
      int s = 1 + rnd.nextInt(n - 1);
      if (gcd(s, n) == 1) return s;
    }
    return 1;
  }

  private static int gcd(int a, int b) {
    while (b != 0) {
      int t = a % b;
      a = b;
      b = t;
    }
    return a;
  }
}
