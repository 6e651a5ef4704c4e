package dev.polyglot.scheduler.room;

import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.store.Ledger;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The room decisions of spec/BEHAVIOUR.md §12 and PROTOCOL.md §6.13–6.14, without actors. */
class RoomTest {
  static final long WALL = 1_767_225_600_000L; // 2026-01-01T00:00:00.000Z
  static final Duration EXPIRY = Duration.ofMinutes(30);

  static Room.Candidate alice = new Room.Candidate("s-A", "Alice", "zh");
  static Room.Candidate bob = new Room.Candidate("s-B", "Bob", "en");
  static Room.Candidate carol = new Room.Candidate("s-C", "Carol", "en");

  static Room roomOfAlice() {
    return Room.create("482913", "room-id-1", alice, 1_000, WALL);
  }

  static Room join(Room r, Room.Candidate c, long wall) {
    Room.Step s = r.join(c, wall);
    assertTrue(s.accepted(), () -> "join refused: " + s.refusal());
    assertTrue(s.changed());
    return s.room();
  }

  static Room threeMembers() {
    return join(join(roomOfAlice(), bob, WALL + 10), carol, WALL + 20);
  }

  @Test
  void aNewRoomHasItsCreatorAsOnlyMemberAtVersionOne() {
    Room r = roomOfAlice();
    assertEquals("482913", r.code());
    assertEquals("room-id-1", r.roomId());
    assertEquals(List.of("s-A"), r.memberIds());
    assertEquals(1, r.version());
    assertEquals(WALL, r.createdAtWall());
    assertNull(r.lastDeliveryWall());
    assertFalse(r.isEmpty());
  }

  @Test
  void joiningAppendsTheJoinerInJoinOrderAndRaisesTheVersion() {
    Room r = threeMembers();
    assertEquals(List.of("s-A", "s-B", "s-C"), r.memberIds());
    assertEquals(3, r.version());
    assertEquals(WALL + 10, r.member("s-B").orElseThrow().joinedAtWall());
  }

  @Test
  void joiningARoomOneIsAlreadyInIsRefusedAsAlreadyInRoomAndChangesNothing() {
    Room r = threeMembers();
    Room.Step s = r.join(new Room.Candidate("s-B", "Bobby", "fr"), WALL + 99);
    assertEquals(Room.Refusal.ALREADY_IN_ROOM, s.refusal());
    assertFalse(s.changed());
    assertSame(r, s.room());
    assertEquals("Bob", s.room().member("s-B").orElseThrow().displayName());
  }

  @Test
  void leavingRemovesTheMemberAndForgetsItInTheOthersRawVoicePreferences() {
    Room r = threeMembers().setRawVoice("s-A", "s-B", false).room().setRawVoice("s-C", "s-B", true).room();
    Room.Step s = r.leave("s-B");
    assertTrue(s.accepted());
    assertTrue(s.changed());
    assertEquals(List.of("s-A", "s-C"), s.room().memberIds());
    assertEquals(Map.of(), s.room().member("s-A").orElseThrow().rawVoicePreferences());
    assertEquals(Map.of(), s.room().member("s-C").orElseThrow().rawVoicePreferences());
    assertEquals(r.version() + 1, s.room().version());
  }

  @Test
  void leavingARoomOneIsNotInIsRoomNotFound() {
    Room.Step s = threeMembers().leave("s-Z");
    assertEquals(Room.Refusal.ROOM_NOT_FOUND, s.refusal());
    assertFalse(s.changed());
  }

  @Test
  void theLastMemberLeavingLeavesTheRoomEmptyToBeDeleted() {
    Room r = join(roomOfAlice(), bob, WALL);
    Room afterBob = r.leave("s-B").room();
    assertFalse(afterBob.isEmpty());
    assertTrue(afterBob.leave("s-A").room().isEmpty());
  }

  @Test
  void aRawVoicePreferenceIsStoredForTheCallerAndEveryMemberIsToldEvenWhenItWasAlreadyStored() {
    Room r = threeMembers();
    Room.Step s = r.setRawVoice("s-B", "s-A", false);
    assertTrue(s.accepted());
    assertTrue(s.changed());
    assertEquals(Map.of("s-A", false), s.room().member("s-B").orElseThrow().rawVoicePreferences());
    assertEquals(Map.of(), s.room().member("s-A").orElseThrow().rawVoicePreferences(), "only the caller's changes");
    Room.Step again = s.room().setRawVoice("s-B", "s-A", false);
    assertTrue(again.changed(), "PROTOCOL.md §6.13: all members get room_members");
    assertEquals(s.room().version() + 1, again.room().version());
  }

