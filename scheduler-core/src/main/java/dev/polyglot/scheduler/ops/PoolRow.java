package dev.polyglot.scheduler.ops;

import java.util.List;

/**
 * One language pool as operators see it (spec/BEHAVIOUR.md §4): its member nodes (connected), the eligible ones
 * (Ready, not draining, the default pipeline's types ready), the selectable ones (eligible, under the resource
 * threshold, a free slot), their free slots, and the jobs waiting for it in this instance's placement queue.
 * {@code pool.PoolStats} computes the rows from a pool view.
 */
public record PoolRow(String pair, String src, String tgt, int nodes, int eligibleNodes, int selectableNodes,
                      int freeSlots, int pendingJobs, List<String> nodeIds) {}
