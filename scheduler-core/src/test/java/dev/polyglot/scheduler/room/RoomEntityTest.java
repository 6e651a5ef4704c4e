package dev.polyglot.scheduler.room;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.polyglot.scheduler.ops.Metrics;
import dev.polyglot.scheduler.store.Ledger;
import dev.polyglot.scheduler.testkit.FlakyLedger;
import dev.polyglot.scheduler.testkit.ManualClock;
import dev.polyglot.scheduler.testkit.TestKits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The room entity with probes for its members and ManualTime for its expiry and ledger retries. */
class RoomEntityTest {
  static final ActorTestKit kit = TestKits.manualTime();
  static final ManualTime time = ManualTime.get(kit.system());
  static final Duration EXPIRY = Duration.ofMinutes(30);
  static final Duration SCAN = Duration.ofSeconds(60);
  static final Duration QUIET = Duration.ofMillis(100);
  static final String CODE = "482913";

  /** One event the room sent to one member session through the port. */
  record Routed(String sessionId, RoomEvent event) {}

  /** The ledger of these tests: room reads and writes fail, or wait for the test, as a test says. */
  static final class RoomLedger extends FlakyLedger {
    final AtomicInteger failingRoomLoads = new AtomicInteger();
    final AtomicInteger failingRoomSaves = new AtomicInteger();
    final AtomicInteger failingRoomDeletes = new AtomicInteger();
    final AtomicInteger roomLoads = new AtomicInteger();
    volatile CompletableFuture<Optional<RoomRecord>> heldLoad;

    @Override
    public CompletionStage<Optional<RoomRecord>> loadRoom(String code) {
      roomLoads.incrementAndGet();
      if (heldLoad != null) return heldLoad;
      if (failingRoomLoads.getAndUpdate(n -> Math.max(0, n - 1)) > 0) return failed();
      return super.loadRoom(code);
    }

    @Override
    public CompletionStage<Void> saveRoom(RoomRecord r) {
      return failingRoomSaves.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? failed() : super.saveRoom(r);
    }

    @Override
    public CompletionStage<Void> deleteRoom(String code) {
      return failingRoomDeletes.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? failed() : super.deleteRoom(code);
    }

    Optional<RoomRecord> stored(String code) {
      return inner.loadRoom(code).toCompletableFuture().join();
    }

    private static <T> CompletionStage<T> failed() {
      return CompletableFuture.failedFuture(new IllegalStateException("ledger unavailable (test)"));
    }
  }

  private ManualClock clock;
  private RoomLedger ledger;
  private TestProbe<Routed> members;
  private TestProbe<RoomEntity.Reply> reply;
  private RoomEntity.Deps deps;
  private final Metrics metrics = Metrics.get(kit.system());

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @BeforeEach
  void setUp() {
    clock = new ManualClock(time);
    ledger = new RoomLedger();
    members = kit.createTestProbe();
    reply = kit.createTestProbe();
    RoomMemberRouter router = (sessionId, event) -> members.getRef().tell(new Routed(sessionId, event));
    deps = new RoomEntity.Deps(new RoomSettings(EXPIRY, SCAN, Duration.ofSeconds(2)), clock, router, ledger);
  }

  private ActorRef<RoomEntity.Command> spawn() {
    return kit.spawn(RoomEntity.create(CODE, deps, null));
  }

  static Room.Candidate candidate(String id, String lang) {
    return new Room.Candidate(id, "name of " + id, lang);
  }

  private <T extends RoomEntity.Reply> T ask(ActorRef<RoomEntity.Command> room, RoomEntity.Command c, Class<T> type) {
    room.tell(c);
    return reply.expectMessageClass(type);
  }

