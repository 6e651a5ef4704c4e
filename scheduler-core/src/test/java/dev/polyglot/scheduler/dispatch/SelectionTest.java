package dev.polyglot.scheduler.dispatch;

import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.node.NodeState;
import dev.polyglot.scheduler.api.NodeStatus;
import dev.polyglot.scheduler.pool.NodeView;
import dev.polyglot.scheduler.pool.PoolView;
import dev.polyglot.scheduler.testkit.Fixtures;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SelectionTest {
  private static final Set<String> CORE = Set.of("asr", "nmt", "tts");
  private final SplittableRandom rnd = new SplittableRandom(42);

  private static NodeView node(String id, NodeStatus status, boolean draining, boolean over, int running, int reservations) {
    return new NodeView(id, 1, status != NodeStatus.OFFLINE, status, draining, Set.of("zh:en"), CORE, over, running,
        reservations, 0, 4);
  }

  private static PoolView viewOf(NodeView... nodes) {
    return PoolView.empty(1).apply(List.of(nodes), 1);
  }

  private Selection.Outcome select(PoolView v, String affinity, Set<String> excluded) {
    return Selection.select(v, new Selection.Request("zh:en", CORE, excluded, affinity), id -> 0, rnd, 8, 32);
  }

  @Test
  void anEmptyPoolHasNoEligibleNode() {
    assertInstanceOf(Selection.Outcome.NoEligible.class, select(PoolView.empty(1), null, Set.of()));
  }

  @Test
  void allNodesFullIsNoCapacity() {
    PoolView v = viewOf(node("a", NodeStatus.READY, false, false, 4, 0), node("b", NodeStatus.READY, false, false, 0, 4));
    assertInstanceOf(Selection.Outcome.NoCapacity.class, select(v, null, Set.of()));
  }

  @Test
  void nodesOverTheThresholdAreNotSelectableButStillEligible() {
    PoolView v = viewOf(node("a", NodeStatus.READY, false, true, 0, 0));
    assertInstanceOf(Selection.Outcome.NoCapacity.class, select(v, null, Set.of()));
  }

  @Test
  void drainingDegradedAndRegisteringNodesAreNotEligible() {
    PoolView v = viewOf(node("a", NodeStatus.READY, true, false, 0, 0), node("b", NodeStatus.DEGRADED, false, false, 0, 0),
        node("c", NodeStatus.REGISTERING, false, false, 0, 0));
    assertInstanceOf(Selection.Outcome.NoEligible.class, select(v, null, Set.of()));
    PoolView withReady = v.apply(List.of(node("d", NodeStatus.READY, false, false, 0, 0)), 2);
    assertEquals(List.of("d"), ((Selection.Outcome.Candidates) select(withReady, null, Set.of())).nodeIds());
  }

  @Test
  void excludedNodesAreNeverCandidates() {
    PoolView v = viewOf(node("a", NodeStatus.READY, false, false, 0, 0), node("b", NodeStatus.READY, false, false, 0, 0));
    assertEquals(List.of("b"), ((Selection.Outcome.Candidates) select(v, null, Set.of("a"))).nodeIds());
    assertInstanceOf(Selection.Outcome.NoEligible.class, select(v, null, Set.of("a", "b")));
  }

  @Test
  void theAffinityNodeComesFirstWhileItHasAFreeSlot() {
    PoolView v = viewOf(node("a", NodeStatus.READY, false, false, 3, 0), node("b", NodeStatus.READY, false, false, 0, 0),
        node("c", NodeStatus.READY, false, false, 0, 0));
    for (int i = 0; i < 20; i++) {
      assertEquals("a", ((Selection.Outcome.Candidates) select(v, "a", Set.of())).nodeIds().get(0));
    }
    PoolView full = v.apply(List.of(new NodeView("a", 2, true, NodeStatus.READY, false, Set.of("zh:en"), CORE, false, 4, 0, 0, 4)), 2);
    assertFalse(((Selection.Outcome.Candidates) select(full, "a", Set.of())).nodeIds().contains("a"));
  }

  @Test
  void powerOfTwoChoicesPrefersTheFreerOfTwoRandomNodes() {
    PoolView v = viewOf(node("a", NodeStatus.READY, false, false, 3, 0), node("b", NodeStatus.READY, false, false, 0, 0));
    for (int i = 0; i < 20; i++) {
      assertEquals(List.of("b", "a"), ((Selection.Outcome.Candidates) select(v, null, Set.of())).nodeIds());
    }
  }

  @Test
  void aStaleViewVersionIsIgnored() {
    PoolView v = viewOf(node("a", NodeStatus.READY, false, false, 0, 0));
    NodeView staleOffline = new NodeView("a", 0, false, NodeStatus.OFFLINE, false, Set.of("zh:en"), CORE, false, 0, 0, 0, 4);
    PoolView after = v.apply(List.of(staleOffline), 2);
    assertEquals(List.of("a"), ((Selection.Outcome.Candidates) select(after, null, Set.of())).nodeIds());
  }

  @Test
  void candidatesAreCappedAndTheSampleNeverScansALargePoolWithCapacity() {
    List<NodeView> nodes = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) nodes.add(node("n" + i, NodeStatus.READY, false, false, 0, 0));
    PoolView v = PoolView.empty(1).apply(nodes, 1);
    int[] looked = {0};
    Selection.Outcome o = Selection.select(v, new Selection.Request("zh:en", CORE, Set.of(), null),
        id -> { looked[0]++; return 0; }, rnd, 8, 32);
    assertEquals(8, ((Selection.Outcome.Candidates) o).nodeIds().size());
    assertTrue(looked[0] <= 2 * 32 + 8, "probed " + looked[0] + " nodes of 10,000");
  }

  /** After the power-of-two pair come the freest of the rest of the sample, freest first; the others are left out. */
  @Test
  void afterThePairTheFreestOfTheSampleFollowInOrder() {
    List<NodeView> nodes = new ArrayList<>();
    Map<String, Integer> free = new HashMap<>();
    for (int i = 0; i < 12; i++) {
      int running = i % 4; // three nodes each with 4, 3, 2 and 1 free slots
      nodes.add(node("n" + i, NodeStatus.READY, false, false, running, 0));
      free.put("n" + i, 4 - running);
    }
    PoolView v = PoolView.empty(1).apply(nodes, 1);
    for (int round = 0; round < 50; round++) {
      List<String> ids = ((Selection.Outcome.Candidates) select(v, null, Set.of())).nodeIds();
      assertEquals(8, ids.size());
      assertTrue(free.get(ids.get(0)) >= free.get(ids.get(1)), "the freer of the pair goes first: " + ids);
      List<String> rest = ids.subList(2, 8);
      for (int i = 1; i < rest.size(); i++) {
        assertTrue(free.get(rest.get(i - 1)) >= free.get(rest.get(i)), "the rest by free slots, descending: " + ids);
      }
      int leastReturned = free.get(rest.get(rest.size() - 1));
      for (String id : free.keySet()) {
        if (!ids.contains(id)) assertTrue(free.get(id) <= leastReturned, id + " left out although freer: " + ids);
      }
    }
  }

  /** 100 placements in a burst over 10 nodes of 4 slots: exactly 40 granted, 60 no capacity, no node over its slots. */
  @Test
  void aBurstOfOneHundredOverTenNodesOfFourSlotsGrantsExactlyForty() {
    Map<String, NodeState> nodes = new HashMap<>();
    List<NodeView> views = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      NodeState s = Fixtures.readyNode("n" + i, List.of("zh", "en"));
      nodes.put(s.nodeId(), s);
      views.add(s.view(1));
    }
    PoolView view = PoolView.empty(1).apply(views, 1); // the burst sees no newer view
    OwnPlacements own = OwnPlacements.empty(1_000);
    int granted = 0;
    int noCapacity = 0;
    for (int j = 0; j < 100; j++) {
      OwnPlacements ownNow = own;
      Selection.Outcome o = Selection.select(view, new Selection.Request("zh:en", CORE, Set.of(), null),
          id -> ownNow.own(id, view, 0), rnd, 8, 32);
      if (!(o instanceof Selection.Outcome.Candidates c)) {
        assertInstanceOf(Selection.Outcome.NoCapacity.class, o);
        noCapacity++;
        continue;
      }
      boolean placed = false;
      for (String id : c.nodeIds()) {
        own = own.asked(id);
        NodeState.ReserveDecision d = nodes.get(id).reserve("job-" + j, 1, "s", j, CORE, Set.of());
        if (d instanceof NodeState.ReserveDecision.Granted g) {
          nodes.put(id, g.next());
          own = own.answered(id, g.seq(), 0);
          placed = true;
          break;
        }
        own = own.answered(id, null, 0);
      }
      if (placed) granted++; else noCapacity++;
    }
    assertEquals(40, granted);
    assertEquals(60, noCapacity);
    for (NodeState s : nodes.values()) assertEquals(4, s.reservations().size(), s.nodeId());
  }

  private Selection.Outcome selectForTurn(PoolView v, String turnNode) {
    return Selection.select(v, new Selection.Request("zh:en", CORE, Set.of(), null, turnNode), id -> 0, rnd, 8, 32);
  }

  @Test
  void aJobOfATurnGoesOnlyToTheNodeHoldingTheTurn() {
    PoolView v = viewOf(node("a", NodeStatus.READY, false, false, 1, 0), node("b", NodeStatus.READY, false, false, 0, 0));
    for (int i = 0; i < 20; i++) {
      assertEquals(List.of("a"), ((Selection.Outcome.Candidates) selectForTurn(v, "a")).nodeIds());
    }
  }

  @Test
  void aJobOfATurnWaitsForItsNodesSlotRatherThanGoElsewhere() {
    PoolView v = viewOf(node("a", NodeStatus.READY, false, false, 4, 0), node("b", NodeStatus.READY, false, false, 0, 0));
    assertInstanceOf(Selection.Outcome.NoCapacity.class, selectForTurn(v, "a"));
  }

  @Test
  void aJobOfATurnWhoseNodeIsGoneOrNotEligibleIsPlacedAsAnyOther() {
    PoolView offline = viewOf(node("a", NodeStatus.OFFLINE, false, false, 0, 0), node("b", NodeStatus.READY, false, false, 0, 0));
    assertEquals(List.of("b"), ((Selection.Outcome.Candidates) selectForTurn(offline, "a")).nodeIds());
    PoolView draining = viewOf(node("a", NodeStatus.READY, true, false, 0, 0), node("b", NodeStatus.READY, false, false, 0, 0));
    assertEquals(List.of("b"), ((Selection.Outcome.Candidates) selectForTurn(draining, "a")).nodeIds());
    PoolView unknown = viewOf(node("b", NodeStatus.READY, false, false, 0, 0));
    assertEquals(List.of("b"), ((Selection.Outcome.Candidates) selectForTurn(unknown, "a")).nodeIds());
  }

  /**
   * A saturated pool of 10,000 (every node Ready and full) answers NoCapacity after the sample, not after probing the
   * whole pool: counted by the calls for the dispatcher's own placements, one per eligible node probed.
   */
  @Test
  void aSaturatedPoolAnswersWithoutProbingEveryNode() {
    List<NodeView> nodes = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) nodes.add(node("n" + i, NodeStatus.READY, false, false, 4, 0));
    PoolView full = PoolView.empty(1).apply(nodes, 1);
    int[] probed = {0};
    Selection.Outcome o = Selection.select(full, new Selection.Request("zh:en", CORE, Set.of(), null), id -> {
      probed[0]++;
      return 0;
    }, rnd, 8, 32);
    assertInstanceOf(Selection.Outcome.NoCapacity.class, o);
    assertTrue(probed[0] <= 32, "probed " + probed[0] + " nodes of 10,000");
    // one node with a free slot anywhere in the pool is still found, however far from the sample
    PoolView oneFree = full.apply(List.of(new NodeView("n7777", 2, true, NodeStatus.READY, false, Set.of("zh:en"), CORE,
        false, 3, 0, 0, 4)), 2);
    for (int i = 0; i < 20; i++) {
      assertEquals(List.of("n7777"), ((Selection.Outcome.Candidates) select(oneFree, null, Set.of())).nodeIds());
    }
  }

  /**
   * Against a brute-force oracle over random pools: Candidates exactly when some node is selectable (and then only
   * selectable ones), else NoCapacity exactly when some node is eligible, else NoEligible.
   */
  @Test
  void theOutcomeIsExactAgainstABruteForceOracle() {
    SplittableRandom r = new SplittableRandom(11);
    NodeStatus[] statuses = NodeStatus.values();
    for (int round = 0; round < 3_000; round++) {
      int n = 1 + r.nextInt(r.nextBoolean() ? 6 : 80);
      List<NodeView> nodes = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        NodeStatus status = r.nextInt(3) == 0 ? statuses[r.nextInt(statuses.length)] : NodeStatus.READY;
        Set<String> types = r.nextInt(6) == 0 ? Set.of("asr") : CORE;
        nodes.add(new NodeView("n" + i, 1, status != NodeStatus.OFFLINE, status, r.nextInt(8) == 0, Set.of("zh:en"), types,
            r.nextInt(6) == 0, r.nextInt(5), r.nextInt(5), 0, 4));
      }
      PoolView v = PoolView.empty(1).apply(nodes, 1);
      Set<String> excluded = r.nextInt(4) == 0 ? Set.of("n0", "n1") : Set.of();
      Map<String, Integer> own = new HashMap<>();
      for (int i = 0; i < n; i++) if (r.nextInt(5) == 0) own.put("n" + i, 1 + r.nextInt(3));
      Selection.Request req = new Selection.Request("zh:en", CORE, excluded, r.nextInt(4) == 0 ? "n" + r.nextInt(n) : null);
      Selection.Outcome o = Selection.select(v, req, id -> own.getOrDefault(id, 0), r, 8, 1 + r.nextInt(32));
      boolean anySelectable = false;
      boolean anyEligible = false;
      Set<String> selectable = new java.util.HashSet<>();
      for (NodeView x : nodes) {
        if (!Selection.eligible(x, req)) continue;
        anyEligible = true;
        if (Selection.freeIfSelectable(x, id -> own.getOrDefault(id, 0)) > 0) {
          anySelectable = true;
          selectable.add(x.nodeId());
        }
      }
      String where = "round " + round + ", " + n + " nodes";
      if (anySelectable) {
        assertInstanceOf(Selection.Outcome.Candidates.class, o, where);
        assertTrue(selectable.containsAll(((Selection.Outcome.Candidates) o).nodeIds()), where);
      } else if (anyEligible) {
        assertInstanceOf(Selection.Outcome.NoCapacity.class, o, where);
      } else {
        assertInstanceOf(Selection.Outcome.NoEligible.class, o, where);
      }
    }
  }
}
