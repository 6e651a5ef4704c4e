package dev.polyglot.scheduler.room;

import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.ops.InstanceReports;
import dev.polyglot.scheduler.store.InMemoryLedger;
import dev.polyglot.scheduler.testkit.ManualClock;
import dev.polyglot.scheduler.testkit.TestKits;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** What a room entity tells its instance's reports ({@code /api/v1/cluster} totals, {@code /metrics} gauges). */
class RoomEntityReportsTest {
  static final ActorTestKit kit = TestKits.manualTime();
  static final ManualTime time = ManualTime.get(kit.system());

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void aRoomReportsItsMembersAfterEachChangeAndItsEndWhenDeletedOrStopped() {
    TestProbe<InstanceReports.Command> reports = kit.createTestProbe();
    TestProbe<RoomEntity.Reply> reply = kit.createTestProbe();
    RoomEntity.Deps deps = new RoomEntity.Deps(new RoomSettings(Duration.ofMinutes(30), Duration.ofSeconds(60),
        Duration.ofSeconds(2)), new ManualClock(time), (id, e) -> { }, new InMemoryLedger(), reports.getRef());
    ActorRef<RoomEntity.Command> room = kit.spawn(RoomEntity.create("482913", deps, null));
    room.tell(new RoomEntity.Create("room-1", new Room.Candidate("s-A", "Alice", "zh"), reply.getRef()));
    reply.expectMessageClass(RoomEntity.Reply.Created.class);
    assertEquals(new InstanceReports.RoomRow("482913", 1), reports.receiveMessage());
    room.tell(new RoomEntity.Join(new Room.Candidate("s-B", "Bob", "en"), reply.getRef()));
    reply.expectMessageClass(RoomEntity.Reply.Joined.class);
    assertEquals(new InstanceReports.RoomRow("482913", 2), reports.receiveMessage());
    room.tell(new RoomEntity.MemberEnded("s-A", RoomEntity.EndReason.SOCKET_CLOSED));
    assertEquals(new InstanceReports.RoomRow("482913", 1), reports.receiveMessage());
    room.tell(new RoomEntity.Leave("s-B", reply.getRef()));
    reply.expectMessageClass(RoomEntity.Reply.Done.class);
    assertEquals(new InstanceReports.RoomRow("482913", -1), reports.receiveMessage(), "empty: deleted");

    ActorRef<RoomEntity.Command> other = kit.spawn(RoomEntity.create("111111", deps, null));
    other.tell(new RoomEntity.Create("room-2", new Room.Candidate("s-C", null, null), reply.getRef()));
    reply.expectMessageClass(RoomEntity.Reply.Created.class);
    assertEquals(new InstanceReports.RoomRow("111111", 1), reports.receiveMessage());
    kit.stop(other); // moved away (rebalance) or passivated
    assertEquals(new InstanceReports.RoomRow("111111", -1), reports.receiveMessage());
  }
}
