package dev.polyglot.scheduler.pool;

import dev.polyglot.scheduler.api.ClusterMessage;
import dev.polyglot.scheduler.api.NodeStatus;
import java.util.Set;

/**
 * What placement needs to know about one node, as its NodeEntity last announced it. Immutable; a newer
 * {@code version} replaces an older one. The NodeEntity stays the authority on capacity: a stale view
 * costs at most a refused reservation.
 */
public record NodeView(
    String nodeId,
    long version,
    boolean connected,
    NodeStatus status,
    boolean draining,
    Set<String> pools,
    Set<String> readyTypes,
    boolean overThreshold,
    int runningJobs,
    int reservations,
    long reservationSeq,
    int maxSlots) implements ClusterMessage {

  public NodeView {
    pools = Set.copyOf(pools);
    readyTypes = Set.copyOf(readyTypes);
  }

  /** Connected, Ready, not draining, every required type ready (pool and exclusion are checked by the caller). */
  public boolean eligibleFor(Set<String> requiredTypes) {
    return connected && status == NodeStatus.READY && !draining && readyTypes.containsAll(requiredTypes);
  }

  /** Connected, Ready and not draining: eligible for some request (the types aside). */
  public boolean ready() {
    return connected && status == NodeStatus.READY && !draining;
  }

  /**
   * Ready, under its threshold and with a free slot before any dispatcher's own placements: a node that is not open
   * is selectable for no request, since own placements only take slots away.
   */
  public boolean open() {
    return ready() && !overThreshold && freeSlots(0) > 0;
  }

  /** {@code max − max(running_jobs, reservations + own)}, never negative (spec/BEHAVIOUR.md §5 step 2). */
  public int freeSlots(int own) {
    return Math.max(0, maxSlots - Math.max(runningJobs, reservations + own));
  }

  /** Same placement meaning, ignoring the version: used to decide whether a change must be announced. */
  public boolean samePlacementFacts(NodeView o) {
    return o != null && connected == o.connected && status == o.status && draining == o.draining
        && overThreshold == o.overThreshold && runningJobs == o.runningJobs && reservations == o.reservations
        && reservationSeq == o.reservationSeq && maxSlots == o.maxSlots && pools.equals(o.pools)
        && readyTypes.equals(o.readyTypes);
  }
}
