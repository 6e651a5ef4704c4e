package dev.polyglot.scheduler.dispatch;

import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.api.NodeStatus;
import dev.polyglot.scheduler.pool.NodeView;
import dev.polyglot.scheduler.pool.PoolView;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OwnPlacementsTest {
  private static PoolView viewWithSeq(long seq) {
    return PoolView.empty(1).apply(List.of(new NodeView("a", seq + 1, true, NodeStatus.READY, false, Set.of("p"),
        Set.of(), false, 0, 0, seq, 4)), 1);
  }

  @Test
  void outstandingAsksAndUnseenGrantsCountUntilTheViewShowsThem() {
    OwnPlacements own = OwnPlacements.empty(1_000).asked("a").asked("a");
    assertEquals(2, own.own("a", viewWithSeq(0), 0));
    own = own.answered("a", 1L, 0).answered("a", null, 0);
    assertEquals(1, own.own("a", viewWithSeq(0), 10), "the grant is not in the view yet");
    assertEquals(0, own.own("a", viewWithSeq(1), 10), "the view shows it now");
    assertEquals(0, own.prune(viewWithSeq(1), 10).trackedNodes());
  }

  /** Regression: with the directory gone no newer view came, grants piled up and the node looked full forever. */
  @Test
  void aGrantNoViewEverShowsStopsCountingAfterItsTtl() {
    OwnPlacements own = OwnPlacements.empty(1_000);
    for (long seq = 1; seq <= 4; seq++) own = own.asked("a").answered("a", seq, 0);
    assertEquals(4, own.own("a", viewWithSeq(0), 999));
    assertEquals(0, own.own("a", viewWithSeq(0), 1_000));
    assertEquals(0, own.prune(viewWithSeq(0), 1_000).trackedNodes());
  }
}