  /** A room made by s-A (zh) that s-B (en) and s-C (ja) joined; the members' events so far are consumed. */
  private ActorRef<RoomEntity.Command> roomOfThree() {
    ActorRef<RoomEntity.Command> room = spawn();
    ask(room, new RoomEntity.Create("id-1", candidate("s-A", "zh"), reply.getRef()), RoomEntity.Reply.Created.class);
    ask(room, new RoomEntity.Join(candidate("s-B", "en"), reply.getRef()), RoomEntity.Reply.Joined.class);
    ask(room, new RoomEntity.Join(candidate("s-C", "ja"), reply.getRef()), RoomEntity.Reply.Joined.class);
    members.receiveSeveralMessages(3); // s-A hears of s-B; s-A and s-B hear of s-C
    return room;
  }

  /** The events the members got, by session id, expecting exactly {@code n} of them. */
  private Map<String, RoomEvent> events(int n) {
    Map<String, RoomEvent> out = new HashMap<>();
    for (Routed r : members.receiveSeveralMessages(n)) assertNull(out.put(r.sessionId(), r.event()), "one each");
    members.expectNoMessage(QUIET);
    return out;
  }

  /**
   * Lets {@code n} scan intervals pass in one step (each step of ManualTime costs 100 ms of real time): every sweep in
   * between sees the clock at the end of the step, which is the latest, so none of them can expire a room too early.
   */
  private void sweeps(int n) {
    clock.advance(SCAN.multipliedBy(n));
  }

  private static List<String> ids(RoomEvent.Members m) {
    return m.members().stream().map(RoomEvent.Participant::sessionId).toList();
  }

  // -----------------------------------------------------------------------------------------------------------------
  // create, join, leave

  @Test
  void aCreateClaimsTheCodeRepliesWithTheCreatorAsOnlyMemberAndWritesTheRoomToTheLedger() {
    ActorRef<RoomEntity.Command> room = spawn();
    var created = ask(room, new RoomEntity.Create("id-1", candidate("s-A", "zh"), reply.getRef()),
        RoomEntity.Reply.Created.class);
    assertEquals(CODE, created.roomCode());
    assertEquals("id-1", created.roomId());
    assertEquals(List.of("s-A"), ids(created.members()));
    members.expectNoMessage(QUIET); // the creator hears it in the reply only
    Ledger.RoomRecord stored = ledger.stored(CODE).orElseThrow();
    assertEquals("id-1", stored.roomId());
    assertEquals(List.of("s-A"), stored.members().stream().map(Ledger.RoomRecord.Member::sessionId).toList());
  }

  @Test
  void aCodeHeldByAnotherRoomIsTakenButTheSameClaimRepeatedIsCreatedAgain() {
    ActorRef<RoomEntity.Command> room = spawn();
    ask(room, new RoomEntity.Create("id-1", candidate("s-A", "zh"), reply.getRef()), RoomEntity.Reply.Created.class);
    assertEquals(new RoomEntity.Reply.CodeTaken(CODE),
        ask(room, new RoomEntity.Create("id-2", candidate("s-B", "en"), reply.getRef()), RoomEntity.Reply.class));
    var again = ask(room, new RoomEntity.Create("id-1", candidate("s-A", "zh"), reply.getRef()),
        RoomEntity.Reply.Created.class);
    assertEquals(List.of("s-A"), ids(again.members()), "a retried claim changes nothing");
  }

  @Test
  void aJoinRepliesTheJoinerWithTheFullListAndTellsEveryOtherMember() {
    ActorRef<RoomEntity.Command> room = spawn();
    ask(room, new RoomEntity.Create("id-1", candidate("s-A", "zh"), reply.getRef()), RoomEntity.Reply.Created.class);
    var joined = ask(room, new RoomEntity.Join(candidate("s-B", "en"), reply.getRef()), RoomEntity.Reply.Joined.class);
    assertEquals(List.of("s-A", "s-B"), ids(joined.members()));
    Map<String, RoomEvent> told = events(1);
    assertEquals(joined.members(), told.get("s-A"));
    assertEquals(2, joined.members().version());
  }

