package dev.polyglot.scheduler.room;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Fan-out of a speaker's utterance over the other members' languages (spec/BEHAVIOUR.md §12). */
class FanoutPlanTest {
  record L(String sessionId, String preferredLang) implements FanoutPlan.Listener {}

  static FanoutPlan plan(String speaker, String tgt, L... members) {
    return FanoutPlan.of("482913", speaker, tgt, List.of(members)).orElseThrow();
  }

  @Test
  void theOtherMembersAreGroupedByPreferredLanguageOneJobPerLanguageDeliveredOnlyToThatLanguage() {
    FanoutPlan p = plan("s-A", "en", new L("s-A", "zh"), new L("s-B", "en"), new L("s-C", "ja"), new L("s-D", "en"));
    assertEquals(List.of(new FanoutPlan.Target("en", List.of("s-B", "s-D")), new FanoutPlan.Target("ja", List.of("s-C"))),
        p.targets());
    assertEquals(List.of("en", "ja"), p.languages());
    assertEquals(List.of("s-C"), p.recipientsOf("ja"));
    assertEquals(List.of(), p.recipientsOf("fr"));
    assertFalse(p.speakerOnly());
  }

  @Test
  void membersWithoutAPreferredLanguageAreIgnored() {
    FanoutPlan p = plan("s-A", "en", new L("s-A", "zh"), new L("s-B", null), new L("s-C", " "), new L("s-D", "fr"));
    assertEquals(List.of(new FanoutPlan.Target("fr", List.of("s-D"))), p.targets());
  }

  @Test
  void whenNoOtherMemberHasALanguageOneJobWithTheSpeakersTargetLanguageGoesToTheSpeaker() {
    FanoutPlan p = plan("s-A", "en", new L("s-A", "zh"), new L("s-B", null));
    assertEquals(List.of(new FanoutPlan.Target("en", List.of("s-A"))), p.targets());
    assertTrue(p.speakerOnly());
    assertTrue(plan("s-A", "de", new L("s-A", "zh")).speakerOnly(), "alone in the room");
  }

  @Test
  void theSpeakerIsNotARecipientEvenWhenItSharesAListenersLanguage() {
    FanoutPlan p = plan("s-A", "en", new L("s-A", "en"), new L("s-B", "en"));
    assertEquals(List.of(new FanoutPlan.Target("en", List.of("s-B"))), p.targets());
  }

  @Test
  void languagesAreComparedWithoutCaseOrBlanksAndKeepTheFirstMembersSpelling() {
    FanoutPlan p = plan("s-A", "en", new L("s-A", "zh"), new L("s-B", "pt-BR"), new L("s-C", " PT-br "));
    assertEquals(List.of(new FanoutPlan.Target("pt-BR", List.of("s-B", "s-C"))), p.targets());
    assertEquals(List.of("s-B", "s-C"), p.recipientsOf("PT-BR"));
  }

  @Test
  void aSpeakerWhoIsNotInTheMemberListHasNoPlan() {
    assertEquals(Optional.empty(), FanoutPlan.of("482913", "s-Z", "en", List.of(new L("s-A", "zh"))));
  }

  @Test
  void theRoomsFanoutUsesItsMembersInJoinOrder() {
    Room r = Room.create("482913", "id", new Room.Candidate("s-A", null, "zh"), 0, 0);
    r = r.join(new Room.Candidate("s-B", null, "en"), 0).room().join(new Room.Candidate("s-C", null, "ja"), 0).room();
    assertEquals(List.of("en", "ja"), r.fanout("s-A", "en").orElseThrow().languages());
    assertEquals(List.of("zh", "ja"), r.fanout("s-B", "zh").orElseThrow().languages());
    assertTrue(r.fanout("s-Z", "en").isEmpty());
    // a session's cached room_members view gives the same plan
    assertEquals(r.fanout("s-C", "en"), FanoutPlan.of("482913", "s-C", "en", r.view(false).members()));
  }

  /** Every other member with a language receives exactly one translation, in its language; nobody else does. */
  @Test
  void overRandomRoomsEveryListenerGetsExactlyOneResultInItsLanguage() {
    SplittableRandom rnd = new SplittableRandom(13);
    String[] langs = {"en", "EN", "zh", "ja", " ja", "fr", null, ""};
    for (int round = 0; round < 2_000; round++) {
      int n = 1 + rnd.nextInt(8);
      List<L> members = new ArrayList<>();
      for (int i = 0; i < n; i++) members.add(new L("s-" + i, langs[rnd.nextInt(langs.length)]));
      String speaker = "s-" + rnd.nextInt(n);
      FanoutPlan p = FanoutPlan.of("c", speaker, "de", members).orElseThrow();
      Set<String> keys = new HashSet<>();
      List<String> all = new ArrayList<>();
      for (FanoutPlan.Target t : p.targets()) {
        assertTrue(keys.add(t.tgtLang().strip().toLowerCase(Locale.ROOT)), "one job per distinct language: " + p);
        all.addAll(t.recipients());
      }
      List<String> expected = new ArrayList<>();
      for (L m : members) {
        if (m.sessionId().equals(speaker) || m.preferredLang() == null || m.preferredLang().isBlank()) continue;
        expected.add(m.sessionId());
        assertEquals(m.preferredLang().strip().toLowerCase(Locale.ROOT),
            targetOf(p, m.sessionId()).tgtLang().strip().toLowerCase(Locale.ROOT));
      }
      if (expected.isEmpty()) {
        assertTrue(p.speakerOnly(), p.toString());
        assertEquals("de", p.targets().get(0).tgtLang());
      } else {
        assertEquals(new HashSet<>(expected), new HashSet<>(all));
        assertEquals(expected.size(), all.size(), "nobody receives twice: " + p);
        assertFalse(all.contains(speaker));
      }
    }
  }

  private static FanoutPlan.Target targetOf(FanoutPlan p, String sessionId) {
    for (FanoutPlan.Target t : p.targets()) if (t.recipients().contains(sessionId)) return t;
    throw new AssertionError(sessionId + " receives nothing in " + p);
  }
}
