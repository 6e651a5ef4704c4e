package dev.polyglot.scheduler.bootstrap;

import static org.junit.jupiter.api.Assertions.*;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.polyglot.scheduler.room.Room;
import dev.polyglot.scheduler.room.RoomCreation;
import dev.polyglot.scheduler.room.RoomEntity;
import dev.polyglot.scheduler.room.RoomEvent;
import dev.polyglot.scheduler.api.SchedulerClock;
import dev.polyglot.scheduler.config.SchedulerSettings;
import dev.polyglot.scheduler.ops.Metrics;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Room shard region that SchedulerRuntime starts: rooms reached by code through sharding on a one-member cluster. */
class RoomShardingTest {
  static ActorTestKit kit;
  static SchedulerRuntime runtime;

  @BeforeAll
  static void start() {
    Config config = ConfigFactory.parseString("""
        pekko.remote.artery.canonical.port = 0
        pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
        pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
        pekko.loglevel = WARNING
        # a room entity may still be telling a session (there is none) when the test ends: the region's graceful
        # stop waits for it at most 3 s, and the kit waits for the whole stop longer than that on a loaded machine
        pekko.coordinated-shutdown.phases.cluster-sharding-shutdown-region.timeout = 3s
        pekko.actor.testkit.typed.system-shutdown-default = 30s
        scheduler.rooms.ask-timeout = 3s
        """).withFallback(ConfigFactory.load());
    kit = ActorTestKit.create("scheduler", config);
    runtime = SchedulerRuntime.start(kit.system(), SchedulerSettings.from(config), SchedulerClock.SYSTEM);
    TestProbe<Object> probe = kit.createTestProbe();
    probe.awaitAssert(Duration.ofSeconds(10), () -> {
      assertEquals(MemberStatus.up(), Cluster.get(kit.system()).selfMember().status());
      return null;
    });
  }

  @AfterAll
  static void stop() {
    if (kit != null) kit.shutdownTestKit();
  }

  @Test
  void theRuntimeReadsTheRoomsSettingsAndReachesRoomsByCodeThroughSharding() {
    assertEquals(Duration.ofSeconds(3), runtime.roomSettings().askTimeout());
    assertEquals(Duration.ofMinutes(30), runtime.roomSettings().expiry());
    assertEquals(Duration.ofSeconds(60), runtime.roomSettings().scanInterval());

    TestProbe<RoomCreation.Outcome> outcome = kit.createTestProbe();
    kit.spawn(RoomCreation.create(new Room.Candidate("s-A", "Alice", "zh"), runtime.entities()::room,
        runtime.roomSettings().askTimeout(), new SplittableRandom(), outcome.getRef()));
    RoomCreation.Outcome.Created created =
        outcome.expectMessageClass(RoomCreation.Outcome.Created.class, Duration.ofSeconds(10));

    TestProbe<RoomEntity.Reply> reply = kit.createTestProbe();
    runtime.entities().room(created.roomCode()).tell(
        new RoomEntity.Join(new Room.Candidate("s-B", "Bob", "en"), reply.getRef()));
    RoomEntity.Reply.Joined joined = reply.expectMessageClass(RoomEntity.Reply.Joined.class, Duration.ofSeconds(5));
    assertEquals(List.of("s-A", "s-B"), joined.members().members().stream().map(RoomEvent.Participant::sessionId).toList());
    assertEquals(created.roomId(), runtime.ledger().loadRoom(created.roomCode()).toCompletableFuture().join()
        .orElseThrow().roomId());

    // the room tells s-A through its session entity; no session s-A exists, so it tells the room to forget it
    reply.awaitAssert(Duration.ofSeconds(10), () -> {
      assertTrue(Metrics.get(kit.system()).value("room_events_not_member_total") >= 1);
      assertTrue(Metrics.get(kit.system()).value("room_members_ended_total", "reason", "not_a_member") >= 1);
      return null;
    });

    runtime.entities().room("999999x").tell(new RoomEntity.GetMembers(reply.getRef()));
    assertEquals(Room.Refusal.ROOM_NOT_FOUND,
        reply.expectMessageClass(RoomEntity.Reply.Refused.class, Duration.ofSeconds(5)).code());
  }
}