  @Test
  void joiningARoomThatDoesNotExistIsRoomNotFoundAndJoiningTwiceIsAlreadyInRoom() {
    ActorRef<RoomEntity.Command> room = spawn();
    var notFound = ask(room, new RoomEntity.Join(candidate("s-B", "en"), reply.getRef()), RoomEntity.Reply.Refused.class);
    assertEquals(new RoomEntity.Reply.Refused(CODE, Room.Refusal.ROOM_NOT_FOUND, "room 482913 does not exist"), notFound);
    ask(room, new RoomEntity.Create("id-1", candidate("s-A", "zh"), reply.getRef()), RoomEntity.Reply.Created.class);
    var twice = ask(room, new RoomEntity.Join(candidate("s-A", "zh"), reply.getRef()), RoomEntity.Reply.Refused.class);
    assertEquals(Room.Refusal.ALREADY_IN_ROOM, twice.code());
    members.expectNoMessage(QUIET);
  }

  @Test
  void aLeaveTellsTheRemainingMembersAndNotTheLeaver() {
    ActorRef<RoomEntity.Command> room = roomOfThree();
    assertEquals(new RoomEntity.Reply.Done(CODE),
        ask(room, new RoomEntity.Leave("s-B", reply.getRef()), RoomEntity.Reply.class));
    Map<String, RoomEvent> told = events(2);
    assertEquals(List.of("s-A", "s-C"), ids((RoomEvent.Members) told.get("s-A")));
    assertEquals(told.get("s-A"), told.get("s-C"));
    assertEquals(List.of("s-A", "s-C"),
        ledger.stored(CODE).orElseThrow().members().stream().map(Ledger.RoomRecord.Member::sessionId).toList());
  }

  @Test
  void leavingARoomThatDoesNotExistOrThatOneIsNotInIsRoomNotFound() {
    ActorRef<RoomEntity.Command> room = spawn();
    assertEquals(Room.Refusal.ROOM_NOT_FOUND,
        ask(room, new RoomEntity.Leave("s-A", reply.getRef()), RoomEntity.Reply.Refused.class).code());
    ask(room, new RoomEntity.Create("id-1", candidate("s-A", "zh"), reply.getRef()), RoomEntity.Reply.Created.class);
    var notIn = ask(room, new RoomEntity.Leave("s-Z", reply.getRef()), RoomEntity.Reply.Refused.class);
    assertEquals(new RoomEntity.Reply.Refused(CODE, Room.Refusal.ROOM_NOT_FOUND, "not in room 482913"), notIn);
  }

  @Test
  void theLastMemberLeavingDeletesTheRoomAndFreesItsCode() {
    ActorRef<RoomEntity.Command> room = spawn();
    ask(room, new RoomEntity.Create("id-1", candidate("s-A", "zh"), reply.getRef()), RoomEntity.Reply.Created.class);
    ask(room, new RoomEntity.Leave("s-A", reply.getRef()), RoomEntity.Reply.Done.class);
    members.expectNoMessage(QUIET);
    assertEquals(Optional.empty(), ledger.stored(CODE));
    assertEquals(Room.Refusal.ROOM_NOT_FOUND,
        ask(room, new RoomEntity.Join(candidate("s-B", "en"), reply.getRef()), RoomEntity.Reply.Refused.class).code());
    var created = ask(room, new RoomEntity.Create("id-2", candidate("s-B", "en"), reply.getRef()),
        RoomEntity.Reply.Created.class);
    assertEquals("id-2", created.roomId());
  }

  @Test
  void aMemberWhoseSessionEndedIsRemovedWithoutAReplyAndAnUnknownOneIsIgnored() {
    ActorRef<RoomEntity.Command> room = roomOfThree();
    long before = metrics.value("room_members_ended_total", "reason", "socket_closed");
    room.tell(new RoomEntity.MemberEnded("s-Z", RoomEntity.EndReason.SOCKET_CLOSED));
    room.tell(new RoomEntity.MemberEnded("s-C", RoomEntity.EndReason.SOCKET_CLOSED));
    Map<String, RoomEvent> told = events(2);
    assertEquals(List.of("s-A", "s-B"), ids((RoomEvent.Members) told.get("s-B")));
    reply.expectNoMessage(QUIET);
    assertEquals(before + 1, metrics.value("room_members_ended_total", "reason", "socket_closed"));
  }

