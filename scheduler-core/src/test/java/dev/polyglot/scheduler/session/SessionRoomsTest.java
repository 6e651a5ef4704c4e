package dev.polyglot.scheduler.session;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.polyglot.scheduler.api.FeatureFlags;
import dev.polyglot.scheduler.api.NodeResult;
import dev.polyglot.scheduler.api.PipelineConfig;
import dev.polyglot.scheduler.dispatch.Dispatcher;
import dev.polyglot.scheduler.node.NodeEntity;
import dev.polyglot.scheduler.ops.Metrics;
import dev.polyglot.scheduler.room.RoomCreation;
import dev.polyglot.scheduler.room.RoomEntity;
import dev.polyglot.scheduler.room.RoomEvent;
import dev.polyglot.scheduler.room.RoomRequest;
import dev.polyglot.scheduler.room.RoomSettings;
import dev.polyglot.scheduler.store.InMemoryLedger;
import dev.polyglot.scheduler.store.Ledger;
import dev.polyglot.scheduler.testkit.ManualClock;
import dev.polyglot.scheduler.testkit.TestKits;
import dev.polyglot.scheduler.testkit.TestSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A session entity in a room (spec/BEHAVIOUR.md §12, PROTOCOL.md §6.13–6.14), with probes for its socket, its room,
 * the other members' session entities, the dispatcher and the nodes, and ManualTime for every wait.
 */
class SessionRoomsTest {
  static final ActorTestKit kit = TestKits.manualTime();
  static final ManualTime time = ManualTime.get(kit.system());
  static final String ME = "s-SPEAKER1";
  static final String CODE = "482913";

  private ManualClock clock;
  private TestProbe<SessionSocket.Command> socket;
  private TestProbe<Dispatcher.Command> dispatcher;
  private TestProbe<NodeEntity.Command> node;
  private TestProbe<RoomEntity.Command> room;
  private TestProbe<SessionEntity.Command> members;
  private final List<String> roomCodes = new CopyOnWriteArrayList<>();
  private ActorRef<SessionEntity.Command> session;
  private InMemoryLedger ledger;

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @BeforeEach
  void setUp() {
    clock = new ManualClock(time);
    socket = kit.createTestProbe();
    dispatcher = kit.createTestProbe();
    node = kit.createTestProbe();
    room = kit.createTestProbe();
    members = kit.createTestProbe();
    ledger = new InMemoryLedger();
    session = spawn(ME);
    session.tell(new SessionEntity.Init(new SessionEntity.InitData("zh", "zh", "web-client-v1.0", "web", "one_way",
        null, null, null, null, FeatureFlags.empty(), null, "trace-1"), socket.getRef()));
    assertInstanceOf(ClientEvent.InitAck.class, event());
  }

  private ActorRef<SessionEntity.Command> spawn(String id) {
    SessionEntity.Deps deps = new SessionEntity.Deps(TestSettings.with(""), clock, nodeId -> node.getRef(),
        dispatcher.getRef(), ledger, sessionId -> members.getRef(), code -> {
          roomCodes.add(code);
          return room.getRef();
        }, new RoomSettings(Duration.ofMinutes(30), Duration.ofSeconds(60), Duration.ofSeconds(2)));
    return kit.spawn(SessionEntity.create(id, deps));
  }

  private ClientEvent event() {
    return socket.expectMessageClass(SessionSocket.Deliver.class).event();
  }

  private static RoomEvent.Participant p(String id, String lang) {
    return new RoomEvent.Participant(id, id, id.substring(2), lang, Map.of(), "2026-01-10T08:15:30.123Z");
  }

  private static RoomEvent.Members view(long version, RoomEvent.Participant... ps) {
    return new RoomEvent.Members(CODE, "room-1", version, false, List.of(ps));
  }

  private void request(RoomRequest r) {
    session.tell(new SessionEntity.ForRoom(r, socket.getRef()));
  }

