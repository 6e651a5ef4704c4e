package dev.polyglot.scheduler.pool;

import dev.polyglot.scheduler.api.ClusterMessage;
import java.util.List;

/**
 * What the PoolDirectory publishes: the node views that changed since {@code version − 1} of {@code epoch}
 * (a delta, O(changed)), or every view when {@code full}. A receiver applies deltas in version order and
 * asks for a full update when it sees a gap or a new epoch. {@code removed} names forgotten nodes.
 */
public record PoolUpdate(long epoch, long version, List<NodeView> changed, boolean full, List<String> removed)
    implements ClusterMessage {
  public PoolUpdate {
    changed = List.copyOf(changed);
    removed = removed == null ? List.of() : List.copyOf(removed);
  }

  public PoolUpdate(long epoch, long version, List<NodeView> changed, boolean full) {
    this(epoch, version, changed, full, List.of());
  }
}
