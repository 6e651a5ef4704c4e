package dev.polyglot.scheduler.node;

import dev.polyglot.scheduler.api.ClusterMessage;
import dev.polyglot.scheduler.api.NodeSummary;
import dev.polyglot.scheduler.api.NodeFacts;
import dev.polyglot.scheduler.api.NodeStatus;

import dev.polyglot.scheduler.api.Cut;
import dev.polyglot.scheduler.testkit.TestEntities;
import dev.polyglot.scheduler.testkit.TestKits;
import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.bootstrap.Entities;
import dev.polyglot.scheduler.config.SchedulerSettings;
import dev.polyglot.scheduler.api.JobOrder;
import dev.polyglot.scheduler.pool.NodeView;
import dev.polyglot.scheduler.pool.PoolDirectory;
import dev.polyglot.scheduler.api.FeatureFlags;
import dev.polyglot.scheduler.api.PipelineConfig;
import dev.polyglot.scheduler.testkit.Fixtures;
import dev.polyglot.scheduler.testkit.ManualClock;
import dev.polyglot.scheduler.testkit.TestSettings;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NodeEntityTest {
  static final ActorTestKit kit = TestKits.manualTime();
  static final ManualTime time = ManualTime.get(kit.system());

  private ManualClock clock;
  private TestProbe<PoolDirectory.Command> directory;
  private TestProbe<NodeSocket.Command> socket;
  private TestProbe<ClusterMessage> sessions;
  private TestProbe<ClusterSharding.ShardCommand> shard;
  private dev.polyglot.scheduler.store.InMemoryLedger ledger = new dev.polyglot.scheduler.store.InMemoryLedger();

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @BeforeEach
  void setUp() {
    clock = new ManualClock(time);
    directory = kit.createTestProbe();
    socket = kit.createTestProbe();
    sessions = kit.createTestProbe();
    shard = kit.createTestProbe();
  }

  private ActorRef<NodeEntity.Command> spawn(SchedulerSettings settings) {
    Entities entities = new TestEntities(null, null, sessions.getRef());
    return kit.spawn(NodeEntity.create("node-1", new NodeEntity.Deps(settings.nodes(), clock, directory.getRef(), entities.fromNodes(), ledger,
        kit.<dev.polyglot.scheduler.ops.InstanceReports.Command>createTestProbe().getRef(), Duration.ofSeconds(5)),
        shard.getRef()));
  }

  private ActorRef<NodeEntity.Command> readyNode(SchedulerSettings settings) {
    ActorRef<NodeEntity.Command> node = spawn(settings);
    NodeFacts facts = Fixtures.agentFacts(List.of("zh", "en"));
    node.tell(new NodeEntity.Register(facts, false, false, socket.getRef()));
    assertEquals(new NodeSocket.Registered("node-1", NodeStatus.REGISTERING), socket.receiveMessage());
    assertEquals(NodeStatus.REGISTERING, ((NodeSocket.SendStatus) socket.receiveMessage()).status());
    node.tell(heartbeat(Fixtures.usage(10, 0)));
    assertEquals(NodeStatus.READY, ((NodeSocket.SendStatus) socket.receiveMessage()).status());
    return node;
  }

  private NodeEntity.Heartbeat heartbeat(dev.polyglot.scheduler.api.ResourceUsage u) {
    return new NodeEntity.Heartbeat(u, null, null, null, null, null, socket.getRef());
  }

  /** The newest view announced so far (waits briefly for stragglers). */
  private NodeView lastView() {
    NodeView v = ((PoolDirectory.NodeChanged) directory.receiveMessage()).view();
    while (true) {
      try {
        v = directory.expectMessageClass(PoolDirectory.NodeChanged.class, Duration.ofMillis(100)).view();
      } catch (AssertionError drained) {
        return v;
      }
    }
  }

  @Test
  void declaresNodeOfflineAtTheHeartbeatTimeoutAndNotOneTickBefore() {
    readyNode(TestSettings.with(""));
    directory.receiveSeveralMessages(2);
    clock.advance(Duration.ofSeconds(45).minusMillis(1));
    socket.expectNoMessage(Duration.ofMillis(50));
    clock.advance(Duration.ofMillis(1));
    assertEquals(NodeStatus.OFFLINE, ((NodeSocket.SendStatus) socket.receiveMessage()).status());
    assertEquals("NODE_HEARTBEAT_TIMEOUT", ((NodeSocket.CloseWith) socket.receiveMessage()).code());
    assertFalse(lastView().connected());
  }

  @Test
  void heartbeatsJustBeforeTheTimeoutKeepTheNodeAlive() {
    ActorRef<NodeEntity.Command> node = readyNode(TestSettings.with(""));
    TestProbe<NodeSummary> summary = kit.createTestProbe();
    long handled = dev.polyglot.scheduler.ops.Metrics.get(kit.system()).value("node_heartbeats_total");
    for (int i = 0; i < 5; i++) {
      clock.advance(Duration.ofSeconds(44));
      node.tell(heartbeat(Fixtures.usage(10, 0)));
      node.tell(new NodeEntity.GetSummary(summary.getRef())); // the heartbeat is handled before time moves on
      assertEquals(NodeStatus.READY, summary.receiveMessage().status());
    }
    socket.expectNoMessage(Duration.ofMillis(50));
    assertEquals(handled + 5, dev.polyglot.scheduler.ops.Metrics.get(kit.system()).value("node_heartbeats_total"),
        "every applied heartbeat is counted");
  }

  @Test
  void warmupWithoutAHealthyHeartbeatDegradesTheNode() {
    ActorRef<NodeEntity.Command> node = spawn(TestSettings.with("scheduler.nodes.heartbeat-timeout = 300s"));
    node.tell(new NodeEntity.Register(Fixtures.agentFacts(List.of("en")), false, false, socket.getRef()));
    socket.receiveSeveralMessages(2);
    clock.advance(Duration.ofSeconds(60).minusMillis(1));
    socket.expectNoMessage(Duration.ofMillis(50));
    clock.advance(Duration.ofMillis(1));
    assertEquals(NodeStatus.DEGRADED, ((NodeSocket.SendStatus) socket.receiveMessage()).status());
  }

  @Test
  void aClosedSocketMakesTheNodeOfflineAtOnceAndFailsItsAttemptsOver() {
    ActorRef<NodeEntity.Command> node = readyNode(TestSettings.with(""));
    TestProbe<NodeEntity.ReserveReply> reply = kit.createTestProbe();
    node.tell(new NodeEntity.Reserve("job-1", 1, "s-1", 0, Set.of("asr"), Set.of(), reply.getRef()));
    assertInstanceOf(NodeEntity.Reserved.class, reply.receiveMessage());
    node.tell(new NodeEntity.Assign(order("job-1", 1), 0));
    assertInstanceOf(NodeSocket.SendJob.class, socket.receiveMessage());
    assertInstanceOf(NodeEntity.AttemptDispatched.class, sessions.receiveMessage());
    node.tell(new NodeEntity.SocketClosed(socket.getRef()));
    NodeEntity.AttemptLost lost = sessions.expectMessageClass(NodeEntity.AttemptLost.class);
    assertEquals("job-1", lost.jobId());
    TestProbe<NodeSummary> summary = kit.createTestProbe();
    node.tell(new NodeEntity.GetSummary(summary.getRef()));
    assertEquals(NodeStatus.OFFLINE, summary.receiveMessage().status());
  }

  @Test
  void anOfflineNodeIsForgottenAfterTheExpiryAndPassivatedThroughItsShard() {
    ActorRef<NodeEntity.Command> node = readyNode(TestSettings.with(""));
    node.tell(new NodeEntity.SocketClosed(socket.getRef()));
    TestProbe<NodeSummary> summary = kit.createTestProbe();
    node.tell(new NodeEntity.GetSummary(summary.getRef()));
    assertEquals(NodeStatus.OFFLINE, summary.receiveMessage().status());
    assertTrue(ledger.loadNode("node-1").toCompletableFuture().join().isPresent());
    clock.advance(Duration.ofMinutes(10).minusMillis(1));
    shard.expectNoMessage(Duration.ofMillis(50));
    clock.advance(Duration.ofMillis(1));
    assertEquals(node, shard.expectMessageClass(ClusterSharding.Passivate.class).entity());
    directory.fishForMessage(Duration.ofSeconds(3), m -> m instanceof PoolDirectory.NodeForgotten
        ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());
    assertTrue(ledger.loadNode("node-1").toCompletableFuture().join().isEmpty(), "the ledger forgets the node");
    node.tell(NodeEntity.Stop.INSTANCE); // what the shard sends once it buffers this id's messages
    kit.createTestProbe().expectTerminated(node);
  }

  @Test
  void aNewerTrustedConnectionTakesOverAtOnceAndTheOldSocketIsClosed() {
    ActorRef<NodeEntity.Command> node = readyNode(TestSettings.with(""));
    TestProbe<NodeSocket.Command> second = kit.createTestProbe();
    node.tell(new NodeEntity.Register(Fixtures.agentFacts(List.of("en")), false, true, second.getRef()));
    assertEquals("NODE_CONNECTION_REPLACED", ((NodeSocket.CloseWith) socket.receiveMessage()).code());
    assertInstanceOf(NodeSocket.Registered.class, second.receiveMessage());
    node.tell(new NodeEntity.SocketClosed(socket.getRef()));
    TestProbe<NodeSummary> summary = kit.createTestProbe();
    node.tell(new NodeEntity.GetSummary(summary.getRef()));
    assertTrue(summary.receiveMessage().connected(), "the replaced socket closing must not take the node offline");
  }

  /** Issue 15: an entity without a connection keeps the agent's open socket instead of closing it. */
  @Test
  void aHeartbeatReachingAnEntityWithoutAConnectionAsksTheSocketToRegisterAgain() {
    ActorRef<NodeEntity.Command> node = spawn(TestSettings.with(""));
    node.tell(heartbeat(Fixtures.usage(10, 0)));
    assertInstanceOf(NodeSocket.RegisterAgain.class, socket.receiveMessage());
  }

  @Test
  void anUntrustedClaimOfALiveNodeIdIsRefusedWhenTheLiveConnectionHeartbeats() {
    ActorRef<NodeEntity.Command> node = readyNode(TestSettings.with(""));
    TestProbe<NodeSocket.Command> claimant = kit.createTestProbe();
    node.tell(new NodeEntity.Register(Fixtures.agentFacts(List.of("en")), false, false, claimant.getRef()));
    claimant.expectNoMessage(Duration.ofMillis(50));
    clock.advance(Duration.ofSeconds(15));
    node.tell(heartbeat(Fixtures.usage(10, 0)));
    assertEquals("NODE_ID_CONFLICT", ((NodeSocket.CloseWith) claimant.receiveMessage()).code());
    clock.advance(Duration.ofSeconds(20));
    socket.expectNoMessage(Duration.ofMillis(50));
    TestProbe<NodeSummary> summary = kit.createTestProbe();
    node.tell(new NodeEntity.GetSummary(summary.getRef()));
    assertEquals(NodeStatus.READY, summary.receiveMessage().status(), "the live connection keeps its node");
  }

  /** The agent reconnected while its old connection was dead but not yet closed: it gets its id back. */
  @Test
  void anUntrustedClaimIsGrantedWhenTheLiveConnectionStaysSilentForTheTakeoverWait() {
    ActorRef<NodeEntity.Command> node = readyNode(TestSettings.with(""));
    TestProbe<NodeSocket.Command> claimant = kit.createTestProbe();
    node.tell(new NodeEntity.Register(Fixtures.agentFacts(List.of("en")), false, false, claimant.getRef()));
    clock.advance(Duration.ofSeconds(20).minusMillis(1));
    claimant.expectNoMessage(Duration.ofMillis(50));
    node.tell(new NodeEntity.Register(Fixtures.agentFacts(List.of("en")), false, false, claimant.getRef())); // asked again
    clock.advance(Duration.ofMillis(1));
    assertEquals("NODE_CONNECTION_REPLACED", ((NodeSocket.CloseWith) socket.receiveMessage()).code());
    assertInstanceOf(NodeSocket.Registered.class, claimant.receiveMessage());
  }

  @Test
  void anUntrustedClaimIsGrantedAtOnceWhenTheLiveConnectionCloses() {
    ActorRef<NodeEntity.Command> node = readyNode(TestSettings.with(""));
    TestProbe<NodeSocket.Command> claimant = kit.createTestProbe();
    node.tell(new NodeEntity.Register(Fixtures.agentFacts(List.of("en")), false, false, claimant.getRef()));
    claimant.expectNoMessage(Duration.ofMillis(50));
    node.tell(new NodeEntity.SocketClosed(socket.getRef()));
    assertInstanceOf(NodeSocket.Registered.class, claimant.receiveMessage());
    TestProbe<NodeSummary> summary = kit.createTestProbe();
    node.tell(new NodeEntity.GetSummary(summary.getRef()));
    assertTrue(summary.receiveMessage().connected());
  }

  @Test
  void aSecondUntrustedClaimWhileOneWaitsIsRefusedAtOnce() {
    ActorRef<NodeEntity.Command> node = readyNode(TestSettings.with(""));
    TestProbe<NodeSocket.Command> first = kit.createTestProbe();
    TestProbe<NodeSocket.Command> second = kit.createTestProbe();
    node.tell(new NodeEntity.Register(Fixtures.agentFacts(List.of("en")), false, false, first.getRef()));
    node.tell(new NodeEntity.Register(Fixtures.agentFacts(List.of("en")), false, false, second.getRef()));
    assertEquals("NODE_ID_CONFLICT", ((NodeSocket.CloseWith) second.receiveMessage()).code());
    first.expectNoMessage(Duration.ofMillis(50));
  }

  @Test
  void aHeartbeatFromAReplacedConnectionClosesIt() {
    ActorRef<NodeEntity.Command> node = readyNode(TestSettings.with(""));
    TestProbe<NodeSocket.Command> second = kit.createTestProbe();
    node.tell(new NodeEntity.Register(Fixtures.agentFacts(List.of("en")), false, true, second.getRef()));
    socket.expectMessageClass(NodeSocket.CloseWith.class);
    node.tell(heartbeat(Fixtures.usage(10, 0)));
    assertEquals("NODE_NOT_REGISTERED", ((NodeSocket.CloseWith) socket.receiveMessage()).code());
  }

  @Test
  void aGeneratedIdAlreadyKnownIsRefused() {
    ActorRef<NodeEntity.Command> node = readyNode(TestSettings.with(""));
    TestProbe<NodeSocket.Command> other = kit.createTestProbe();
    node.tell(new NodeEntity.Register(Fixtures.agentFacts(List.of("en")), true, false, other.getRef()));
    assertInstanceOf(NodeSocket.IdTaken.class, other.receiveMessage());
  }

  @Test
  void anUndispatchedReservationExpiresAfterItsTtl() {
    ActorRef<NodeEntity.Command> node = readyNode(TestSettings.with(""));
    TestProbe<NodeEntity.ReserveReply> reply = kit.createTestProbe();
    for (int i = 0; i < 4; i++) {
      node.tell(new NodeEntity.Reserve("job-" + i, 1, "s-1", i, Set.of("asr"), Set.of(), reply.getRef()));
      assertInstanceOf(NodeEntity.Reserved.class, reply.receiveMessage());
    }
    node.tell(new NodeEntity.Reserve("job-9", 1, "s-1", 9, Set.of("asr"), Set.of(), reply.getRef()));
    assertEquals("full", ((NodeEntity.Refused) reply.receiveMessage()).reason());
    clock.advance(Duration.ofSeconds(10));
    node.tell(new NodeEntity.Reserve("job-9", 1, "s-1", 9, Set.of("asr"), Set.of(), reply.getRef()));
    assertInstanceOf(NodeEntity.Reserved.class, reply.receiveMessage());
  }

  @Test
  void aResultForAJobNeverGivenToTheNodeIsDroppedAndOneGivenIsRoutedToItsSession() {
    ActorRef<NodeEntity.Command> node = readyNode(TestSettings.with(""));
    node.tell(new NodeEntity.ResultFromNode(result("job-x", 1), socket.getRef()));
    sessions.expectNoMessage(Duration.ofMillis(100));
    TestProbe<NodeEntity.ReserveReply> reply = kit.createTestProbe();
    node.tell(new NodeEntity.Reserve("job-1", 1, "s-1", 0, Set.of("asr"), Set.of(), reply.getRef()));
    reply.receiveMessage();
    node.tell(new NodeEntity.Assign(order("job-1", 1), 0));
    sessions.expectMessageClass(NodeEntity.AttemptDispatched.class);
    node.tell(new NodeEntity.ResultFromNode(result("job-1", 1), socket.getRef()));
    assertEquals("job-1", sessions.expectMessageClass(NodeEntity.ResultReceived.class).jobId());
  }

  @Test
  void heartbeatsThatChangeNothingForPlacementAnnounceNothing() {
    ActorRef<NodeEntity.Command> node = readyNode(TestSettings.with(""));
    lastView();
    node.tell(heartbeat(Fixtures.usage(11, 0)));
    node.tell(heartbeat(Fixtures.usage(12, 0)));
    directory.expectNoMessage(Duration.ofMillis(100));
    node.tell(heartbeat(Fixtures.usage(90, 0)));
    assertTrue(((PoolDirectory.NodeChanged) directory.receiveMessage()).view().overThreshold());
  }

  @Test
  void anEntityReCreatedAfterItsInstanceDiedServesHeartbeatsFromTheLedgerSnapshot() {
    readyNode(TestSettings.with(""));
    ActorRef<NodeEntity.Command> reborn = spawn(TestSettings.with("")); // same id, same ledger, empty memory
    reborn.tell(heartbeat(Fixtures.usage(10, 0)));
    NodeSocket.Command first = socket.receiveMessage();
    assertFalse(first instanceof NodeSocket.CloseWith, "the heartbeat must be served, not refused: " + first);
    TestProbe<NodeSummary> summary = kit.createTestProbe();
    reborn.tell(new NodeEntity.GetSummary(summary.getRef()));
    assertEquals(NodeStatus.READY, summary.receiveMessage().status());
  }

  /** Regression: a failed ledger read made the entity fail with a NullPointerException (seen in RedisSlowIT). */
  @Test
  void anEntityWhoseLedgerReadFailsStartsUnknownAndServesARegistration() {
    var failing = new dev.polyglot.scheduler.testkit.FlakyLedger() {
      @Override
      public java.util.concurrent.CompletionStage<java.util.Optional<dev.polyglot.scheduler.store.Ledger.NodeSnapshot>> loadNode(String id) {
        return java.util.concurrent.CompletableFuture.failedFuture(new IllegalStateException("ledger down (test)"));
      }
    };
    Entities entities = new TestEntities(null, null, sessions.getRef());
    ActorRef<NodeEntity.Command> node = kit.spawn(NodeEntity.create("node-2", new NodeEntity.Deps(TestSettings.with("").nodes(),
        clock, directory.getRef(), entities.fromNodes(), failing,
        kit.<dev.polyglot.scheduler.ops.InstanceReports.Command>createTestProbe().getRef(), Duration.ofSeconds(5)),
        shard.getRef()));
    node.tell(new NodeEntity.Register(Fixtures.agentFacts(List.of("zh", "en")), false, false, socket.getRef()));
    assertInstanceOf(NodeSocket.Registered.class, socket.receiveMessage());
  }

  /** A node socket whose instance died never says it closed: the entity watches it and goes Offline when it dies. */
  @Test
  void aNodeWhoseSocketDiesWithoutSayingSoGoesOffline() {
    ActorRef<NodeEntity.Command> node = spawn(TestSettings.with(""));
    TestProbe<NodeSocket.Command> doomed = kit.createTestProbe();
    node.tell(new NodeEntity.Register(Fixtures.agentFacts(List.of("zh", "en")), false, false, doomed.getRef()));
    doomed.expectMessageClass(NodeSocket.Registered.class);
    doomed.stop();
    TestProbe<NodeSummary> summary = kit.createTestProbe();
    summary.awaitAssert(Duration.ofSeconds(3), () -> {
      node.tell(new NodeEntity.GetSummary(summary.getRef()));
      assertEquals(NodeStatus.OFFLINE, summary.receiveMessage().status());
      return null;
    });
  }

  /** Issue 11: a result is not lost because the node entity that gave its job died with its instance. */
  @Test
  void anEntityReCreatedAfterItsInstanceDiedPassesAResultForAJobItNeverGaveToTheSessionTheResultNames() {
    readyNode(TestSettings.with(""));
    ActorRef<NodeEntity.Command> reborn = spawn(TestSettings.with(""));
    var r = new dev.polyglot.scheduler.api.NodeResult("job-9", 1, true, "a", "b", "", "opus", null, 10, null, null, null,
        null, null, null, null, 0);
    reborn.tell(new NodeEntity.ResultFromNode(r, socket.getRef(), "s-9"));
    NodeEntity.ResultReceived got = sessions.expectMessageClass(NodeEntity.ResultReceived.class);
    assertEquals("job-9", got.jobId());
    assertEquals("node-1", got.nodeId(), "the session checks this node really got the job");
  }

  @Test
  void anEntityThatNeverDiedDropsAResultForAJobItNeverGave() {
    ActorRef<NodeEntity.Command> node = readyNode(TestSettings.with(""));
    var r = new dev.polyglot.scheduler.api.NodeResult("job-9", 1, true, "a", "b", "", "opus", null, 10, null, null, null,
        null, null, null, null, 0);
    node.tell(new NodeEntity.ResultFromNode(r, socket.getRef(), "s-9"));
    sessions.expectNoMessage(Duration.ofMillis(200));
  }

  /** Regression: a duplicate grant released by the dispatcher freed the running job's slot. */
  @Test
  void releasingAnAttemptAlreadyDispatchedKeepsItsSlot() {
    ActorRef<NodeEntity.Command> node = readyNode(TestSettings.with(""));
    TestProbe<NodeEntity.ReserveReply> reply = kit.createTestProbe();
    node.tell(new NodeEntity.Reserve("job-1", 1, "s-1", 0, Set.of("asr"), Set.of(), reply.getRef()));
    reply.receiveMessage();
    node.tell(new NodeEntity.Assign(order("job-1", 1), 0));
    sessions.expectMessageClass(NodeEntity.AttemptDispatched.class);
    node.tell(new NodeEntity.Release("job-1", 1));
    TestProbe<NodeSummary> summary = kit.createTestProbe();
    node.tell(new NodeEntity.GetSummary(summary.getRef()));
    assertEquals(1, summary.receiveMessage().reservations());
    node.tell(new NodeEntity.Forget("job-1", 1));
    node.tell(new NodeEntity.GetSummary(summary.getRef()));
    assertEquals(0, summary.receiveMessage().reservations());
  }

  static JobOrder order(String jobId, int attempt) {
    return new JobOrder(jobId, attempt, "s-1", 0, "zh", "en", PipelineConfig.streamingDefault(), new byte[] {1, 2},
        "opus", 16000, "trace", true, 1000, "turn", null, FeatureFlags.empty(), "one_way", null, null, null, 220,
        Cut.TIMER);
  }

  static dev.polyglot.scheduler.api.NodeResult result(String jobId, int attempt) {
    return new dev.polyglot.scheduler.api.NodeResult(jobId, attempt, true, "hi", "hello", "", "opus", null, 10, null,
        null, null, null, null, null, null, 0);
  }
}
