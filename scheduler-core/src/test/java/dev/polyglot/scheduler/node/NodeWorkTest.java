package dev.polyglot.scheduler.node;

import static dev.polyglot.scheduler.testkit.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.api.Cut;
import dev.polyglot.scheduler.api.NodeResult;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NodeWorkTest {
  private static final Set<String> CORE = Set.of("asr", "nmt", "tts");

  private static NodeState reserved(NodeState s, String job, int attempt, String session) {
    return ((NodeState.ReserveDecision.Granted) s.reserve(job, attempt, session, 0, CORE, Set.of())).next();
  }

  /** A ready node that was given job-a (attempt 1, session s-1) and holds an undispatched grant for job-b. */
  private static NodeState working() {
    NodeState s = reserved(reserved(readyNode("n", List.of("en")), "job-a", 1, "s-1"), "job-b", 1, "s-2");
    return s.dispatch("job-a", 1, 5).orElseThrow();
  }

  private static NodeResult result(String job, int attempt, boolean success) {
    return new NodeResult(job, attempt, success, "a", "b", null, null, null, 10, null, null, null, null, null, null,
        null, 20);
  }

  @Test
  void aSuccessForAGivenJobFreesItsSlotsAndGoesToTheSessionRecordedWithTheJob() {
    NodeWork.Result r = NodeWork.result(working(), false, result("job-a", 1, true), "someone-else");
    NodeWork.Result.Given g = assertInstanceOf(NodeWork.Result.Given.class, r);
    assertEquals("s-1", g.tell().sessionId(), "the session recorded with the job, not the one the result names");
    assertEquals("job-a", g.tell().event().jobId());
    assertTrue(g.next().reservation("job-a", 1).isEmpty());
    assertTrue(g.next().reservation("job-b", 1).isPresent());
  }

  @Test
  void aFailureFreesOnlyTheSlotOfItsAttempt() {
    NodeState s = working();
    s = reserved(s, "job-a", 2, "s-1").dispatch("job-a", 2, 6).orElseThrow();
    NodeWork.Result.Given g = (NodeWork.Result.Given) NodeWork.result(s, false, result("job-a", 1, false), null);
    assertTrue(g.next().reservation("job-a", 1).isEmpty());
    assertTrue(g.next().reservation("job-a", 2).isPresent());
  }

  @Test
  void aResultForAJobNeverGivenIsForeignUnlessAnEarlierIncarnationMayHaveGivenIt() {
    NodeState s = working();
    assertInstanceOf(NodeWork.Result.Foreign.class, NodeWork.result(s, false, result("job-x", 1, true), "s-9"));
    assertInstanceOf(NodeWork.Result.Foreign.class, NodeWork.result(s, true, result("job-x", 1, true), null));
    NodeWork.Result.Inherited i = assertInstanceOf(NodeWork.Result.Inherited.class,
        NodeWork.result(s, true, result("job-x", 1, true), "s-9"));
    assertEquals("s-9", i.tell().sessionId(), "the session the result names, which checks it");
  }

  @Test
  void partialsAndAcksGoToTheSessionOfAGivenJobOnly() {
    NodeState s = working();
    assertEquals("s-1", NodeWork.partial(s, "job-a", "hel", false).orElseThrow().sessionId());
    assertTrue(NodeWork.partial(s, "job-b", "hel", false).isEmpty(), "reserved but never given");
    NodeWork.Tell ack = NodeWork.ack(s, "job-a", 1, true).orElseThrow();
    assertEquals(new NodeEntity.AckReceived("job-a", 1, "n", true), ack.event());
    assertTrue(NodeWork.ack(s, "job-x", 1, false).isEmpty());
  }

  @Test
  void aDispatchNeedsTheReservationAndAConnection() {
    NodeState s = working();
    NodeWork.Dispatch ok = NodeWork.assign(s, order("job-b", 0, Cut.NONE), true, 7);
    assertTrue(ok.next().orElseThrow().reservation("job-b", 1).orElseThrow().dispatched());
    assertEquals(new NodeEntity.AttemptDispatched("job-b", 1, "n", 7), ok.tell().event());
    NodeWork.Dispatch noSocket = NodeWork.assign(s, order("job-b", 0, Cut.NONE), false, 7);
    assertTrue(noSocket.next().isEmpty());
    assertInstanceOf(NodeEntity.AttemptLost.class, noSocket.tell().event());
    NodeWork.Dispatch expired = NodeWork.assign(s, order("job-z", 0, Cut.NONE), true, 7);
    assertEquals(new NodeEntity.AttemptLost("job-z", 1, "n", "reservation gone before dispatch"), expired.tell().event());
  }

  @Test
  void onlyADispatchedAttemptIsCancelledOnTheNode() {
    NodeState s = working();
    assertTrue(NodeWork.dispatched(s, "job-a", 1));
    assertFalse(NodeWork.dispatched(s, "job-b", 1));
    assertFalse(NodeWork.dispatched(s, "job-x", 1));
  }

  @Test
  void goingOfflineLosesEveryDispatchedAttemptToItsSessionAndDropsEveryGrant() {
    NodeWork.Offline off = NodeWork.offline(working(), "socket closed", 9);
    assertEquals(List.of(new NodeWork.Tell("s-1", new NodeEntity.AttemptLost("job-a", 1, "n", "socket closed"))),
        off.lost());
    assertFalse(off.next().connected());
    assertTrue(off.next().reservations().isEmpty());
  }
}