  @Test
  void aRawVoicePreferenceFromSomeoneNotInTheRoomIsRoomNotFound() {
    assertEquals(Room.Refusal.ROOM_NOT_FOUND, threeMembers().setRawVoice("s-Z", "s-A", false).refusal());
  }

  @Test
  void aRawVoicePreferenceAboutSomeoneNotInTheRoomOrAboutOneselfIsIgnoredSoPreferencesStayBounded() {
    Room r = threeMembers();
    for (String target : new String[] {"s-Z", "s-B", null}) {
      Room.Step s = r.setRawVoice("s-B", target, false);
      assertTrue(s.accepted());
      assertFalse(s.changed(), "target " + target);
      assertSame(r, s.room());
    }
  }

  @Test
  void withoutAStoredPreferenceAMemberReceivesEveryonesRawVoice() {
    Room.Member m = threeMembers().member("s-C").orElseThrow();
    assertTrue(m.receivesRawVoiceOf("s-A"));
    assertTrue(m.receivesRawVoiceOf("s-B"));
  }

  // -------------------------------------------------------------------------------------------------------------
  // relay

  @Test
  void aSignalIsForwardedToItsTargetWithToRewrittenToTheSender() {
    assertEquals(new Room.RelayDecision.Forward("s-B", "s-A"), threeMembers().relay("s-A", "s-B"));
  }

  @Test
  void aSignalToSomeoneNotInTheRoomIsDropped() {
    assertEquals(new Room.RelayDecision.Drop(Room.DropReason.TARGET_NOT_IN_ROOM), threeMembers().relay("s-A", "s-Z"));
  }

  @Test
  void aSignalFromSomeoneNotInTheRoomIsDropped() {
    assertEquals(new Room.RelayDecision.Drop(Room.DropReason.SENDER_NOT_IN_ROOM), threeMembers().relay("s-Z", "s-A"));
  }

  @Test
  void aSignalToAMemberWhoRefusedTheSendersRawVoiceIsDroppedButOthersStillReachIt() {
    Room r = threeMembers().setRawVoice("s-B", "s-A", false).room();
    assertEquals(new Room.RelayDecision.Drop(Room.DropReason.RAW_VOICE_REFUSED), r.relay("s-A", "s-B"));
    assertEquals(new Room.RelayDecision.Forward("s-B", "s-C"), r.relay("s-C", "s-B"));
    assertEquals(new Room.RelayDecision.Forward("s-A", "s-B"), r.relay("s-B", "s-A"), "refusing is one-way");
    Room again = r.setRawVoice("s-B", "s-A", true).room();
    assertEquals(new Room.RelayDecision.Forward("s-B", "s-A"), again.relay("s-A", "s-B"));
  }

  @Test
  void onlyTheThreeWebrtcTypesAreSignals() {
    assertTrue(Room.isSignalType("webrtc_offer"));
    assertTrue(Room.isSignalType("webrtc_answer"));
    assertTrue(Room.isSignalType("webrtc_ice"));
    assertFalse(Room.isSignalType("webrtc_bye"));
    assertFalse(Room.isSignalType(null));
    assertThrows(IllegalArgumentException.class, () -> new RoomEntity.Relay("room_join", "s-A", "s-B", null, null));
  }

  @Test
  void dropReasonsAreLowerCaseMetricLabels() {
    assertEquals("raw_voice_refused", Room.DropReason.RAW_VOICE_REFUSED.label());
    assertEquals("no_open_socket", Room.DropReason.NO_OPEN_SOCKET.label());
  }

  // -------------------------------------------------------------------------------------------------------------
  // expiry

  @Test
  void aRoomWithoutADeliveredResultExpiresAtTheExpiryCountedFromItsCreationAndNotBefore() {
    Room r = roomOfAlice(); // created at mono 1_000
    assertFalse(r.expired(1_000 + EXPIRY.toMillis() - 1, EXPIRY));
    assertTrue(r.expired(1_000 + EXPIRY.toMillis(), EXPIRY));
  }

