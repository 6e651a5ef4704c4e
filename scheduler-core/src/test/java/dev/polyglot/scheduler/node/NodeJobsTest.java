package dev.polyglot.scheduler.node;

import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.api.Cut;
import dev.polyglot.scheduler.api.NodeResult;
import dev.polyglot.scheduler.config.SchedulerSettings;
import dev.polyglot.scheduler.ops.Metrics;
import dev.polyglot.scheduler.testkit.Fixtures;
import dev.polyglot.scheduler.testkit.ManualClock;
import dev.polyglot.scheduler.testkit.TestKits;
import dev.polyglot.scheduler.testkit.TestSettings;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The reservation bookkeeping of a node entity, owned by a stand-in entity ({@link NodeHarness}). */
class NodeJobsTest {
  static final ActorTestKit kit = TestKits.manualTime();
  static final ManualTime time = ManualTime.get(kit.system());
  static final SchedulerSettings.Nodes NODES = TestSettings.with("").nodes();
  static final Set<String> CORE = Set.of("asr", "nmt", "tts");

  private final ManualClock clock = new ManualClock(time);
  private final TestProbe<Object> events = kit.createTestProbe();
  private final TestProbe<NodeSocket.Command> socket = kit.createTestProbe();
  private final TestProbe<NodeEntity.ReserveReply> replies = kit.createTestProbe();

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  /** A node with a live connection that heartbeat healthily: Ready. */
  private ActorRef<NodeEntity.Command> readyNode(boolean inherited) {
    ActorRef<NodeEntity.Command> node = kit.spawn(NodeHarness.create(NodeState.unknown("n", Fixtures.LIMITS), NODES,
        clock, events.getRef(), inherited));
    node.tell(new NodeEntity.Register(Fixtures.agentFacts(List.of("en")), false, true, socket.getRef()));
    events.expectMessageClass(NodeHarness.Accepted.class);
    node.tell(new NodeEntity.Heartbeat(Fixtures.usage(10, 0), null, null, null, null, null, socket.getRef()));
    return node;
  }

  private void reserve(ActorRef<NodeEntity.Command> node, String job) {
    node.tell(new NodeEntity.Reserve(job, 1, "s-1", 0, CORE, Set.of(), replies.getRef()));
  }

  private NodeState applied() {
    return events.expectMessageClass(NodeHarness.Applied.class).state();
  }

  @Test
  void aGrantNobodyUsesIsFreedWhenItsTimeToLivePasses() {
    ActorRef<NodeEntity.Command> node = readyNode(false);
    long expiredBefore = Metrics.get(kit.system()).value("reservation_expired_total");
    reserve(node, "job-1");
    assertEquals(1, applied().reservations().size());
    assertInstanceOf(NodeEntity.Reserved.class, replies.receiveMessage());
    clock.advance(NODES.reservationTtl().minusMillis(1));
    events.expectNoMessage(Duration.ofMillis(50));
    clock.advance(Duration.ofMillis(1));
    assertTrue(applied().reservations().isEmpty());
    assertEquals(expiredBefore + 1, Metrics.get(kit.system()).value("reservation_expired_total"));
  }

  @Test
  void aDispatchedGrantOutlivesItsTimeToLiveAndItsSessionHearsItWasDispatched() {
    ActorRef<NodeEntity.Command> node = readyNode(false);
    reserve(node, "job-2");
    applied();
    node.tell(new NodeEntity.Assign(Fixtures.order("job-2", 0, Cut.NONE), 0));
    assertEquals("job-2", socket.expectMessageClass(NodeSocket.SendJob.class).order().jobId());
    NodeWork.Tell told = events.expectMessageClass(NodeWork.Tell.class);
    assertEquals(new NodeEntity.AttemptDispatched("job-2", 1, "n", 7), told.event());
    node.tell(new NodeEntity.Release("job-2", 1));
    clock.advance(NODES.reservationTtl());
    events.expectNoMessage(Duration.ofMillis(50));
  }

  @Test
  void aRefusalAnnouncesANodeThatIsNotConnected() {
    ActorRef<NodeEntity.Command> node = kit.spawn(NodeHarness.create(NodeState.unknown("n", Fixtures.LIMITS), NODES,
        clock, events.getRef(), false));
    reserve(node, "job-3");
    assertEquals(NodeState.NOT_READY, ((NodeEntity.Refused) replies.receiveMessage()).reason());
    assertEquals(NodeHarness.Announced.INSTANCE, events.receiveMessage());
  }

  @Test
  void cancellingADispatchedAttemptTellsTheNodeAndAnUndispatchedOneDoesNot() {
    ActorRef<NodeEntity.Command> node = readyNode(false);
    reserve(node, "job-4");
    reserve(node, "job-5");
    applied();
    applied();
    node.tell(new NodeEntity.Assign(Fixtures.order("job-4", 0, Cut.NONE), 0));
    socket.expectMessageClass(NodeSocket.SendJob.class);
    node.tell(new NodeEntity.Cancel("job-4", 1, "t", "superseded"));
    assertEquals(new NodeSocket.SendCancel("job-4", "t", "superseded"), socket.receiveMessage());
    node.tell(new NodeEntity.Cancel("job-5", 1, "t", "superseded"));
    socket.expectNoMessage(Duration.ofMillis(50));
  }

  @Test
  void aResultForAJobNeverGivenIsDroppedAndCountedUnlessTheEntityInheritedItsJobs() {
    long before = Metrics.get(kit.system()).value("result_dropped_total", "reason", "foreign_node");
    NodeResult r = new NodeResult("job-x", 1, true, "a", "b", null, null, null, 10, null, null, null, null, null, null,
        null, 0);
    ActorRef<NodeEntity.Command> fresh = readyNode(false);
    fresh.tell(new NodeEntity.ResultFromNode(r, socket.getRef(), "s-9"));
    TestProbe<dev.polyglot.scheduler.api.NodeSummary> summary = kit.createTestProbe();
    fresh.tell(new NodeEntity.GetSummary(summary.getRef()));
    summary.receiveMessage();
    events.expectNoMessage(Duration.ofMillis(50));
    assertEquals(before + 1, Metrics.get(kit.system()).value("result_dropped_total", "reason", "foreign_node"));
    readyNode(true).tell(new NodeEntity.ResultFromNode(r, socket.getRef(), "s-9"));
    assertEquals("s-9", events.expectMessageClass(NodeWork.Tell.class).sessionId());
  }
}
