package dev.polyglot.scheduler.dispatch;

import dev.polyglot.scheduler.pool.PoolView;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * This dispatcher's placements that its current view does not show yet: reservation asks still outstanding,
 * and grants whose sequence number is above the node's published {@code reservation_seq}. Counting them keeps
 * a burst from piling onto one node between two views (spec/BEHAVIOUR.md §5 step 2). A grant counts for at most
 * {@code grantTtlMs}: when no newer view comes (the directory is moving), the nodes, which are the authority
 * on capacity, decide again instead of a correction that can no longer be checked. Immutable.
 */
public final class OwnPlacements {
  /** One grant: its sequence number and when this dispatcher received it (monotonic ms). */
  private record Grant(long seq, long atMs) {}

  private final Map<String, Integer> outstanding;
  private final Map<String, List<Grant>> grants;
  private final long grantTtlMs;

  private OwnPlacements(Map<String, Integer> outstanding, Map<String, List<Grant>> grants, long grantTtlMs) {
    this.outstanding = outstanding;
    this.grants = grants;
    this.grantTtlMs = grantTtlMs;
  }

  public static OwnPlacements empty(long grantTtlMs) {
    return new OwnPlacements(Map.of(), Map.of(), grantTtlMs);
  }

  /** Own placements on a node that {@code view} does not account for, at monotonic time {@code nowMs}. */
  public int own(String nodeId, PoolView view, long nowMs) {
    int n = outstanding.getOrDefault(nodeId, 0);
    List<Grant> g = grants.get(nodeId);
    if (g != null) {
      long seen = view.node(nodeId).map(v -> v.reservationSeq()).orElse(Long.MIN_VALUE);
      for (Grant grant : g) if (grant.seq() > seen && nowMs - grant.atMs() < grantTtlMs) n++;
    }
    return n;
  }

  public OwnPlacements asked(String nodeId) {
    Map<String, Integer> o = new HashMap<>(outstanding);
    o.merge(nodeId, 1, Integer::sum);
    return new OwnPlacements(Map.copyOf(o), grants, grantTtlMs);
  }

  /** The ask was answered (or timed out); a grant is remembered until a view shows it or it expires. */
  public OwnPlacements answered(String nodeId, Long grantedSeq, long nowMs) {
    Map<String, Integer> o = new HashMap<>(outstanding);
    o.computeIfPresent(nodeId, (k, v) -> v <= 1 ? null : v - 1);
    Map<String, List<Grant>> g = grants;
    if (grantedSeq != null) {
      g = new HashMap<>(grants);
      List<Grant> list = new java.util.ArrayList<>(g.getOrDefault(nodeId, List.of()));
      list.add(new Grant(grantedSeq, nowMs));
      g.put(nodeId, List.copyOf(list));
      g = Map.copyOf(g);
    }
    return new OwnPlacements(Map.copyOf(o), g, grantTtlMs);
  }

  /** Forgets grants that {@code view} now shows, and expired ones. */
  public OwnPlacements prune(PoolView view, long nowMs) {
    if (grants.isEmpty()) return this;
    Map<String, List<Grant>> g = new HashMap<>();
    grants.forEach((node, list) -> {
      long seen = view.node(node).map(v -> v.reservationSeq()).orElse(Long.MIN_VALUE);
      List<Grant> keep = list.stream().filter(x -> x.seq() > seen && nowMs - x.atMs() < grantTtlMs).toList();
      if (!keep.isEmpty()) g.put(node, keep);
    });
    return new OwnPlacements(outstanding, Map.copyOf(g), grantTtlMs);
  }

  public int trackedNodes() {
    return outstanding.size() + grants.size();
  }
}