  /** Joins room {@value #CODE}, whose members are then {@code view}. */
  private void joined(RoomEvent.Members view) {
    request(new RoomRequest.Join(CODE, "Speaker", "zh"));
    RoomEntity.Join join = room.expectMessageClass(RoomEntity.Join.class);
    assertEquals(ME, join.joiner().sessionId());
    join.replyTo().tell(new RoomEntity.Reply.Joined(view));
    assertInstanceOf(ClientEvent.RoomMembers.class, event());
  }

  /** Waits until the session handled everything sent so far. */
  private void sync() {
    session.tell(new SessionEntity.ClientHeartbeat(socket.getRef()));
    ClientEvent e = event();
    while (!(e instanceof ClientEvent.ServerHeartbeat)) e = event();
  }

  private void cut() {
    session.tell(new SessionEntity.Audio(new byte[806], false, null, socket.getRef()));
    session.tell(new SessionEntity.Audio(new byte[0], true, null, socket.getRef()));
    sync();
    clock.advance(Duration.ofMillis(200));
  }

  private Dispatcher.PlacementRequest place() {
    return ((Dispatcher.Place) dispatcher.receiveMessage()).request();
  }

  private static NodeResult success(String jobId, String text) {
    return new NodeResult(jobId, 1, true, "你好", text, "", "opus", null, 100, null, null, null, null, null, null, null,
        0);
  }

  // ---------------------------------------------------------------- requests

  @Test
  void roomCreateIsAcknowledgedThenTheMemberListFollowsAndTheSnapshotKnowsTheRoom() {
    request(new RoomRequest.Create("Alice", "zh"));
    RoomEntity.Create create = room.expectMessageClass(RoomEntity.Create.class);
    assertEquals("Alice", create.creator().displayName());
    assertTrue(roomCodes.get(0).matches("[1-9][0-9]{5}"), "a six-digit code is claimed: " + roomCodes);
    create.replyTo().tell(new RoomEntity.Reply.Created(CODE, create.roomId(), view(1, p(ME, "zh"))));
    ClientEvent.RoomCreateAck ack = (ClientEvent.RoomCreateAck) event();
    assertEquals(CODE, ack.roomCode());
    assertEquals(create.roomId(), ack.roomId());
    assertEquals(List.of(ME), ((ClientEvent.RoomMembers) event()).members().stream()
        .map(RoomEvent.Participant::sessionId).toList());
    sync();
    assertEquals(CODE, ledger.loadSession(ME).toCompletableFuture().join().orElseThrow().roomCode());
  }

  @Test
  void joiningAnotherRoomLeavesTheFirstOnceInTheNewOne() {
    joined(view(2, p("s-OTHER001", "en"), p(ME, "zh")));
    request(new RoomRequest.Join("777777", null, "zh"));
    RoomEntity.Join join = room.expectMessageClass(RoomEntity.Join.class);
    join.replyTo().tell(new RoomEntity.Reply.Joined(new RoomEvent.Members("777777", "room-7", 3, false,
        List.of(p(ME, "zh")))));
    assertEquals("777777", ((ClientEvent.RoomMembers) event()).roomCode());
    RoomEntity.MemberEnded left = room.expectMessageClass(RoomEntity.MemberEnded.class);
    assertEquals(RoomEntity.EndReason.SWITCHED_ROOM, left.reason());
    assertEquals(List.of(CODE, "777777", CODE), roomCodes);
  }

  @Test
  void aRefusedJoinIsARoomErrorAndTheSessionStaysInItsRoom() {
    joined(view(2, p("s-OTHER001", "en"), p(ME, "zh")));
    request(new RoomRequest.Join("123456", null, null));
    room.expectMessageClass(RoomEntity.Join.class).replyTo().tell(new RoomEntity.Reply.Refused("123456",
        dev.polyglot.scheduler.room.Room.Refusal.ROOM_NOT_FOUND, "room 123456 does not exist"));
    ClientEvent.RoomError error = (ClientEvent.RoomError) event();
    assertEquals("ROOM_NOT_FOUND", error.code());
    room.expectNoMessage(Duration.ofMillis(100));
    cut();
    assertEquals("zh:en", place().pool(), "still in its room: the utterance is translated for its listener");
  }

