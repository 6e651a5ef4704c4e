package dev.polyglot.scheduler.room;

import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.store.InMemoryLedger;
import dev.polyglot.scheduler.testkit.ManualClock;
import dev.polyglot.scheduler.testkit.TestKits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Creating a room: claiming codes at their entities and drawing again on collision (spec/BEHAVIOUR.md §12). */
class RoomCreationTest {
  static final ActorTestKit kit = TestKits.manualTime();
  static final ManualTime time = ManualTime.get(kit.system());
  static final Duration ASK = Duration.ofSeconds(2);
  static final Room.Candidate ALICE = new Room.Candidate("s-A", "Alice", "zh");

  private TestProbe<RoomCreation.Outcome> outcome;
  /** Every command the fake room entities got, with the code of the entity. */
  private final List<String> asked = new CopyOnWriteArrayList<>();
  private final List<RoomEntity.MemberEnded> abandoned = new CopyOnWriteArrayList<>();

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @BeforeEach
  void setUp() {
    outcome = kit.createTestProbe();
  }

  /**
   * Fake room entities: claim number {@code n} (counted over all codes) is answered by {@code answer(n)}: "taken",
   * "created", or "silent" (no answer).
   */
  private Map<String, ActorRef<RoomEntity.Command>> fakes(java.util.function.IntFunction<String> answer) {
    AtomicInteger claims = new AtomicInteger();
    Map<String, ActorRef<RoomEntity.Command>> byCode = new HashMap<>();
    return new HashMap<>() {
      @Override
      public ActorRef<RoomEntity.Command> get(Object code) {
        return byCode.computeIfAbsent((String) code, c -> kit.spawn(fake(c, claims, answer)));
      }
    };
  }

  private Behavior<RoomEntity.Command> fake(String code, AtomicInteger claims, java.util.function.IntFunction<String> answer) {
    return Behaviors.receive(RoomEntity.Command.class)
        .onMessage(RoomEntity.Create.class, c -> {
          asked.add(code);
          switch (answer.apply(claims.getAndIncrement())) {
            case "taken" -> c.replyTo().tell(new RoomEntity.Reply.CodeTaken(code));
            case "created" -> c.replyTo().tell(new RoomEntity.Reply.Created(code, c.roomId(),
                Room.create(code, c.roomId(), c.creator(), 0, 0).view(false)));
            default -> { }
          }
          return Behaviors.same();
        })
        .onMessage(RoomEntity.MemberEnded.class, m -> {
          abandoned.add(m);
          asked.add("ended@" + code);
          return Behaviors.same();
        })
        .build();
  }

  private void create(Map<String, ActorRef<RoomEntity.Command>> rooms, SplittableRandom random) {
    kit.spawn(RoomCreation.create(ALICE, rooms::get, ASK, random, outcome.getRef()));
  }

  @Test
  void aTakenCodeIsDrawnAgainAndTheRoomIsCreatedUnderTheNextFreeOneAtTheRealEntities() {
    InMemoryLedger ledger = new InMemoryLedger();
    RoomEntity.Deps deps = new RoomEntity.Deps(RoomSettings.DEFAULT, new ManualClock(time), (id, e) -> { }, ledger);
    Map<String, ActorRef<RoomEntity.Command>> entities = new HashMap<>();
    java.util.function.Function<String, ActorRef<RoomEntity.Command>> rooms =
        code -> entities.computeIfAbsent(code, c -> kit.spawn(RoomEntity.create(c, deps, null)));
    // the codes this seed draws, after the room id
    SplittableRandom same = new SplittableRandom(7);
    RoomCodes.uuid(same);
    List<String> codes = new ArrayList<>();
    for (int i = 0; i < 3; i++) codes.add(RoomCodes.code(i, same));
    TestProbe<RoomEntity.Reply> reply = kit.createTestProbe();
    for (String taken : codes.subList(0, 2)) {
      rooms.apply(taken).tell(new RoomEntity.Create("other-" + taken, new Room.Candidate("s-" + taken, null, null),
          reply.getRef()));
      reply.expectMessageClass(RoomEntity.Reply.Created.class);
    }

    kit.spawn(RoomCreation.create(ALICE, rooms, ASK, new SplittableRandom(7), outcome.getRef()));
    RoomCreation.Outcome.Created created = outcome.expectMessageClass(RoomCreation.Outcome.Created.class);
    assertEquals(codes.get(2), created.roomCode());
    assertEquals(List.of("s-A"), created.members().members().stream().map(RoomEvent.Participant::sessionId).toList());
    assertEquals(created.roomId(), ledger.loadRoom(codes.get(2)).toCompletableFuture().join().orElseThrow().roomId());
    assertEquals(3, ledger.rooms(), "the two rooms that held their codes are untouched");
  }

  @Test
  void afterElevenTakenDigitCodesTheCodeIsCutFromAUuid() {
    create(fakes(n -> n < RoomCodes.DIGIT_CLAIMS ? "taken" : "created"), new SplittableRandom(1));
    RoomCreation.Outcome.Created created = outcome.expectMessageClass(RoomCreation.Outcome.Created.class);
    assertEquals(12, asked.size());
    for (String code : asked.subList(0, 11)) assertTrue(code.matches("[1-9][0-9]{5}"), code);
    assertTrue(created.roomCode().matches("[0-9a-f]{6}"), created.roomCode());
    assertEquals(asked.get(11), created.roomCode());
  }

  @Test
  void whenEveryCodeIsTakenTheCreationFailsAfterItsLastClaim() {
    create(fakes(n -> "taken"), new SplittableRandom(2));
    RoomCreation.Outcome.Failed failed = outcome.expectMessageClass(RoomCreation.Outcome.Failed.class);
    assertEquals("no free room code after " + RoomCreation.MAX_CLAIMS + " claims", failed.reason());
    assertEquals(RoomCreation.MAX_CLAIMS, asked.size());
  }

  @Test
  void aClaimWithoutAnAnswerIsAbandonedSoALateClaimLeavesNoRoomAndTheNextCodeIsTried() {
    create(fakes(n -> n == 0 ? "silent" : "created"), new SplittableRandom(3));
    outcome.expectNoMessage(Duration.ofMillis(100));
    time.timePasses(ASK.minusMillis(1));
    outcome.expectNoMessage(Duration.ofMillis(50));
    time.timePasses(Duration.ofMillis(1));
    RoomCreation.Outcome.Created created = outcome.expectMessageClass(RoomCreation.Outcome.Created.class);
    assertEquals(List.of(new RoomEntity.MemberEnded("s-A", RoomEntity.EndReason.CREATE_ABANDONED)), abandoned);
    String silent = asked.get(0);
    assertTrue(asked.contains("ended@" + silent), "the creator is taken out of the silent code's room: " + asked);
    assertEquals(3, asked.size());
    assertTrue(asked.contains(created.roomCode()));
    assertNotEquals(silent, created.roomCode());
  }

  @Test
  void twoClaimsWithoutAnAnswerFailTheCreation() {
    create(fakes(n -> "silent"), new SplittableRandom(4));
    time.timePasses(ASK);
    outcome.expectNoMessage(Duration.ofMillis(100));
    time.timePasses(ASK);
    RoomCreation.Outcome.Failed failed = outcome.expectMessageClass(RoomCreation.Outcome.Failed.class);
    assertEquals("no answer from the room entities", failed.reason());
    assertEquals(2, abandoned.size());
  }
}