  @Test
  void aRawVoicePreferenceIsStoredAndEveryMemberIncludingTheCallerIsTold() {
    ActorRef<RoomEntity.Command> room = roomOfThree();
    ask(room, new RoomEntity.SetRawVoice("s-B", "s-A", false, reply.getRef()), RoomEntity.Reply.Done.class);
    Map<String, RoomEvent> told = events(3);
    RoomEvent.Members m = (RoomEvent.Members) told.get("s-B");
    assertEquals(Map.of("s-A", false), m.members().get(1).rawVoicePreferences());
    assertEquals(m, told.get("s-A"));
    assertEquals(Map.of("s-A", false), ledger.stored(CODE).orElseThrow().members().get(1).rawVoicePreferences());
    assertEquals(Room.Refusal.ROOM_NOT_FOUND, ask(room, new RoomEntity.SetRawVoice("s-Z", "s-A", false, reply.getRef()),
        RoomEntity.Reply.Refused.class).code());
    ask(room, new RoomEntity.SetRawVoice("s-B", "s-Z", false, reply.getRef()), RoomEntity.Reply.Done.class);
    members.expectNoMessage(QUIET); // a preference about a non-member is ignored
  }

  // -----------------------------------------------------------------------------------------------------------------
  // relay, fan-out, members

  @Test
  void aSignalGoesToItsTargetWithToRewrittenToTheSenderAndEveryDropIsCountedWithItsReason() {
    ActorRef<RoomEntity.Command> room = roomOfThree();
    ObjectNode sdp = JsonNodeFactory.instance.objectNode().put("type", "offer").put("sdp", "v=0");
    room.tell(new RoomEntity.Relay("webrtc_offer", "s-A", "s-B", sdp, null));
    Routed r = members.receiveMessage();
    assertEquals("s-B", r.sessionId());
    assertEquals(new RoomEvent.Signal(CODE, "webrtc_offer", "s-A", sdp, null), r.event());

    ask(room, new RoomEntity.SetRawVoice("s-C", "s-A", false, reply.getRef()), RoomEntity.Reply.Done.class);
    events(3);
    Map<String, Long> before = new HashMap<>();
    for (Room.DropReason d : Room.DropReason.values()) {
      before.put(d.label(), metrics.value("room_relay_dropped_total", "reason", d.label()));
    }
    room.tell(new RoomEntity.Relay("webrtc_ice", "s-A", "s-Z", null, sdp));
    room.tell(new RoomEntity.Relay("webrtc_ice", "s-Z", "s-A", null, sdp));
    room.tell(new RoomEntity.Relay("webrtc_answer", "s-A", "s-C", sdp, null));
    room.tell(new RoomEntity.Relay("webrtc_ice", "s-C", "s-A", null, sdp)); // refusing is one-way
    Routed back = members.receiveMessage();
    assertEquals(new Routed("s-A", new RoomEvent.Signal(CODE, "webrtc_ice", "s-C", null, sdp)), back);
    members.expectNoMessage(QUIET);
    for (Room.DropReason d : List.of(Room.DropReason.TARGET_NOT_IN_ROOM, Room.DropReason.SENDER_NOT_IN_ROOM,
        Room.DropReason.RAW_VOICE_REFUSED)) {
      assertEquals(before.get(d.label()) + 1, metrics.value("room_relay_dropped_total", "reason", d.label()), d.label());
    }
  }