  @Test
  void aDeliveredResultStartsTheExpiryClockAgainWithoutTellingTheMembers() {
    Room r = threeMembers().delivered(1_000 + EXPIRY.toMillis() - 1, WALL + 5);
    assertEquals(3, r.version(), "members are not told about deliveries");
    assertEquals(WALL + 5, r.lastDeliveryWall());
    assertFalse(r.expired(1_000 + EXPIRY.toMillis() + 10, EXPIRY));
    assertTrue(r.expired(1_000 + 2 * EXPIRY.toMillis() - 1, EXPIRY));
  }

  @Test
  void joinsAndLeavesDoNotKeepARoomAlive() {
    Room r = join(roomOfAlice(), bob, WALL + EXPIRY.toMillis()).leave("s-B").room();
    assertTrue(r.expired(1_000 + EXPIRY.toMillis(), EXPIRY));
  }

  @Test
  void theExpiryMessageSaysHowLongTheRoomWasSilent() {
    assertEquals("room expired after 30 minutes without speech", Room.expiryMessage(Duration.ofMinutes(30)));
    assertEquals("room expired after 1 minute without speech", Room.expiryMessage(Duration.ofMinutes(1)));
    assertEquals("room expired after 90 seconds without speech", Room.expiryMessage(Duration.ofSeconds(90)));
    assertEquals("room expired after 1 second without speech", Room.expiryMessage(Duration.ofMillis(1500)));
  }

  // -------------------------------------------------------------------------------------------------------------
  // the room_members payload and the ledger record

  @Test
  void theMembersPayloadListsEveryMemberInJoinOrderAsPROTOCOLSaysParticipantsAre() {
    Room r = threeMembers().setRawVoice("s-B", "s-A", false).room();
    RoomEvent.Members view = r.view(false);
    assertEquals("482913", view.roomCode());
    assertEquals("room-id-1", view.roomId());
    assertEquals(r.version(), view.version());
    assertFalse(view.resync());
    assertEquals(List.of(
        new RoomEvent.Participant("s-A", "s-A", "Alice", "zh", Map.of(), "2026-01-01T00:00:00.000Z"),
        new RoomEvent.Participant("s-B", "s-B", "Bob", "en", Map.of("s-A", false), "2026-01-01T00:00:00.010Z"),
        new RoomEvent.Participant("s-C", "s-C", "Carol", "en", Map.of(), "2026-01-01T00:00:00.020Z")),
        view.members());
    assertTrue(view.includes("s-C"));
    assertFalse(view.includes("s-Z"));
  }

  @Test
  void joinedAtIsRfc3339UtcWithMilliseconds() {
    assertEquals("2026-01-10T08:15:30.123Z", Room.joinedAt(1_768_032_930_123L));
    assertEquals("2026-01-10T08:15:30.000Z", Room.joinedAt(1_768_032_930_000L));
  }

  @Test
  void blankNamesAndLanguagesAreAbsent() {
    Room.Candidate c = new Room.Candidate("s-X", " ", "");
    assertNull(c.displayName());
    assertNull(c.preferredLang());
  }

  @Test
  void aRestoredRoomHasTheSameMembersAndPreferencesAHigherVersionAndAFreshExpiryClock() {
    Room r = threeMembers().setRawVoice("s-B", "s-A", false).room().delivered(5_000, WALL + 7);
    Ledger.RoomRecord rec = r.toRecord();
    assertEquals(r.version(), rec.version());
    assertEquals(WALL + 7, rec.lastDeliveryAtMs());
    long later = 10_000_000; // another instance's monotonic clock
    Room back = Room.restore(rec, later);
    assertEquals(r.memberIds(), back.memberIds());
    assertEquals(r.members(), back.members());
    assertEquals(r.roomId(), back.roomId());
    assertEquals(r.createdAtWall(), back.createdAtWall());
    assertEquals(r.version() + 1, back.version());
    assertEquals(0, back.idleMillis(later), "durations do not cross instances: the expiry clock starts again");
    assertFalse(back.expired(later + EXPIRY.toMillis() - 1, EXPIRY));
  }
}