  @Test
  void aRoomThatDoesNotAnswerWithinTheAskTimeoutIsAnInternalError() {
    request(new RoomRequest.RawVoice(CODE, "s-OTHER001", false));
    assertInstanceOf(RoomEntity.SetRawVoice.class, room.receiveMessage());
    sync();
    clock.advance(Duration.ofMillis(1999));
    socket.expectNoMessage(Duration.ofMillis(50));
    clock.advance(Duration.ofMillis(1));
    assertEquals("INTERNAL_ERROR", ((ClientEvent.Error) event()).code());
  }

  @Test
  void aJoinThatLandedAfterItsAskTimedOutIsAdoptedWhenTheRoomSaysAlreadyInRoom() {
    request(new RoomRequest.Join(CODE, "Speaker", "zh"));
    room.expectMessageClass(RoomEntity.Join.class); // it lands, but its answer comes too late
    sync();
    clock.advance(Duration.ofSeconds(2));
    assertEquals("INTERNAL_ERROR", ((ClientEvent.Error) event()).code());
    request(new RoomRequest.Join(CODE, "Speaker", "zh"));
    room.expectMessageClass(RoomEntity.Join.class).replyTo().tell(new RoomEntity.Reply.Refused(CODE,
        dev.polyglot.scheduler.room.Room.Refusal.ALREADY_IN_ROOM, "already in room " + CODE));
    assertEquals("ALREADY_IN_ROOM", ((ClientEvent.RoomError) event()).code());
    room.expectMessageClass(RoomEntity.GetMembers.class).replyTo().tell(new RoomEntity.Reply.Current(
        view(2, p(ME, "zh"), p("s-ENGLISH1", "en"))));
    assertEquals(2, ((ClientEvent.RoomMembers) event()).members().size());
    cut();
    assertEquals("zh:en", place().pool(), "in the room: its speech is for the listener");
  }