  @Test
  void aSignalForARoomThatDoesNotExistIsDroppedAndCounted() {
    long before = metrics.value("room_relay_dropped_total", "reason", "room_not_found");
    ActorRef<RoomEntity.Command> room = spawn();
    room.tell(new RoomEntity.Relay("webrtc_offer", "s-A", "s-B", null, null));
    ask(room, new RoomEntity.GetMembers(reply.getRef()), RoomEntity.Reply.Refused.class);
    members.expectNoMessage(QUIET);
    assertEquals(before + 1, metrics.value("room_relay_dropped_total", "reason", "room_not_found"));
  }

  @Test
  void theFanoutOfASpeakerIsOneJobPerOtherLanguageAndNoneForSomeoneNotInTheRoom() {
    ActorRef<RoomEntity.Command> room = roomOfThree();
    var plan = ask(room, new RoomEntity.GetFanout("s-A", "en", reply.getRef()), RoomEntity.Reply.Plan.class).plan();
    assertEquals(List.of(new FanoutPlan.Target("en", List.of("s-B")), new FanoutPlan.Target("ja", List.of("s-C"))),
        plan.targets());
    assertEquals(Room.Refusal.ROOM_NOT_FOUND,
        ask(room, new RoomEntity.GetFanout("s-Z", "en", reply.getRef()), RoomEntity.Reply.Refused.class).code());
    var current = ask(room, new RoomEntity.GetMembers(reply.getRef()), RoomEntity.Reply.Current.class);
    assertEquals(List.of("s-A", "s-B", "s-C"), ids(current.members()));
  }

  // -----------------------------------------------------------------------------------------------------------------
  // expiry

  @Test
  void aRoomWithoutADeliveredResultExpiresAtTheFirstSweepAfterTheExpiryThenItsCodeIsFree() {
    ActorRef<RoomEntity.Command> room = roomOfThree();
    sweeps(29);
    members.expectNoMessage(QUIET);
    sweeps(1); // 30 minutes after its creation
    Map<String, RoomEvent> told = events(3);
    for (String id : List.of("s-A", "s-B", "s-C")) {
      assertEquals(new RoomEvent.Expired(CODE, "room expired after 30 minutes without speech"), told.get(id));
    }
    assertEquals(Optional.empty(), ledger.stored(CODE));
    assertEquals(Room.Refusal.ROOM_NOT_FOUND,
        ask(room, new RoomEntity.Join(candidate("s-D", "en"), reply.getRef()), RoomEntity.Reply.Refused.class).code());
  }

  @Test
  void aDeliveredResultKeepsTheRoomForAnotherExpiry() {
    ActorRef<RoomEntity.Command> room = roomOfThree();
    sweeps(20);
    room.tell(new RoomEntity.Delivered("s-A"));
    ask(room, new RoomEntity.GetMembers(reply.getRef()), RoomEntity.Reply.Current.class); // handled at 20 minutes
    sweeps(29); // 49 minutes after the creation, 29 after the delivery
    members.expectNoMessage(QUIET);
    sweeps(1);
    assertInstanceOf(RoomEvent.Expired.class, events(3).get("s-C"));
  }

  @Test
  void anEntityWithoutARoomStopsItselfAfterItLingered() {
    ActorRef<RoomEntity.Command> room = spawn();
    ask(room, new RoomEntity.GetMembers(reply.getRef()), RoomEntity.Reply.Refused.class);
    TestProbe<Object> watcher = kit.createTestProbe();
    clock.advance(RoomEntity.ABSENT_LINGER.minusMillis(1));
    ask(room, new RoomEntity.GetMembers(reply.getRef()), RoomEntity.Reply.Refused.class);
    clock.advance(Duration.ofMillis(1));
    watcher.expectTerminated(room, Duration.ofSeconds(3));
  }

  @Test
  void aLiveRoomDoesNotStopForIdleness() {
    ActorRef<RoomEntity.Command> room = roomOfThree();
    clock.advance(RoomEntity.ABSENT_LINGER.plusSeconds(1));
    assertEquals(3, ask(room, new RoomEntity.GetMembers(reply.getRef()), RoomEntity.Reply.Current.class)
        .members().members().size());
  }

