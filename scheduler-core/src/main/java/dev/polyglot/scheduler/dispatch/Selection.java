package dev.polyglot.scheduler.dispatch;

import dev.polyglot.scheduler.pool.NodeView;
import dev.polyglot.scheduler.pool.PoolView;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.ToIntFunction;
import java.util.random.RandomGenerator;

/**
 * Orders the candidate nodes for one placement (spec/BEHAVIOUR.md §5 steps 1–3). Pure: the view, the
 * dispatcher's own recent placements and the random source are inputs.
 *
 * <p>Promises: the affinity node first when it is selectable; then power of two choices between two random
 * selectable nodes; then the rest of a random sample by free slots. It probes the pool in a random
 * permutation (random start, random stride coprime with the size) and stops after {@code sampleSize} probes
 * once it holds a selectable node, so a selection costs the same on 10 nodes and on 10,000 while capacity
 * exists. {@link Outcome.NoEligible} and {@link Outcome.NoCapacity} are exact: when nothing selectable turns
 * up in the sample the probe continues until one does or the pool is exhausted.
 */
public final class Selection {
  private Selection() {}

  public record Request(String pool, Set<String> requiredTypes, Set<String> excluded, String affinity) {}

  public sealed interface Outcome {
    /** No node of the pool is eligible at all (§5 step 1). */
    record NoEligible() implements Outcome {}

    /** Eligible nodes exist but none has a free slot under the threshold now. */
    record NoCapacity() implements Outcome {}

    /** Candidates to ask in order, at most {@code maxCandidates}. */
    record Candidates(List<String> nodeIds) implements Outcome {}
  }

  private record Scored(String nodeId, int free) {}

  public static Outcome select(PoolView view, Request req, ToIntFunction<String> own, RandomGenerator rnd,
                               int maxCandidates, int sampleSize) {
    PoolView.Members members = view.members(req.pool());
    int n = members.size();
    if (n == 0) return new Outcome.NoEligible();
    boolean sawEligible = false;
    String affinity = null;
    if (req.affinity() != null && members.contains(req.affinity())) {
      Optional<NodeView> a = view.node(req.affinity());
      if (a.isPresent() && eligible(a.get(), req)) {
        sawEligible = true;
        if (selectable(a.get(), own)) affinity = req.affinity();
      }
    }
    List<Scored> picked = new ArrayList<>();
    int start = rnd.nextInt(n);
    int stride = coprimeStride(n, rnd);
    for (int probe = 0; probe < n; probe++) {
      if (picked.size() >= sampleSize || (probe >= sampleSize && (!picked.isEmpty() || affinity != null))) break;
      String id = members.get((int) ((start + (long) probe * stride) % n));
      if (id.equals(affinity)) continue;
      NodeView v = view.node(id).orElse(null);
      if (v == null || !eligible(v, req)) continue;
      sawEligible = true;
      if (selectable(v, own)) picked.add(new Scored(id, v.freeSlots(own.applyAsInt(id))));
    }
    if (picked.isEmpty() && affinity == null) {
      return sawEligible ? new Outcome.NoCapacity() : new Outcome.NoEligible();
    }
    List<String> ordered = new ArrayList<>(Math.min(maxCandidates, picked.size() + 1));
    if (affinity != null) ordered.add(affinity);
    if (picked.size() >= 2) {
      Scored a = picked.get(0);
      Scored b = picked.get(1);
      boolean bFirst = b.free() > a.free();
      ordered.add(bFirst ? b.nodeId() : a.nodeId());
      ordered.add(bFirst ? a.nodeId() : b.nodeId());
      List<Scored> rest = new ArrayList<>(picked.subList(2, picked.size()));
      rest.sort(Comparator.comparingInt(Scored::free).reversed()); // stable: ties keep their random order
      for (Scored s : rest) ordered.add(s.nodeId());
    } else if (picked.size() == 1) {
      ordered.add(picked.get(0).nodeId());
    }
    return new Outcome.Candidates(List.copyOf(ordered.subList(0, Math.min(maxCandidates, ordered.size()))));
  }

  static boolean eligible(NodeView v, Request req) {
    return v.eligibleFor(req.requiredTypes()) && !req.excluded().contains(v.nodeId()) && v.pools().contains(req.pool());
  }

  static boolean selectable(NodeView v, ToIntFunction<String> own) {
    return !v.overThreshold() && v.freeSlots(own.applyAsInt(v.nodeId())) > 0;
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