  @Test
  void leavingSendsNothingToTheClientAndEndsTheFanOut() {
    joined(view(2, p("s-OTHER001", "en"), p(ME, "zh")));
    request(new RoomRequest.Leave(CODE));
    room.expectMessageClass(RoomEntity.Leave.class).replyTo().tell(new RoomEntity.Reply.Done(CODE));
    sync();
    cut();
    Dispatcher.PlacementRequest r = place();
    assertEquals("zh:zh", r.pool(), "out of the room: one job in the session's own language");
    dispatcher.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void aLeaveWithoutAnAnswerTellsTheRoomOnceMore() {
    joined(view(2, p("s-OTHER001", "en"), p(ME, "zh")));
    request(new RoomRequest.Leave(CODE));
    room.expectMessageClass(RoomEntity.Leave.class);
    sync();
    clock.advance(Duration.ofSeconds(2));
    RoomEntity.MemberEnded again = room.expectMessageClass(RoomEntity.MemberEnded.class);
    assertEquals(RoomEntity.EndReason.LEFT, again.reason());
  }

  // ---------------------------------------------------------------- fan-out

  @Test
  void anUtteranceBecomesOneJobPerListenerLanguageOnDistinctNodesEachDeliveredOnlyToItsListeners() {
    joined(view(4, p(ME, "zh"), p("s-ENGLISH1", "en"), p("s-JAPAN001", "ja"), p("s-ENGLISH2", "en")));
    long before = Metrics.get(kit.system()).value("room_fanout_jobs_total");
    cut();
    Dispatcher.PlacementRequest en = place();
    assertEquals("zh:en", en.pool());
    dispatcher.expectNoMessage(Duration.ofMillis(100)); // ja waits for the answer to en's placement
    session.tell(new SessionEntity.FromDispatcher(new Dispatcher.Placed(en.jobId(), 1, "node-a", 1)));
    assertEquals("en", ((NodeEntity.Assign) node.receiveMessage()).order().tgtLang());
    Dispatcher.PlacementRequest ja = place();
    assertEquals("zh:ja", ja.pool());
    assertEquals(0, ja.utteranceIndex());
    assertEquals(java.util.Set.of("node-a"), ja.excluded(), "distinct nodes");
    assertEquals(before + 2, Metrics.get(kit.system()).value("room_fanout_jobs_total"));
    var records = ledger.unfinishedJobs(ME).toCompletableFuture().join();
    assertEquals(2, records.size(), "both jobs are in the ledger, with their listeners");
    assertTrue(records.stream().anyMatch(r -> r.recipients().equals(List.of("s-JAPAN001"))));

    session.tell(new SessionEntity.FromDispatcher(new Dispatcher.Placed(ja.jobId(), 1, "node-b", 2)));
    assertEquals("ja", ((NodeEntity.Assign) node.receiveMessage()).order().tgtLang());
    session.tell(new SessionEntity.FromNode(new NodeEntity.ResultReceived(ja.jobId(), "node-b",
        success(ja.jobId(), "こんにちは"))));
    assertEquals("ASR_FINAL", ((ClientEvent.Ui) event()).event(), "ui events go to the speaker");
    assertEquals("NMT_DONE", ((ClientEvent.Ui) event()).event());
    SessionEntity.Heard heard = members.expectMessageClass(SessionEntity.Heard.class);
    assertEquals("こんにちは", heard.result().textTranslated());
    assertEquals(ME, heard.result().sessionId(), "the result names the speaker");
    members.expectNoMessage(Duration.ofMillis(100));
    assertEquals(ME, room.expectMessageClass(RoomEntity.Delivered.class).sessionId());

    session.tell(new SessionEntity.FromNode(new NodeEntity.ResultReceived(en.jobId(), "node-a",
        success(en.jobId(), "hello"))));
    event();
    event();
    assertEquals("hello", members.expectMessageClass(SessionEntity.Heard.class).result().textTranslated());
    assertEquals("hello", members.expectMessageClass(SessionEntity.Heard.class).result().textTranslated(),
        "both en listeners");
    sync();
    socket.expectNoMessage(Duration.ofMillis(100)); // the speaker's own client got no translation_result
  }

  @Test
  void aLanguageWithoutANodeFailsAloneWithNoAvailableNodeToTheSpeaker() {
    joined(view(3, p(ME, "zh"), p("s-ENGLISH1", "en"), p("s-KLINGON1", "tlh")));
    cut();
    Dispatcher.PlacementRequest en = place();
    session.tell(new SessionEntity.FromDispatcher(new Dispatcher.Placed(en.jobId(), 1, "node-a", 1)));
    node.receiveMessage();
    Dispatcher.PlacementRequest tlh = place();
    session.tell(new SessionEntity.FromDispatcher(new Dispatcher.NoEligible(tlh.jobId(), 1, tlh.pool())));
    assertEquals("NO_AVAILABLE_NODE", ((ClientEvent.Ui) event()).errorCode());
    assertEquals("NO_AVAILABLE_NODE", ((ClientEvent.Error) event()).code());
    session.tell(new SessionEntity.FromNode(new NodeEntity.ResultReceived(en.jobId(), "node-a",
        success(en.jobId(), "hello"))));
    assertEquals("hello", members.expectMessageClass(SessionEntity.Heard.class).result().textTranslated(),
        "the other language goes on");
  }

  @Test
  void aOneShotUtteranceInARoomClaimsItsIndexOnceAndFansOut() {
    joined(view(3, p(ME, "zh"), p("s-ENGLISH1", "en"), p("s-JAPAN001", "ja")));
    var data = new SessionEntity.UtteranceData(7, new byte[] {1, 2}, "opus", 16000, true, null, null, null, null,
        PipelineConfig.streamingDefault(), null);
    session.tell(new SessionEntity.Utterance(data, socket.getRef()));
    Dispatcher.PlacementRequest en = place();
    session.tell(new SessionEntity.FromDispatcher(new Dispatcher.Queued(en.jobId(), 1, en.pool())));
    Dispatcher.PlacementRequest ja = place();
    assertEquals(7, ja.utteranceIndex());
    assertNotEquals(en.jobId(), ja.jobId());
    assertFalse(ledger.claimUtterance(ME, 7, "job-x").toCompletableFuture().join(), "the utterance's key is taken");
    session.tell(new SessionEntity.Utterance(data, socket.getRef()));
    dispatcher.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void aListenerWhoLeftNoLongerGetsResultsAndItsLanguageJobIsCancelled() {
    joined(view(3, p(ME, "zh"), p("s-ENGLISH1", "en"), p("s-JAPAN001", "ja")));
    cut();
    Dispatcher.PlacementRequest en = place();
    session.tell(new SessionEntity.FromDispatcher(new Dispatcher.Placed(en.jobId(), 1, "node-a", 1)));
    node.receiveMessage();
    Dispatcher.PlacementRequest ja = place();
    session.tell(new SessionEntity.FromDispatcher(new Dispatcher.Placed(ja.jobId(), 1, "node-b", 1)));
    node.receiveMessage();
    session.tell(new SessionEntity.FromRoom(view(5, p(ME, "zh"), p("s-ENGLISH1", "en"))));
    assertEquals(2, ((ClientEvent.RoomMembers) event()).members().size());
    NodeEntity.Cancel cancel = (NodeEntity.Cancel) node.receiveMessage();
    assertEquals(ja.jobId(), cancel.jobId());
    assertEquals("session_closed", cancel.reason());
    node.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void aSocketCloseKeepsRoomJobsWhoseListenersWaitAndTheSessionEndsAfterThem() {
    joined(view(2, p(ME, "zh"), p("s-ENGLISH1", "en")));
    cut();
    Dispatcher.PlacementRequest en = place();
    session.tell(new SessionEntity.FromDispatcher(new Dispatcher.Placed(en.jobId(), 1, "node-a", 1)));
    node.receiveMessage();
    session.tell(new SessionEntity.SocketClosed(socket.getRef()));
    RoomEntity.MemberEnded ended = room.expectMessageClass(RoomEntity.MemberEnded.class);
    assertEquals(RoomEntity.EndReason.SOCKET_CLOSED, ended.reason());
    node.expectNoMessage(Duration.ofMillis(100)); // not cancelled: a listener waits for it
    session.tell(new SessionEntity.FromNode(new NodeEntity.ResultReceived(en.jobId(), "node-a",
        success(en.jobId(), "hello"))));
    assertEquals("hello", members.expectMessageClass(SessionEntity.Heard.class).result().textTranslated());
    socket.expectMessageClass(SessionSocket.Ended.class); // then the session is over
  }

  @Test
  void aSocketCloseOutsideARoomStillCancelsEverythingAndEndsAtOnce() {
    cut();
    Dispatcher.PlacementRequest r = place();
    session.tell(new SessionEntity.FromDispatcher(new Dispatcher.Placed(r.jobId(), 1, "node-a", 1)));
    node.receiveMessage();
    session.tell(new SessionEntity.SocketClosed(socket.getRef()));
    assertEquals("session_closed", ((NodeEntity.Cancel) node.receiveMessage()).reason());
    room.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void sessionCloseFansOutTheFlushThenLeavesTheRoom() {
    joined(view(2, p(ME, "zh"), p("s-ENGLISH1", "en")));
    session.tell(new SessionEntity.Audio(new byte[806], false, null, socket.getRef()));
    session.tell(new SessionEntity.Close("user_stop", socket.getRef()));
    assertInstanceOf(ClientEvent.CloseAck.class, event());
    assertEquals("zh:en", place().pool(), "the flush job is for the listener");
    assertEquals(RoomEntity.EndReason.CLOSED, room.expectMessageClass(RoomEntity.MemberEnded.class).reason());
  }

  // ---------------------------------------------------------------- what the room tells the session

  @Test
  void aNewerMemberListIsShownAndAnOlderOneIgnored() {
    joined(view(3, p(ME, "zh"), p("s-ENGLISH1", "en")));
    session.tell(new SessionEntity.FromRoom(view(2, p(ME, "zh"))));
    session.tell(new SessionEntity.FromRoom(view(4, p(ME, "zh"), p("s-ENGLISH1", "en"), p("s-JAPAN001", "ja"))));
    assertEquals(3, ((ClientEvent.RoomMembers) event()).members().size());
    sync();
  }

  @Test
  void aRelayedSignalReachesTheClientWithToRewrittenAndTheClientsSignalGoesThroughTheRoom() {
    joined(view(2, p(ME, "zh"), p("s-OTHER001", "en")));
    var sdp = JsonNodeFactory.instance.objectNode().put("type", "offer").put("sdp", "v=0");
    session.tell(new SessionEntity.FromRoom(new RoomEvent.Signal(CODE, "webrtc_offer", "s-OTHER001", sdp, null)));
    ClientEvent.RoomSignal s = (ClientEvent.RoomSignal) event();
    assertEquals("s-OTHER001", s.to());
    assertEquals(sdp, s.sdp());
    request(new RoomRequest.Signal("webrtc_answer", CODE, "s-OTHER001", sdp, null));
    RoomEntity.Relay relay = room.expectMessageClass(RoomEntity.Relay.class);
    assertEquals(ME, relay.from());
    assertEquals("s-OTHER001", relay.to());
  }

  /**
   * Two clients join at once: the room's view after the second join (naming this session) reaches the session
   * before the answer to its own join, which holds the older view. The session is in the room with the newer view,
   * the room is not told to forget it, and the late answer changes nothing.
   */
  @Test
  void aViewOfTheRoomThatOvertakesTheJoinsAnswerIsTheJoinsOutcome() {
    request(new RoomRequest.Join(CODE, "Speaker", "zh"));
    RoomEntity.Join join = room.expectMessageClass(RoomEntity.Join.class);
    session.tell(new SessionEntity.FromRoom(view(3, p("s-ALICE001", "ja"), p(ME, "zh"), p("s-JAPAN001", "ja"))));
    assertEquals(3, ((ClientEvent.RoomMembers) event()).members().size());
    join.replyTo().tell(new RoomEntity.Reply.Joined(view(2, p("s-ALICE001", "ja"), p(ME, "zh"))));
    sync(); // nothing before the server heartbeat: the older view is not shown
    room.expectNoMessage(Duration.ofMillis(100)); // no MemberEnded: the room keeps the session
    // and the fan-out follows the newer view: the speaker's utterance is one job, in ja, for both listeners
    cut();
    Dispatcher.PlacementRequest ja = place();
    assertEquals("zh:ja", ja.pool());
    session.tell(new SessionEntity.FromDispatcher(new Dispatcher.Placed(ja.jobId(), 1, "node-a", 1)));
    assertEquals("ja", ((NodeEntity.Assign) node.receiveMessage()).order().tgtLang());
    var records = ledger.unfinishedJobs(ME).toCompletableFuture().join();
    assertEquals(List.of(List.of("s-ALICE001", "s-JAPAN001")), records.stream().map(r -> r.recipients()).toList(),
        "the listener who joined after this session is a recipient too");
    dispatcher.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void eventsOfARoomTheSessionIsNotInMakeTheRoomForgetIt() {
    session.tell(new SessionEntity.FromRoom(view(2, p(ME, "zh"))));
    RoomEntity.MemberEnded forget = room.expectMessageClass(RoomEntity.MemberEnded.class);
    assertEquals(RoomEntity.EndReason.NOT_A_MEMBER, forget.reason());
    socket.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void anEntityStartedOnlyByRoomTrafficForgetsTheRoomAndStops() {
    TestProbe<Object> watcher = kit.createTestProbe();
    ActorRef<SessionEntity.Command> gone = spawn("s-GONE0001");
    gone.tell(new SessionEntity.FromRoom(view(2, p("s-GONE0001", "en"))));
    assertEquals(RoomEntity.EndReason.NOT_A_MEMBER, room.expectMessageClass(RoomEntity.MemberEnded.class).reason());
    watcher.expectTerminated(gone, Duration.ofSeconds(3));
    ActorRef<SessionEntity.Command> gone2 = spawn("s-GONE0002");
    gone2.tell(new SessionEntity.Heard(new ClientEvent.Result("s-X", 0, "job-1", "", "hi", "", "opus", "t", null,
        null, null, null, null, 0, null, null, null, null, null)));
    watcher.expectTerminated(gone2, Duration.ofSeconds(3));
  }

  @Test
  void aHeardResultGoesToTheClient() {
    ClientEvent.Result r = new ClientEvent.Result("s-SPEAKER9", 3, "job-9", "你好", "hello", "", "opus", "t", null,
        null, null, null, null, 0, null, null, null, null, null);
    session.tell(new SessionEntity.Heard(r));
    assertEquals(r, event());
  }

  @Test
  void anExpiredRoomIsShownAndTheSessionIsInNoRoomAfterwards() {
    joined(view(2, p(ME, "zh"), p("s-ENGLISH1", "en")));
    session.tell(new SessionEntity.FromRoom(new RoomEvent.Expired(CODE, "room expired after 30 minutes without speech")));
    assertEquals(CODE, ((ClientEvent.RoomExpired) event()).roomCode());
    cut();
    assertEquals("zh:zh", place().pool());
  }

  @Test
  void theRoomIsToldWhenTheSessionEnds() {
    joined(view(2, p(ME, "zh"), p("s-ENGLISH1", "en")));
    session.tell(new SessionEntity.SocketClosed(socket.getRef()));
    assertEquals(RoomEntity.EndReason.SOCKET_CLOSED, room.expectMessageClass(RoomEntity.MemberEnded.class).reason());
    room.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void aSessionRecoveredAfterACrashAsksItsRoomForTheMembersAndEndsThereWithoutItsClient() {
    ledger.saveSession(new Ledger.SessionSnapshot("s-RECOVER1", "zh", "zh", "one_way", null, null, "trace-r", 3, null,
        0, 0, CODE));
    spawn("s-RECOVER1");
    RoomEntity.GetMembers ask = room.expectMessageClass(RoomEntity.GetMembers.class);
    ask.replyTo().tell(new RoomEntity.Reply.Current(view(9, p("s-RECOVER1", "zh"), p("s-ENGLISH1", "en"))));
    room.expectNoMessage(Duration.ofMillis(100));
    clock.advance(Duration.ofSeconds(60)); // the close linger: its client never came back
    RoomEntity.MemberEnded ended = room.expectMessageClass(RoomEntity.MemberEnded.class);
    assertEquals("s-RECOVER1", ended.sessionId());
    assertEquals(RoomEntity.EndReason.ENDED, ended.reason());
  }

  @Test
  void aCreationOutcomeAfterTheSessionClosedTakesItOutOfTheNewRoom() {
    var data = new SessionEntity.UtteranceData(0, new byte[] {1, 2}, "opus", 16000, true, null, null, null, null,
        PipelineConfig.streamingDefault(), null);
    session.tell(new SessionEntity.Utterance(data, socket.getRef())); // a live job keeps the closing session
    place();
    request(new RoomRequest.Create(null, "zh"));
    RoomEntity.Create create = room.expectMessageClass(RoomEntity.Create.class);
    session.tell(new SessionEntity.Close("user_stop", socket.getRef()));
    assertInstanceOf(ClientEvent.CloseAck.class, event());
    create.replyTo().tell(new RoomEntity.Reply.Created(CODE, create.roomId(), view(1, p(ME, "zh"))));
    RoomEntity.MemberEnded ended = room.expectMessageClass(RoomEntity.MemberEnded.class);
    assertEquals(RoomEntity.EndReason.ENDED, ended.reason());
  }

  @Test
  void aCreationThatFindsNoFreeCodeIsAnInternalError() {
    request(new RoomRequest.Create(null, null));
    RoomEntity.Create create = room.expectMessageClass(RoomEntity.Create.class);
    for (int i = 0; i < RoomCreation.MAX_CLAIMS; i++) {
      create.replyTo().tell(new RoomEntity.Reply.CodeTaken("x"));
      if (i < RoomCreation.MAX_CLAIMS - 1) create = room.expectMessageClass(RoomEntity.Create.class);
    }
    assertEquals("INTERNAL_ERROR", ((ClientEvent.Error) event()).code());
  }
}