  // -----------------------------------------------------------------------------------------------------------------
  // the ledger: crash recovery and failures

  @Test
  void aRoomOutlivesItsEntityAndItsRestoredEntityTellsEveryMemberToResync() {
    ActorRef<RoomEntity.Command> first = roomOfThree();
    ask(first, new RoomEntity.SetRawVoice("s-C", "s-A", false, reply.getRef()), RoomEntity.Reply.Done.class);
    events(3);
    kit.stop(first, Duration.ofSeconds(3)); // the instance hosting it died

    ActorRef<RoomEntity.Command> second = spawn();
    Map<String, RoomEvent> told = events(3);
    RoomEvent.Members resync = (RoomEvent.Members) told.get("s-B");
    assertTrue(resync.resync());
    assertEquals(5, resync.version(), "above the 4 changes written before");
    assertEquals(List.of("s-A", "s-B", "s-C"), ids(resync));
    assertEquals(Map.of("s-A", false), resync.members().get(2).rawVoicePreferences());
    assertEquals(5, ledger.stored(CODE).orElseThrow().version(), "the new version is written at once");

    second.tell(new RoomEntity.Relay("webrtc_offer", "s-A", "s-C", null, null));
    members.expectNoMessage(QUIET); // the preference survived
    ask(second, new RoomEntity.Leave("s-B", reply.getRef()), RoomEntity.Reply.Done.class);
    RoomEvent.Members after = (RoomEvent.Members) events(2).get("s-A");
    assertFalse(after.resync());
    assertEquals(6, after.version());
  }

  @Test
  void aRestoredRoomStartsItsExpiryClockAgain() {
    ActorRef<RoomEntity.Command> first = roomOfThree();
    sweeps(25);
    kit.stop(first, Duration.ofSeconds(3));
    spawn();
    events(3); // resync
    sweeps(29);
    members.expectNoMessage(QUIET);
    sweeps(1);
    assertInstanceOf(RoomEvent.Expired.class, events(3).get("s-A"));
  }

  @Test
  void messagesWaitWhileTheLedgerIsReadAndAreThenHandledInOrder() {
    Ledger.RoomRecord rec = Room.create(CODE, "id-1", candidate("s-A", "zh"), 0, 0).toRecord();
    ledger.heldLoad = new CompletableFuture<>();
    ActorRef<RoomEntity.Command> room = spawn();
    room.tell(new RoomEntity.Join(candidate("s-B", "en"), reply.getRef()));
    room.tell(new RoomEntity.GetMembers(reply.getRef()));
    reply.expectNoMessage(QUIET);
    ledger.heldLoad.complete(Optional.of(rec));
    assertEquals(List.of("s-A", "s-B"), ids(reply.expectMessageClass(RoomEntity.Reply.Joined.class).members()));
    assertEquals(List.of("s-A", "s-B"), ids(reply.expectMessageClass(RoomEntity.Reply.Current.class).members()));
  }

  @Test
  void aFailedLedgerReadIsTriedAgainWithAGrowingDelay() {
    ledger.inner.saveRoom(Room.create(CODE, "id-1", candidate("s-A", "zh"), 0, 0).toRecord());
    ledger.failingRoomLoads.set(2);
    ActorRef<RoomEntity.Command> room = spawn();
    room.tell(new RoomEntity.Join(candidate("s-B", "en"), reply.getRef()));
    reply.expectNoMessage(QUIET);
    clock.advance(Duration.ofMillis(300)); // the first retry, which fails again
    reply.expectNoMessage(QUIET);
    assertEquals(2, ledger.roomLoads.get());
    clock.advance(Duration.ofMillis(599));
    reply.expectNoMessage(QUIET);
    clock.advance(Duration.ofMillis(1)); // the second retry, 600 ms later, succeeds
    assertEquals(List.of("s-A", "s-B"), ids(reply.expectMessageClass(RoomEntity.Reply.Joined.class).members()));
    assertEquals(3, ledger.roomLoads.get());
  }

