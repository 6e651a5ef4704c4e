package dev.polyglot.scheduler.room;

import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.api.SchedulerClock;
import dev.polyglot.scheduler.store.RedisLedger;
import dev.polyglot.scheduler.store.RedisServerProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A room outlives the instance hosting its entity (issue 13, item 5): the entity writes it to a real Redis, and an
 * entity for the same code on another "instance" (another ActorSystem with its own Redis connection) continues it.
 */
class RoomEntityRedisTest {
  static RedisServerProcess redis;

  record Routed(String sessionId, RoomEvent event) {}

  @BeforeAll
  static void start() {
    redis = RedisServerProcess.start();
  }

  @AfterAll
  static void stop() {
    if (redis != null) redis.close();
  }

  static RedisLedger connect() {
    RedisLedger l = RedisLedger.connect(new RedisLedger.Settings(redis.uri(), Duration.ofMillis(500), "roomtest"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!"up".equals(l.serverState())) {
      if (System.nanoTime() > deadline) throw new AssertionError("redis ledger not up");
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    return l;
  }

  @Test
  void aRoomWrittenToRedisByOneInstanceIsContinuedByAnotherAfterTheFirstDied() throws Exception {
    String code = "731" + (System.nanoTime() % 1000 + 1000);
    ActorTestKit first = ActorTestKit.create("first", com.typesafe.config.ConfigFactory.parseString(
        "pekko.actor.provider = local"));
    RedisLedger firstLedger = connect();
    try {
      TestProbe<Routed> members = first.createTestProbe();
      TestProbe<RoomEntity.Reply> reply = first.createTestProbe();
      RoomEntity.Deps deps = new RoomEntity.Deps(RoomSettings.DEFAULT, SchedulerClock.SYSTEM,
          (id, e) -> members.getRef().tell(new Routed(id, e)), firstLedger);
      ActorRef<RoomEntity.Command> room = first.spawn(RoomEntity.create(code, deps, null));
      room.tell(new RoomEntity.Create("id-x", new Room.Candidate("s-A", "Alice", "zh"), reply.getRef()));
      reply.expectMessageClass(RoomEntity.Reply.Created.class, Duration.ofSeconds(5));
      room.tell(new RoomEntity.Join(new Room.Candidate("s-B", "Bob", "en"), reply.getRef()));
      reply.expectMessageClass(RoomEntity.Reply.Joined.class, Duration.ofSeconds(5));
      room.tell(new RoomEntity.SetRawVoice("s-B", "s-A", false, reply.getRef()));
      reply.expectMessageClass(RoomEntity.Reply.Done.class, Duration.ofSeconds(5));
      // the writes are asynchronous: wait until Redis holds the last change
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (firstLedger.loadRoom(code).toCompletableFuture().get(2, TimeUnit.SECONDS)
          .map(r -> r.version() < 3).orElse(true)) {
        if (System.nanoTime() > deadline) throw new AssertionError("the room never reached Redis");
        Thread.sleep(20);
      }
    } finally {
      first.shutdownTestKit(); // the instance dies with its entity
      firstLedger.closeAsync().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    ActorTestKit second = ActorTestKit.create("second", com.typesafe.config.ConfigFactory.parseString(
        "pekko.actor.provider = local"));
    RedisLedger secondLedger = connect();
    try {
      TestProbe<Routed> members = second.createTestProbe();
      TestProbe<RoomEntity.Reply> reply = second.createTestProbe();
      RoomEntity.Deps deps = new RoomEntity.Deps(RoomSettings.DEFAULT, SchedulerClock.SYSTEM,
          (id, e) -> members.getRef().tell(new Routed(id, e)), secondLedger);
      ActorRef<RoomEntity.Command> room = second.spawn(RoomEntity.create(code, deps, null));
      room.tell(new RoomEntity.GetMembers(reply.getRef()));
      RoomEvent.Members view = reply.expectMessageClass(RoomEntity.Reply.Current.class, Duration.ofSeconds(5)).members();
      assertEquals(List.of("s-A", "s-B"), view.members().stream().map(RoomEvent.Participant::sessionId).toList());
      assertEquals(Map.of("s-A", false), view.members().get(1).rawVoicePreferences());
      assertEquals("id-x", view.roomId());
      for (Routed r : members.receiveSeveralMessages(2)) {
        assertTrue(((RoomEvent.Members) r.event()).resync(), "every member is told to resync: " + r);
      }
      room.tell(new RoomEntity.Leave("s-A", reply.getRef()));
      reply.expectMessageClass(RoomEntity.Reply.Done.class, Duration.ofSeconds(5));
      room.tell(new RoomEntity.Leave("s-B", reply.getRef()));
      reply.expectMessageClass(RoomEntity.Reply.Done.class, Duration.ofSeconds(5));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (secondLedger.loadRoom(code).toCompletableFuture().get(2, TimeUnit.SECONDS).isPresent()) {
        if (System.nanoTime() > deadline) throw new AssertionError("the empty room was not deleted from Redis");
        Thread.sleep(20);
      }
    } finally {
      second.shutdownTestKit();
      secondLedger.closeAsync().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
  }
}
