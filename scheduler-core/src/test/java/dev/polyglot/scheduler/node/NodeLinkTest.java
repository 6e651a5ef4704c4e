package dev.polyglot.scheduler.node;

import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.config.SchedulerSettings;
import dev.polyglot.scheduler.testkit.Fixtures;
import dev.polyglot.scheduler.testkit.ManualClock;
import dev.polyglot.scheduler.testkit.TestKits;
import dev.polyglot.scheduler.testkit.TestSettings;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** A node entity's side of its connection, owned by a stand-in entity ({@link NodeHarness}). */
class NodeLinkTest {
  static final ActorTestKit kit = TestKits.manualTime();
  static final ManualTime time = ManualTime.get(kit.system());
  static final SchedulerSettings.Nodes NODES = TestSettings.with("").nodes();

  private final ManualClock clock = new ManualClock(time);
  private final TestProbe<Object> events = kit.createTestProbe();
  private final TestProbe<NodeSocket.Command> live = kit.createTestProbe();
  private final TestProbe<NodeSocket.Command> claimant = kit.createTestProbe();

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private ActorRef<NodeEntity.Command> connected() {
    ActorRef<NodeEntity.Command> node = kit.spawn(NodeHarness.create(NodeState.unknown("n", Fixtures.LIMITS), NODES,
        clock, events.getRef(), false));
    node.tell(register(live, true));
    assertEquals(new NodeHarness.Accepted(live.getRef()), events.receiveMessage());
    return node;
  }

  private static NodeEntity.Register register(TestProbe<NodeSocket.Command> socket, boolean trusted) {
    return new NodeEntity.Register(Fixtures.agentFacts(List.of("en")), false, trusted, socket.getRef());
  }

  private static NodeEntity.Heartbeat heartbeat(TestProbe<NodeSocket.Command> socket) {
    return new NodeEntity.Heartbeat(Fixtures.usage(10, 0), null, null, null, null, null, socket.getRef());
  }

  /** Returns once the node has handled everything told to it before (the clock may move after that). */
  private static void sync(ActorRef<NodeEntity.Command> node) {
    TestProbe<dev.polyglot.scheduler.api.NodeSummary> summary = kit.createTestProbe();
    node.tell(new NodeEntity.GetSummary(summary.getRef()));
    summary.receiveMessage();
  }

  private static String closedWith(TestProbe<NodeSocket.Command> socket) {
    return socket.expectMessageClass(NodeSocket.CloseWith.class).code();
  }

  @Test
  void aLiveConnectionSilentForTheHeartbeatTimeoutIsClosedAndTheNodeGoesOffline() {
    ActorRef<NodeEntity.Command> node = connected();
    clock.advance(NODES.heartbeatTimeout().dividedBy(2));
    node.tell(heartbeat(live));
    sync(node);
    clock.advance(NODES.heartbeatTimeout().dividedBy(2));
    events.expectNoMessage(Duration.ofMillis(50));
    clock.advance(NODES.heartbeatTimeout().dividedBy(2));
    assertEquals(new NodeHarness.Offline("heartbeat timeout"), events.receiveMessage());
    assertEquals("NODE_HEARTBEAT_TIMEOUT", closedWith(live));
  }

  @Test
  void aHeartbeatFromAnotherConnectionClosesAStaleOneOrAsksAnUnknownOneToRegisterAgain() {
    ActorRef<NodeEntity.Command> node = connected();
    node.tell(heartbeat(claimant));
    assertEquals("NODE_NOT_REGISTERED", closedWith(claimant));
    node.tell(new NodeEntity.SocketClosed(live.getRef()));
    assertEquals(new NodeHarness.Offline("socket closed"), events.receiveMessage());
    node.tell(heartbeat(claimant));
    claimant.expectMessageClass(NodeSocket.RegisterAgain.class);
  }

  @Test
  void anUntrustedClaimWaitsAndIsRefusedWhenTheLiveConnectionHeartbeats() {
    ActorRef<NodeEntity.Command> node = connected();
    node.tell(register(claimant, false));
    claimant.expectNoMessage(Duration.ofMillis(50));
    node.tell(heartbeat(live));
    assertEquals("NODE_ID_CONFLICT", closedWith(claimant));
    sync(node);
    clock.advance(NODES.takeoverWait());
    events.expectNoMessage(Duration.ofMillis(50));
    live.expectNoMessage(Duration.ofMillis(50));
  }

  @Test
  void anUntrustedClaimTakesOverWhenTheLiveConnectionStaysSilentForTheTakeoverWait() {
    ActorRef<NodeEntity.Command> node = connected();
    node.tell(register(claimant, false));
    sync(node);
    clock.advance(NODES.takeoverWait().minusMillis(1));
    events.expectNoMessage(Duration.ofMillis(50));
    clock.advance(Duration.ofMillis(1));
    assertEquals("NODE_CONNECTION_REPLACED", closedWith(live));
    assertEquals(new NodeHarness.Accepted(claimant.getRef()), events.receiveMessage());
  }

  @Test
  void aWaitingClaimRegistersAtOnceWhenTheLiveConnectionClosesAndASecondClaimIsRefused() {
    TestProbe<NodeSocket.Command> third = kit.createTestProbe();
    ActorRef<NodeEntity.Command> node = connected();
    node.tell(register(claimant, false));
    node.tell(register(third, false));
    assertEquals("NODE_ID_CONFLICT", closedWith(third));
    node.tell(new NodeEntity.SocketClosed(live.getRef()));
    assertEquals(new NodeHarness.Offline("socket closed"), events.receiveMessage());
    assertEquals(new NodeHarness.Accepted(claimant.getRef()), events.receiveMessage());
  }

  @Test
  void aClaimantThatClosesStopsWaiting() {
    ActorRef<NodeEntity.Command> node = connected();
    node.tell(register(claimant, false));
    node.tell(new NodeEntity.SocketClosed(claimant.getRef()));
    sync(node);
    clock.advance(NODES.takeoverWait());
    events.expectNoMessage(Duration.ofMillis(50));
    live.expectNoMessage(Duration.ofMillis(50));
  }
}