  @Test
  void whenTheLedgerNeverAnswersTheEntityGivesUpAndGoesOnWithoutARoom() {
    ledger.heldLoad = new CompletableFuture<>(); // never completes
    long failed = metrics.value("room_load_failed_total");
    ActorRef<RoomEntity.Command> room = spawn();
    room.tell(new RoomEntity.Create("id-1", candidate("s-A", "zh"), reply.getRef()));
    // each read times out after 3 s and is tried again 300, 600, 1200 ms later; never before the 10 s bound
    for (int i = 0; i < 9; i++) {
      clock.advance(Duration.ofSeconds(1));
      reply.expectNoMessage(Duration.ofMillis(20));
    }
    for (int i = 0; i < 6; i++) clock.advance(Duration.ofSeconds(1)); // the first timeout past the bound
    // the stashed claim is handled after the entity gave up on the ledger
    assertInstanceOf(RoomEntity.Reply.Created.class, reply.receiveMessage(Duration.ofSeconds(3)));
    assertEquals(failed + 1, metrics.value("room_load_failed_total"));
    assertTrue(ledger.roomLoads.get() >= 3, "it tried again before giving up: " + ledger.roomLoads.get());
  }

  @Test
  void aRoomWhoseWriteFailedIsWrittenAgainAtTheNextSweep() {
    ledger.failingRoomSaves.set(1);
    ActorRef<RoomEntity.Command> room = spawn();
    ask(room, new RoomEntity.Create("id-1", candidate("s-A", "zh"), reply.getRef()), RoomEntity.Reply.Created.class);
    assertEquals(Optional.empty(), ledger.stored(CODE));
    sweeps(1);
    ask(room, new RoomEntity.GetMembers(reply.getRef()), RoomEntity.Reply.Current.class); // the sweep was handled
    assertEquals("id-1", ledger.stored(CODE).orElseThrow().roomId());
  }

  @Test
  void aRoomWhoseDeleteFailedIsDeletedAgainBeforeItsEntityStops() {
    ledger.failingRoomDeletes.set(1);
    ActorRef<RoomEntity.Command> room = spawn();
    ask(room, new RoomEntity.Create("id-1", candidate("s-A", "zh"), reply.getRef()), RoomEntity.Reply.Created.class);
    room.tell(new RoomEntity.MemberEnded("s-A", RoomEntity.EndReason.CLOSED));
    ask(room, new RoomEntity.GetMembers(reply.getRef()), RoomEntity.Reply.Refused.class);
    assertTrue(ledger.stored(CODE).isPresent(), "the delete failed");
    TestProbe<Object> watcher = kit.createTestProbe();
    clock.advance(RoomEntity.ABSENT_LINGER);
    ask(room, new RoomEntity.GetMembers(reply.getRef()), RoomEntity.Reply.Refused.class);
    assertEquals(Optional.empty(), ledger.stored(CODE), "deleted again instead of stopping");
    clock.advance(RoomEntity.ABSENT_LINGER);
    watcher.expectTerminated(room, Duration.ofSeconds(3));
  }

  @Test
  void manyRoomsAreIndependent() {
    List<ActorRef<RoomEntity.Command>> rooms = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ActorRef<RoomEntity.Command> r = kit.spawn(RoomEntity.create("10000" + i, deps, null));
      ask(r, new RoomEntity.Create("id-" + i, candidate("s-" + i, "en"), reply.getRef()), RoomEntity.Reply.Created.class);
      rooms.add(r);
    }
    ask(rooms.get(2), new RoomEntity.Leave("s-2", reply.getRef()), RoomEntity.Reply.Done.class);
    assertEquals(Optional.empty(), ledger.stored("100002"));
    assertTrue(ledger.stored("100003").isPresent());
  }
}
