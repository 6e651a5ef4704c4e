package dev.polyglot.scheduler.dispatch;

import dev.polyglot.scheduler.pool.PoolView;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * This dispatcher's placements that its current view does not show yet: reservation asks still outstanding,
 * and grants whose sequence number is above the node's published {@code reservation_seq}. Counting them keeps
 * a burst from piling onto one node between two views (spec/BEHAVIOUR.md §5 step 2). Immutable.
 */
public final class OwnPlacements {
  private static final OwnPlacements EMPTY = new OwnPlacements(Map.of(), Map.of());

  private final Map<String, Integer> outstanding;
  private final Map<String, List<Long>> grants;

  private OwnPlacements(Map<String, Integer> outstanding, Map<String, List<Long>> grants) {
    this.outstanding = outstanding;
    this.grants = grants;
  }

  public static OwnPlacements empty() {
    return EMPTY;
  }

  /** Own placements on a node that {@code view} does not account for. */
  public int own(String nodeId, PoolView view) {
    int n = outstanding.getOrDefault(nodeId, 0);
    List<Long> g = grants.get(nodeId);
    if (g != null) {
      long seen = view.node(nodeId).map(v -> v.reservationSeq()).orElse(Long.MIN_VALUE);
      for (long seq : g) if (seq > seen) n++;
    }
    return n;
  }

  public OwnPlacements asked(String nodeId) {
    Map<String, Integer> o = new HashMap<>(outstanding);
    o.merge(nodeId, 1, Integer::sum);
    return new OwnPlacements(Map.copyOf(o), grants);
  }

  /** The ask was answered (or timed out); a grant is remembered until a view shows it. */
  public OwnPlacements answered(String nodeId, Long grantedSeq) {
    Map<String, Integer> o = new HashMap<>(outstanding);
    o.computeIfPresent(nodeId, (k, v) -> v <= 1 ? null : v - 1);
    Map<String, List<Long>> g = grants;
    if (grantedSeq != null) {
      g = new HashMap<>(grants);
      List<Long> list = new java.util.ArrayList<>(g.getOrDefault(nodeId, List.of()));
      list.add(grantedSeq);
      g.put(nodeId, List.copyOf(list));
      g = Map.copyOf(g);
    }
    return new OwnPlacements(Map.copyOf(o), g);
  }

  /** Forgets grants that {@code view} now shows. */
  public OwnPlacements prune(PoolView view) {
    if (grants.isEmpty()) return this;
    Map<String, List<Long>> g = new HashMap<>();
    grants.forEach((node, seqs) -> {
      long seen = view.node(node).map(v -> v.reservationSeq()).orElse(Long.MIN_VALUE);
      List<Long> keep = seqs.stream().filter(s -> s > seen).toList();
      if (!keep.isEmpty()) g.put(node, keep);
    });
    return new OwnPlacements(outstanding, Map.copyOf(g));
  }

  public int trackedNodes() {
    return outstanding.size() + grants.size();
  }
}
