package dev.polyglot.scheduler.store;

import static dev.polyglot.scheduler.store.RedisLedgerTest.await;
import static dev.polyglot.scheduler.store.RedisLedgerTest.awaitUp;
import static dev.polyglot.scheduler.store.RedisLedgerTest.failure;
import static dev.polyglot.scheduler.store.RedisLedgerTest.integerReply;
import static dev.polyglot.scheduler.store.RedisLedgerTest.settings;
import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.store.Ledger.RoomRecord;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/** Rooms in the Redis ledger, against a real {@code redis-server} child process on loopback. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class RedisLedgerRoomsTest {
  static RedisServerProcess redis;
  static RedisLedger ledger;

  @BeforeAll
  static void start() {
    redis = RedisServerProcess.start();
    ledger = RedisLedger.connect(settings(redis.uri()));
    awaitUp(ledger, Duration.ofSeconds(10));
  }

  @AfterAll
  static void stop() {
    try {
      if (ledger != null) await(ledger.closeAsync());
    } finally {
      if (redis != null) redis.close();
    }
  }

  static String newCode() {
    return UUID.randomUUID().toString().substring(0, 6);
  }

  static RoomRecord room(String code, long version) {
    return new RoomRecord(code, "9a4d6f0e-2b1c-4e7a-8d3f-5c6b7a8e9f01", 1_767_225_600_000L, null, version, List.of(
        new RoomRecord.Member("s-3F9A0C1B", "Alice", "zh", Map.of(), 1_767_225_600_123L),
        new RoomRecord.Member("s-77E01A2C", null, null, Map.of("s-3F9A0C1B", false), 1_767_225_602_410L)));
  }

  @Test
  void a_room_round_trips_with_its_members_and_preferences_and_the_latest_save_wins() {
    String code = newCode();
    await(ledger.saveRoom(room(code, 3)));
    assertEquals(Optional.of(room(code, 3)), await(ledger.loadRoom(code)));
    RoomRecord later = new RoomRecord(code, room(code, 3).roomId(), 1_767_225_600_000L, 1_767_225_700_000L, 4,
        room(code, 3).members().subList(0, 1));
    await(ledger.saveRoom(later));
    assertEquals(Optional.of(later), await(ledger.loadRoom(code)));
  }

  @Test
  void an_unknown_room_is_empty() {
    assertEquals(Optional.empty(), await(ledger.loadRoom(newCode())));
  }

  @Test
  void deleting_a_room_removes_its_key_and_frees_its_code() {
    String code = newCode();
    await(ledger.saveRoom(room(code, 1)));
    await(ledger.deleteRoom(code));
    assertEquals(Optional.empty(), await(ledger.loadRoom(code)));
    assertEquals(0, integerReply(redis.command("EXISTS " + ledger.roomKey(code))));
    await(ledger.deleteRoom(code)); // deleting again is harmless
  }

  @Test
  void a_room_is_one_key_under_the_prefix_that_expires_within_24_hours_and_every_save_refreshes_it() {
    String code = newCode();
    await(ledger.saveRoom(room(code, 1)));
    String key = ledger.roomKey(code);
    assertEquals(RedisLedgerTest.PREFIX + ":room:{" + code + "}", key);
    long day = Duration.ofHours(24).toMillis();
    long pttl = integerReply(redis.command("PTTL " + key));
    assertTrue(pttl > day - 60_000 && pttl <= day, "PTTL " + pttl);
    assertEquals(1, integerReply(redis.command("PEXPIRE " + key + " 60000")));
    await(ledger.saveRoom(room(code, 2)));
    assertTrue(integerReply(redis.command("PTTL " + key)) > 60_000, "the save gave the key its full TTL again");
  }

  @Test
  void when_redis_is_gone_room_operations_fail_fast_and_never_throw() {
    RedisServerProcess other = RedisServerProcess.start();
    RedisLedger l = RedisLedger.connect(settings(other.uri()));
    try {
      awaitUp(l, Duration.ofSeconds(10));
      other.kill();
      RedisLedgerTest.eventually(Duration.ofSeconds(2), () -> assertEquals("down", l.serverState()));
      String code = newCode();
      for (var op : List.<java.util.function.Supplier<java.util.concurrent.CompletionStage<?>>>of(
          () -> l.saveRoom(room(code, 1)), () -> l.loadRoom(code), () -> l.deleteRoom(code))) {
        long t0 = System.nanoTime();
        RedisLedgerTest.Failure f = failure(op.get(), t0);
        assertTrue(f.took().compareTo(RedisLedgerTest.FAIL_FAST_BOUND) < 0, "took " + f.took().toMillis() + " ms");
      }
    } finally {
      await(l.closeAsync());
      other.close();
    }
  }
}
