package dev.polyglot.scheduler.store;

import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.store.Ledger.RoomRecord;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Rooms in the in-memory ledger: the same contract as Redis, bounded by the same time to live. */
class InMemoryLedgerRoomsTest {

  static RoomRecord room(String code, long version) {
    return new RoomRecord(code, "id-" + code, 1L, null, version,
        List.of(new RoomRecord.Member("s-A", "Alice", "zh", Map.of("s-B", false), 2L)));
  }

  static Optional<RoomRecord> load(Ledger l, String code) {
    return l.loadRoom(code).toCompletableFuture().join();
  }

  @Test
  void aRoomRoundTripsTheLatestSaveWinsAndADeleteFreesItsCode() {
    InMemoryLedger l = new InMemoryLedger();
    l.saveRoom(room("100001", 1));
    l.saveRoom(room("100001", 2));
    assertEquals(Optional.of(room("100001", 2)), load(l, "100001"));
    assertEquals(Optional.empty(), load(l, "100002"));
    l.deleteRoom("100001");
    assertEquals(Optional.empty(), load(l, "100001"));
    assertEquals(0, l.rooms());
  }

  @Test
  void aRoomNotWrittenForTheTtlIsForgottenAndAWrittenOneIsKept() {
    AtomicLong clock = new AtomicLong(0);
    InMemoryLedger l = new InMemoryLedger(Duration.ofHours(24), 100, clock::get);
    l.saveRoom(room("idle", 1));
    for (int h = 1; h <= 25; h++) {
      clock.set(Duration.ofHours(h).toMillis());
      l.saveRoom(room("busy", h));
    }
    assertEquals(Optional.empty(), load(l, "idle"));
    assertEquals(1, l.rooms(), "the idle room was dropped from memory too");
    assertEquals(25, load(l, "busy").orElseThrow().version());
  }
}
