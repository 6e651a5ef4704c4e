package dev.polyglot.scheduler.dispatch;

import dev.polyglot.scheduler.testkit.TestEntities;
import dev.polyglot.scheduler.testkit.TestKits;
import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.bootstrap.Entities;
import dev.polyglot.scheduler.node.NodeEntity;
import dev.polyglot.scheduler.api.NodeStatus;
import dev.polyglot.scheduler.pool.NodeView;
import dev.polyglot.scheduler.pool.PoolDirectory;
import dev.polyglot.scheduler.pool.PoolUpdate;
import dev.polyglot.scheduler.session.SessionEntity;
import dev.polyglot.scheduler.testkit.ManualClock;
import dev.polyglot.scheduler.testkit.TestSettings;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher actor around {@link Selection}: it asks the chosen node's entity to reserve, answers the session
 * through sharding, and queues a request whose candidates refused or did not answer in time.
 */
class DispatcherTest {
  static final ActorTestKit kit = TestKits.manualTime();
  static final ManualTime time = ManualTime.get(kit.system());

  private final TestProbe<NodeEntity.Command> sharded = kit.createTestProbe(); // what sharding delivers to
  private final TestProbe<SessionEntity.Command> shardedSessions = kit.createTestProbe();

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private ActorRef<Dispatcher.Command> dispatcherWithOneNode() {
    return dispatcherWithOneNode("");
  }

  private ActorRef<Dispatcher.Command> dispatcherWithOneNode(String overrides) {
    Entities entities = new TestEntities(sharded.getRef(), shardedSessions.getRef(), null);
    TestProbe<PoolDirectory.Command> directory = kit.createTestProbe();
    TestProbe<Topic.Command<PoolUpdate>> topic = kit.createTestProbe();
    ActorRef<Dispatcher.Command> d = kit.spawn(Dispatcher.create(new Dispatcher.Deps(
        TestSettings.with(overrides).dispatch(), new ManualClock(time), entities, entities.fromDispatcher(), directory.getRef(), topic.getRef(),
        new SplittableRandom(1))));
    NodeView node = new NodeView("n1", 1, true, NodeStatus.READY, false, Set.of("zh:en"), Set.of("asr"), false, 0, 0,
        0, 4);
    directory.expectMessageClass(PoolDirectory.GetFull.class).replyTo()
        .tell(new PoolUpdate(1, 1, List.of(node), true));
    TestProbe<Dispatcher.Status> status = kit.createTestProbe();
    status.awaitAssert(() -> { // the view arrives through the ask's adapter: wait until it is applied
      d.tell(new Dispatcher.GetStatus(status.getRef()));
      assertTrue(status.receiveMessage().hasView());
      return null;
    });
    return d;
  }

  private static Dispatcher.PlacementRequest request(String jobId) {
    return new Dispatcher.PlacementRequest(jobId, 1, "s-1", 0, "zh:en", Set.of("asr"), Set.of(), null, null);
  }

  private NodeEntity.Reserve reserveAt(TestProbe<NodeEntity.Command> probe) {
    return probe.expectMessageClass(NodeEntity.Reserve.class);
  }

  @Test
  void asksTheNodeAndAnswersTheSessionThroughSharding() {
    ActorRef<Dispatcher.Command> d = dispatcherWithOneNode();
    d.tell(new Dispatcher.Place(request("job-1")));
    reserveAt(sharded).replyTo().tell(new NodeEntity.Reserved("n1", "job-1", 1, 1));
    SessionEntity.FromDispatcher n = (SessionEntity.FromDispatcher) shardedSessions.receiveMessage();
    assertEquals(new Dispatcher.Placed("job-1", 1, "n1", 1), n.reply());
  }

  @Test
  void aRefusalMovesOnAndAnAskThatTimesOutQueuesTheRequest() {
    ActorRef<Dispatcher.Command> d = dispatcherWithOneNode();
    d.tell(new Dispatcher.Place(request("job-1")));
    reserveAt(sharded).replyTo().tell(new NodeEntity.Refused("n1", "job-1", 1, "full"));
    assertInstanceOf(Dispatcher.Queued.class, ((SessionEntity.FromDispatcher) shardedSessions.receiveMessage()).reply());
    d.tell(new Dispatcher.Place(request("job-2")));
    reserveAt(sharded); // never answered
    shardedSessions.expectNoMessage(Duration.ofMillis(50));
    time.timePasses(Duration.ofMillis(200)); // scheduler.dispatch.reserve-ask-timeout: no other candidate
    assertEquals(new Dispatcher.Queued("job-2", 1, "zh:en"),
        ((SessionEntity.FromDispatcher) shardedSessions.receiveMessage()).reply());
  }

  /** Review finding: the queue of requests waiting for capacity had no bound. */
  @Test
  void aRequestThatWouldWaitBeyondMaxQueuedIsRefusedAtOnceAndCounted() {
    assertEquals(10_000, TestSettings.with("").dispatch().maxQueued(), "the documented default");
    var metrics = dev.polyglot.scheduler.ops.Metrics.get(kit.system());
    long refusedBefore = metrics.value("placements_total", "outcome", "queue_full");
    ActorRef<Dispatcher.Command> d = dispatcherWithOneNode("scheduler.dispatch.max-queued = 2");
    for (String job : List.of("job-1", "job-2")) {
      d.tell(new Dispatcher.Place(request(job)));
      reserveAt(sharded).replyTo().tell(new NodeEntity.Refused("n1", job, 1, "full"));
      assertEquals(new Dispatcher.Queued(job, 1, "zh:en"), ((SessionEntity.FromDispatcher) shardedSessions.receiveMessage()).reply());
    }
    d.tell(new Dispatcher.Place(request("job-3")));
    reserveAt(sharded).replyTo().tell(new NodeEntity.Refused("n1", "job-3", 1, "full"));
    assertEquals(new Dispatcher.QueueFull("job-3", 1, "zh:en", 2),
        ((SessionEntity.FromDispatcher) shardedSessions.receiveMessage()).reply());
    assertEquals(refusedBefore + 1, metrics.value("placements_total", "outcome", "queue_full"));
    TestProbe<Dispatcher.Status> status = kit.createTestProbe();
    d.tell(new Dispatcher.GetStatus(status.getRef()));
    assertEquals(2, status.receiveMessage().queued());
    // one leaves (its session withdrew it): a new request may wait again
    d.tell(new Dispatcher.Withdraw("job-1", 1));
    d.tell(new Dispatcher.Place(request("job-4")));
    reserveAt(sharded).replyTo().tell(new NodeEntity.Refused("n1", "job-4", 1, "full"));
    assertEquals(new Dispatcher.Queued("job-4", 1, "zh:en"), ((SessionEntity.FromDispatcher) shardedSessions.receiveMessage()).reply());
  }
}
