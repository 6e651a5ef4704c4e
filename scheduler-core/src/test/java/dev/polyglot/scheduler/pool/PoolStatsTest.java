package dev.polyglot.scheduler.pool;

import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.api.NodeStatus;
import dev.polyglot.scheduler.ops.PoolRow;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PoolStatsTest {

  private static NodeView node(String id, NodeStatus status, boolean draining, boolean over, int running, Set<String> pools) {
    return new NodeView(id, 1, status != NodeStatus.OFFLINE, status, draining, pools, Set.of("asr", "nmt", "tts"), over,
        running, 0, 0, 4);
  }

  @Test
  void countsMembersEligibleAndSelectableNodesTheirFreeSlotsAndWaitingJobsPerPool() {
    PoolView view = PoolView.empty(1).apply(List.of(
        node("a", NodeStatus.READY, false, false, 1, Set.of("en:ja", "ja:en")),
        node("b", NodeStatus.READY, true, false, 0, Set.of("en:ja")),        // draining: member, not eligible
        node("c", NodeStatus.READY, false, true, 0, Set.of("en:ja")),        // over threshold: eligible, not selectable
        node("d", NodeStatus.READY, false, false, 4, Set.of("en:ja")),       // full
        node("e", NodeStatus.OFFLINE, false, false, 0, Set.of("en:ja"))), 2); // offline: not a member
    List<PoolRow> rows = PoolStats.of(view, Map.of("en:ja", 2, "zh:en", 1));
    assertEquals(List.of("en:ja", "ja:en", "zh:en"), rows.stream().map(PoolRow::pair).toList());
    PoolRow enJa = rows.get(0);
    assertEquals(4, enJa.nodes());
    assertEquals(3, enJa.eligibleNodes());
    assertEquals(1, enJa.selectableNodes());
    assertEquals(3 + 4 + 0, enJa.freeSlots());
    assertEquals(2, enJa.pendingJobs());
    assertEquals(List.of("a", "b", "c", "d"), enJa.nodeIds());
    assertEquals("en", enJa.src());
    assertEquals("ja", enJa.tgt());
    assertEquals(1, rows.get(2).pendingJobs(), "a pool with waiting jobs and no node is listed");
    assertEquals(0, rows.get(2).nodes());
  }
}
