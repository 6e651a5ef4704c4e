package dev.polyglot.scheduler.pool;

import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.api.NodeStatus;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PoolViewTest {

  static NodeView view(String id, long version, boolean connected, Set<String> pools) {
    return new NodeView(id, version, connected, connected ? NodeStatus.READY : NodeStatus.OFFLINE, false, pools,
        Set.of("asr", "nmt", "tts"), false, 0, 0, 0, 4);
  }

  static Set<String> members(PoolView v, String pool) {
    Set<String> out = new HashSet<>();
    PoolView.Members m = v.members(pool);
    for (int i = 0; i < m.size(); i++) out.add(m.get(i));
    return out;
  }

  @Test
  void nodesJoinThePoolsTheirViewNamesAndLeaveAllWhenOffline() {
    PoolView v = PoolView.empty(1).apply(List.of(
        view("a", 1, true, Set.of("zh:en", "en:zh")), view("b", 1, true, Set.of("zh:en"))), 1);
    assertEquals(Set.of("a", "b"), members(v, "zh:en"));
    assertEquals(Set.of("a"), members(v, "en:zh"));
    v = v.apply(List.of(view("a", 2, false, Set.of("zh:en", "en:zh"))), 2);
    assertEquals(Set.of("b"), members(v, "zh:en"));
    assertEquals(0, v.members("en:zh").size());
    assertTrue(v.node("a").isPresent(), "an offline node is still known, just in no pool");
  }

  @Test
  void anOlderNodeVersionIsIgnored() {
    PoolView v = PoolView.empty(1).apply(List.of(view("a", 5, true, Set.of("zh:en"))), 1);
    PoolView after = v.apply(List.of(view("a", 4, false, Set.of("zh:en"))), 2);
    assertTrue(after.node("a").orElseThrow().connected());
    assertEquals(Set.of("a"), members(after, "zh:en"));
  }

  @Test
  void removalSwapsInTheLastMemberAndKeepsEveryoneElse() {
    PoolView v = PoolView.empty(1);
    for (int i = 0; i < 100; i++) v = v.apply(List.of(view("n" + i, 1, true, Set.of("p"))), i + 1);
    PoolView earlier = v;
    for (int i = 0; i < 100; i += 3) v = v.apply(List.of(view("n" + i, 2, false, Set.of("p"))), 200 + i);
    Set<String> expected = new HashSet<>();
    for (int i = 0; i < 100; i++) if (i % 3 != 0) expected.add("n" + i);
    assertEquals(expected, members(v, "p"));
    assertEquals(100, members(earlier, "p").size(), "an earlier view is unchanged by later updates");
  }

  @Test
  void aForgottenNodeLeavesTheViewForGood() {
    PoolView v = PoolView.empty(1).apply(List.of(view("a", 1, true, Set.of("zh:en")), view("b", 1, true, Set.of("zh:en"))), 1);
    v = v.apply(List.of(view("a", 2, false, Set.of("zh:en"))), 2).remove(List.of("a"), 3);
    assertTrue(v.node("a").isEmpty());
    assertEquals(Set.of("b"), members(v, "zh:en"));
    assertEquals(1, v.nodeCount());
  }

  @Test
  void olderThanComparesEpochThenVersion() {
    PoolView v = PoolView.empty(5).apply(List.of(), 7);
    assertTrue(v.olderThan(6, 0));
    assertTrue(v.olderThan(5, 8));
    assertFalse(v.olderThan(5, 7));
    assertFalse(v.olderThan(4, 100));
  }

  /** Random changes, offline nodes and forgotten ones: each pool's ready and open counts equal a recount of its members. */
  @Test
  void eachPoolCountsItsReadyAndOpenMembersThroughEveryChange() {
    SplittableRandom rnd = new SplittableRandom(7);
    List<String> poolNames = List.of("zh:en", "en:zh", "ja:en");
    NodeStatus[] statuses = NodeStatus.values();
    PoolView v = PoolView.empty(1);
    long version = 1;
    for (int step = 0; step < 5_000; step++) {
      String id = "n" + rnd.nextInt(40);
      if (rnd.nextInt(20) == 0) {
        v = v.remove(List.of(id), ++version);
      } else {
        // a batch of one to three changes, now and then two of the same node (the later one newer)
        List<NodeView> batch = new java.util.ArrayList<>();
        java.util.Map<String, Long> versions = new java.util.HashMap<>();
        for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
          String bid = batch.isEmpty() || rnd.nextInt(3) != 0 ? id : "n" + rnd.nextInt(40);
          NodeView old = v.nodeOrNull(bid);
          long base = versions.getOrDefault(bid, old == null ? 0 : old.version());
          long nodeVersion = base + (rnd.nextInt(10) == 0 ? 0 : 1); // now and then stale
          versions.put(bid, Math.max(base, nodeVersion));
          Set<String> pools = new HashSet<>();
          for (String p : poolNames) if (rnd.nextBoolean()) pools.add(p);
          NodeStatus status = statuses[rnd.nextInt(statuses.length)];
          batch.add(new NodeView(bid, nodeVersion, status != NodeStatus.OFFLINE && rnd.nextInt(8) != 0, status,
              rnd.nextInt(6) == 0, pools, Set.of("asr", "nmt"), rnd.nextInt(5) == 0, rnd.nextInt(5), rnd.nextInt(5), 0, 4));
        }
        v = v.apply(batch, ++version);
      }
      for (String p : poolNames) {
        Set<String> expected = new HashSet<>();
        for (NodeView n : v.allNodes()) if (n.connected() && n.pools().contains(p)) expected.add(n.nodeId());
        assertEquals(expected, members(v, p), "members of " + p + " after step " + step);
        int ready = 0;
        int open = 0;
        for (String member : members(v, p)) {
          NodeView n = v.nodeOrNull(member);
          if (n.ready()) ready++;
          if (n.open()) open++;
        }
        assertEquals(ready, v.members(p).ready(), "ready members of " + p + " after step " + step);
        assertEquals(open, v.members(p).open(), "open members of " + p + " after step " + step);
      }
    }
  }
}
