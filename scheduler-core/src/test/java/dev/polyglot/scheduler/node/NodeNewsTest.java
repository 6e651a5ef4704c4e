package dev.polyglot.scheduler.node;

import static dev.polyglot.scheduler.testkit.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.api.NodeFacts;
import dev.polyglot.scheduler.api.NodeStatus;
import dev.polyglot.scheduler.api.NodeSummary;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeNewsTest {
  private static final long EVERY = 5_000;

  @Test
  void aRegistrationIsReportedLoggedToldToTheAgentAndAnnounced() {
    NodeState unknown = NodeState.unknown("n", LIMITS);
    NodeState registered = unknown.register(agentFacts(List.of("en")), 100);
    NodeNews.Step step = NodeNews.start(1_000).changed(unknown, registered, true, 100, 7, EVERY);
    assertEquals(NodeStatus.REGISTERING, step.report().status());
    assertEquals(7, step.reportedAtMono());
    assertEquals(NodeStatus.REGISTERING, step.transition().to());
    assertEquals(List.of(new NodeSocket.SendStatus(NodeStatus.REGISTERING, "registered", 100)), step.toAgent());
    assertEquals(1_001, step.view().version());
  }

  @Test
  void heartbeatsThatChangeNoPlacementFactAnnounceNothingAndAreReportedOncePerInterval() {
    NodeState ready = readyNode("n", List.of("en"));
    NodeNews news = NodeNews.start(0).changed(NodeState.unknown("n", LIMITS), ready, true, 1, 0, EVERY).next();
    NodeState next = ready.heartbeat(usage(12, 0), ready.facts(), 2);
    NodeNews.Step soon = news.changed(ready, next, true, 2, EVERY - 1, EVERY);
    assertNull(soon.view());
    assertNull(soon.report(), "no status change and the interval has not passed");
    assertNull(soon.transition());
    assertEquals(List.of(), soon.toAgent());
    NodeNews.Step later = soon.next().changed(ready, next, true, 3, EVERY, EVERY);
    assertNotNull(later.report());
    assertNull(later.next().changed(ready, next, true, 4, EVERY + 1, EVERY).report(), "reported afresh at EVERY");
  }

  @Test
  void goingOfflineTellsTheStillOpenSocketOfflineWithTheReason() {
    NodeState ready = readyNode("n", List.of("en"));
    NodeState off = ready.disconnect("socket closed", 50);
    NodeNews news = NodeNews.start(0).announce(ready).next();
    NodeNews.Step step = news.changed(ready, off, true, 60, 0, EVERY);
    assertEquals(List.of(new NodeSocket.SendStatus(NodeStatus.OFFLINE, "socket closed", 60)), step.toAgent());
    assertFalse(step.view().connected());
    assertEquals(List.of(), news.changed(ready, off, false, 60, 0, EVERY).toAgent(), "no socket: nobody to tell");
  }

  @Test
  void viewVersionsOnlyGrowAndAReannounceRepeatsTheViewUnderANewVersion() {
    NodeState ready = readyNode("n", List.of("en"));
    NodeNews none = NodeNews.start(10);
    assertNull(none.reannounce(ready).view(), "nothing announced yet: nothing to repeat");
    NodeNews.Step first = none.announce(ready);
    assertEquals(11, first.view().version());
    assertNull(first.next().announce(ready).view(), "same placement facts");
    NodeNews.Step again = first.next().reannounce(ready);
    assertEquals(12, again.view().version());
    assertTrue(again.view().samePlacementFacts(first.view()));
    NodeState draining = ready.drain(3);
    assertEquals(13, again.next().announce(draining).view().version());
  }

  @Test
  void theSummaryOfANodeNeverRegisteredHasNoFacts() {
    NodeSummary s = NodeNews.summary(NodeState.unknown("n", LIMITS));
    assertFalse(s.known());
    assertEquals(NodeStatus.OFFLINE, s.status());
    assertNull(s.platform());
    assertTrue(s.services().isEmpty());
    NodeFacts f = agentFacts(List.of("en"));
    assertEquals("linux", NodeNews.summary(NodeState.unknown("n", LIMITS).register(f, 0)).platform());
  }
}
