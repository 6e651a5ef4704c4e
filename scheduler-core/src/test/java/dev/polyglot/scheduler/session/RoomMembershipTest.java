package dev.polyglot.scheduler.session;

import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.room.FanoutPlan;
import dev.polyglot.scheduler.room.RoomEvent;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a session knows of its room, and the fan-out it plans from it without asking the room. */
class RoomMembershipTest {
  private static RoomEvent.Participant p(String id, String lang) {
    return new RoomEvent.Participant(id, id, null, lang, Map.of(), "2026-01-10T08:15:30.123Z");
  }

  private static RoomEvent.Members view(long version, boolean resync, RoomEvent.Participant... ps) {
    return new RoomEvent.Members("482913", "room-1", version, resync, List.of(ps));
  }

  private final RoomMembership alone = RoomMembership.joined(view(1, false, p("s-A", "zh")));

  @Test
  void outsideARoomAnUtteranceIsOneJobForTheSpeaker() {
    assertEquals(List.of(new FanoutPlan.Target("en", List.of())), RoomMembership.none().targets("s-A", "en"));
    assertFalse(RoomMembership.none().inRoom());
    assertNull(RoomMembership.none().code());
  }

  @Test
  void aSpeakerAloneOrWithoutListenerLanguagesGetsItsOwnResult() {
    assertEquals(List.of(new FanoutPlan.Target("en", List.of())), alone.targets("s-A", "en"));
    RoomMembership noLang = RoomMembership.joined(view(2, false, p("s-A", "zh"), p("s-B", null)));
    assertEquals(List.of(new FanoutPlan.Target("en", List.of())), noLang.targets("s-A", "en"));
  }

  @Test
  void listenersAreGroupedByLanguageInJoinOrder() {
    RoomMembership m = RoomMembership.joined(view(3, false, p("s-A", "zh"), p("s-B", "en"), p("s-C", "ja"),
        p("s-D", "EN")));
    assertEquals(List.of(new FanoutPlan.Target("en", List.of("s-B", "s-D")), new FanoutPlan.Target("ja",
        List.of("s-C"))), m.targets("s-A", "fr"));
  }

  @Test
  void aRecoveredSessionKnowsItsRoomButPlansAloneUntilItHasAView() {
    RoomMembership m = RoomMembership.recovered("482913");
    assertTrue(m.in("482913"));
    assertEquals(List.of(new FanoutPlan.Target("en", List.of())), m.targets("s-A", "en"));
    assertEquals(List.of("s-B"), m.listening(List.of("s-B")), "without a view it cannot tell who left");
    assertSame(RoomMembership.none(), RoomMembership.recovered(null));
  }

  @Test
  void aNewerViewIsTakenAndAnOlderOneIgnored() {
    RoomMembership.Seen newer = alone.seen(view(2, false, p("s-A", "zh"), p("s-B", "en")), "s-A");
    assertEquals(RoomMembership.Verdict.APPLY, newer.verdict());
    assertEquals(2, newer.next().view().version());
    assertEquals(RoomMembership.Verdict.STALE, newer.next().seen(view(1, false, p("s-A", "zh")), "s-A").verdict());
    assertEquals(RoomMembership.Verdict.STALE, newer.next().seen(view(2, false, p("s-A", "zh")), "s-A").verdict());
  }

  @Test
  void aResyncOrAnotherRoomIdIsTakenWhateverItsVersion() {
    RoomMembership m = alone.seen(view(5, false, p("s-A", "zh")), "s-A").next();
    assertEquals(RoomMembership.Verdict.APPLY, m.seen(view(2, true, p("s-A", "zh")), "s-A").verdict());
    RoomEvent.Members reused = new RoomEvent.Members("482913", "room-2", 1, false, List.of(p("s-A", "zh")));
    assertEquals(RoomMembership.Verdict.APPLY, m.seen(reused, "s-A").verdict());
  }

  @Test
  void aViewOfAnotherRoomIsNotMineAndOneWithoutMeDropsMe() {
    RoomEvent.Members other = new RoomEvent.Members("111111", "room-9", 1, false, List.of(p("s-A", "zh")));
    assertEquals(RoomMembership.Verdict.NOT_MINE, alone.seen(other, "s-A").verdict());
    assertEquals(RoomMembership.Verdict.NOT_MINE, RoomMembership.none().seen(other, "s-A").verdict());
    RoomMembership.Seen dropped = alone.seen(view(4, false, p("s-B", "en")), "s-A");
    assertEquals(RoomMembership.Verdict.DROPPED, dropped.verdict());
    assertFalse(dropped.next().inRoom());
  }

  @Test
  void aRecipientWhoLeftTheRoomNoLongerListensUntilItIsBack() {
    RoomMembership m = RoomMembership.joined(view(3, false, p("s-A", "zh"), p("s-B", "en"), p("s-C", "ja")));
    assertEquals(List.of("s-B", "s-C"), m.listening(List.of("s-B", "s-C")));
    m = m.seen(view(4, false, p("s-A", "zh"), p("s-C", "ja")), "s-A").next();
    assertEquals(List.of("s-C"), m.listening(List.of("s-B", "s-C")));
    assertEquals(List.of(), m.listening(List.of("s-B")));
    m = m.seen(view(5, false, p("s-A", "zh"), p("s-C", "ja"), p("s-B", "en")), "s-A").next();
    assertEquals(List.of("s-B"), m.listening(List.of("s-B")), "joined again");
  }

  @Test
  void listenersOfARoomTheSessionLeftStillGetWhatWasPlannedForThem() {
    RoomMembership m = RoomMembership.joined(view(3, false, p("s-A", "zh"), p("s-B", "en")));
    RoomMembership other = RoomMembership.joined(new RoomEvent.Members("777777", "room-7", 1, false,
        List.of(p("s-A", "zh"), p("s-X", "fr"))));
    other = other.seen(new RoomEvent.Members("777777", "room-7", 2, false, List.of(p("s-A", "zh"))), "s-A").next();
    assertEquals(List.of("s-B"), other.listening(List.of("s-B")), "s-B never left the room it was planned in");
    assertEquals(List.of(), other.listening(List.of("s-X")));
    assertEquals(List.of("s-B"), m.listening(List.of("s-B")));
  }
}
