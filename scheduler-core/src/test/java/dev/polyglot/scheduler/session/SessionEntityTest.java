package dev.polyglot.scheduler.session;

import dev.polyglot.scheduler.testkit.TestKits;
import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.bootstrap.Entities;
import dev.polyglot.scheduler.dispatch.Dispatcher;
import dev.polyglot.scheduler.api.NodeResult;
import dev.polyglot.scheduler.node.NodeEntity;
import dev.polyglot.scheduler.api.FeatureFlags;
import dev.polyglot.scheduler.store.InMemoryLedger;
import dev.polyglot.scheduler.testkit.ManualClock;
import dev.polyglot.scheduler.testkit.TestSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.RecipientRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SessionEntityTest {
  static final ActorTestKit kit = TestKits.manualTime();
  static final ManualTime time = ManualTime.get(kit.system());

  private ManualClock clock;
  private TestProbe<SessionSocket.Command> socket;
  private TestProbe<Dispatcher.Command> dispatcher;
  private TestProbe<NodeEntity.Command> node;
  private ActorRef<SessionEntity.Command> session;
  private final InMemoryLedger ledger = new InMemoryLedger();

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
    Entities entities = new Entities() {
      @Override public RecipientRef<NodeEntity.Command> node(String nodeId) { return node.getRef(); }

      @Override public RecipientRef<SessionEntity.Command> session(String sessionId) { return session; }
    };
    session = kit.spawn(SessionEntity.create("s-00000001",
        new SessionEntity.Deps(TestSettings.with(""), clock, entities, dispatcher.getRef(), ledger)));
    session.tell(new SessionEntity.Init(new SessionEntity.InitData("zh", "en", "web-client-v1.0", "web", "one_way",
        null, null, null, null, FeatureFlags.empty(), null, "trace-1"), socket.getRef()));
    assertInstanceOf(ClientEvent.InitAck.class, event());
  }

  private ClientEvent event() {
    return socket.expectMessageClass(SessionSocket.Deliver.class).event();
  }

  private List<ClientEvent> events(int n) {
    List<ClientEvent> out = new ArrayList<>();
    for (int i = 0; i < n; i++) out.add(event());
    return out;
  }

  /** Waits until the session has handled everything sent so far (a heartbeat round trip). */
  private void sync() {
    session.tell(new SessionEntity.ClientHeartbeat(socket.getRef()));
    ClientEvent e = event();
    while (e instanceof ClientEvent.Busy) e = event();
    assertInstanceOf(ClientEvent.ServerHeartbeat.class, e);
  }

  private Dispatcher.PlacementRequest utteranceCut() {
    session.tell(new SessionEntity.Audio(new byte[806], false, null, socket.getRef()));
    session.tell(new SessionEntity.Audio(new byte[0], true, null, socket.getRef()));
    sync();
    clock.advance(Duration.ofMillis(199));
    dispatcher.expectNoMessage(Duration.ofMillis(50));
    clock.advance(Duration.ofMillis(1));
    return ((Dispatcher.Place) dispatcher.receiveMessage()).request();
  }

  @Test
  void aManualCutCreatesItsJobAfterTheTwoHundredMillisecondHangoverAndRecordsItBeforePlacing() {
    Dispatcher.PlacementRequest r = utteranceCut();
    assertEquals("zh:en", r.pool());
    assertEquals(0, r.utteranceIndex());
    assertEquals(1, r.attemptId());
    var recorded = ledger.unfinishedJobs("s-00000001").toCompletableFuture().join();
    assertEquals(List.of(r.jobId()), recorded.stream().map(j -> j.order().jobId()).toList());
    assertEquals(1, ledger.loadSession("s-00000001").toCompletableFuture().join().orElseThrow().nextIndex());
  }

  @Test
  void aRepeatedUtteranceIndexCreatesOneJob() {
    var data = new SessionEntity.UtteranceData(5, new byte[] {1, 2}, "opus", 16000, true, null, null, null, null,
        dev.polyglot.scheduler.api.PipelineConfig.streamingDefault(), null);
    session.tell(new SessionEntity.Utterance(data, socket.getRef()));
    Dispatcher.PlacementRequest r = ((Dispatcher.Place) dispatcher.receiveMessage()).request();
    assertEquals(5, r.utteranceIndex());
    session.tell(new SessionEntity.Utterance(data, socket.getRef()));
    dispatcher.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void anUnplacedJobGetsBackpressureAndFailsWithJobTimeoutAtThePendingTimeout() {
    Dispatcher.PlacementRequest r = utteranceCut();
    session.tell(new SessionEntity.FromDispatcher(new Dispatcher.Queued(r.jobId(), 1, r.pool())));
    assertInstanceOf(ClientEvent.Busy.class, event());
    sync();
    clock.advance(Duration.ofSeconds(2));
    assertInstanceOf(ClientEvent.Busy.class, event(), "backpressure is sent again after its window while the job waits");
    clock.advance(Duration.ofMillis(7999)); // the job was created 10 s minus 1 ms ago
    sync();
    clock.advance(Duration.ofMillis(1));
    List<ClientEvent> e = new ArrayList<>();
    while (e.size() < 2) {
      ClientEvent x = event();
      if (!(x instanceof ClientEvent.Busy)) e.add(x);
    }
    assertEquals("JOB_TIMEOUT", ((ClientEvent.Ui) e.get(0)).errorCode());
    assertEquals("JOB_TIMEOUT", ((ClientEvent.Error) e.get(1)).code());
    assertInstanceOf(Dispatcher.Withdraw.class, dispatcher.receiveMessage());
  }

  @Test
  void aPlacedJobIsAssignedDispatchedAndItsResultDelivered() {
    Dispatcher.PlacementRequest r = utteranceCut();
    session.tell(new SessionEntity.FromDispatcher(new Dispatcher.Placed(r.jobId(), 1, "node-a", 1)));
    NodeEntity.Assign assign = (NodeEntity.Assign) node.receiveMessage();
    assertEquals(806, assign.order().audio().length);
    assertTrue(assign.order().manualCut());
    assertEquals(280, assign.order().paddingMs());
    session.tell(new SessionEntity.FromNode(new NodeEntity.AttemptDispatched(r.jobId(), 1, "node-a", clock.wallMillis())));
    assertEquals("DISPATCHED", ((ClientEvent.Ui) event()).event());
    session.tell(new SessionEntity.FromNode(new NodeEntity.ResultReceived(r.jobId(), "node-a", new NodeResult(r.jobId(), 1,
        true, "你好", "hello", "", "opus", null, 100, null, null, null, null, null, null, null, clock.wallMillis()))));
    List<ClientEvent> e = events(3);
    assertEquals("ASR_FINAL", ((ClientEvent.Ui) e.get(0)).event());
    assertEquals("NMT_DONE", ((ClientEvent.Ui) e.get(1)).event());
    ClientEvent.Result result = (ClientEvent.Result) e.get(2);
    assertEquals("hello", result.textTranslated());
    assertEquals(0, result.partIndex());
  }

  @Test
  void theDispatchedTimeoutCancelsTheAttemptAndPlacesTheNextOneElsewhere() {
    Dispatcher.PlacementRequest r = utteranceCut();
    session.tell(new SessionEntity.FromDispatcher(new Dispatcher.Placed(r.jobId(), 1, "node-a", 1)));
    node.receiveMessage();
    session.tell(new SessionEntity.FromNode(new NodeEntity.AttemptDispatched(r.jobId(), 1, "node-a", clock.wallMillis())));
    event();
    sync();
    clock.advance(Duration.ofSeconds(60));
    NodeEntity.Cancel cancel = (NodeEntity.Cancel) node.receiveMessage();
    assertEquals("job_timeout", cancel.reason());
    Dispatcher.PlacementRequest retry = ((Dispatcher.Place) dispatcher.receiveMessage()).request();
    assertEquals(2, retry.attemptId());
    assertTrue(retry.excluded().contains("node-a"));
  }

  @Test
  void aSocketCloseCancelsLiveAttemptsWithSessionClosed() {
    Dispatcher.PlacementRequest r = utteranceCut();
    session.tell(new SessionEntity.FromDispatcher(new Dispatcher.Placed(r.jobId(), 1, "node-a", 1)));
    node.receiveMessage();
    session.tell(new SessionEntity.SocketClosed(socket.getRef()));
    assertEquals("session_closed", ((NodeEntity.Cancel) node.receiveMessage()).reason());
  }

  @Test
  void aSessionRecreatedAfterACrashContinuesFromTheLedgerAndPlacesItsUnfinishedJobAgain() {
    Dispatcher.PlacementRequest r = utteranceCut();
    session.tell(new SessionEntity.FromDispatcher(new Dispatcher.Placed(r.jobId(), 1, "node-a", 1)));
    node.receiveMessage();
    kit.stop(session); // the instance died: nothing ran on the way out, the ledger still holds the session
    Entities entities = new Entities() {
      @Override public RecipientRef<NodeEntity.Command> node(String nodeId) { return node.getRef(); }

      @Override public RecipientRef<SessionEntity.Command> session(String sessionId) { return session; }
    };
    session = kit.spawn(SessionEntity.create("s-00000001",
        new SessionEntity.Deps(TestSettings.with(""), clock, entities, dispatcher.getRef(), ledger)));
    Dispatcher.PlacementRequest again = ((Dispatcher.Place) dispatcher.receiveMessage()).request();
    assertEquals(r.jobId(), again.jobId());
    assertEquals(2, again.attemptId(), "a recovered job is placed with a new attempt id");
    session.tell(new SessionEntity.FromDispatcher(new Dispatcher.Placed(r.jobId(), 2, "node-b", 1)));
    assertEquals(2, ((NodeEntity.Assign) node.receiveMessage()).order().attemptId());
    session.tell(new SessionEntity.FromNode(new NodeEntity.AttemptDispatched(r.jobId(), 2, "node-b", clock.wallMillis())));
    socket.expectNoMessage(Duration.ofMillis(100)); // the connection is not known yet
    TestProbe<SessionSocket.Command> sameClient = kit.createTestProbe();
    session.tell(new SessionEntity.ClientHeartbeat(sameClient.getRef()));
    assertEquals("DISPATCHED", ((ClientEvent.Ui) sameClient.expectMessageClass(SessionSocket.Deliver.class).event()).event());
    assertInstanceOf(ClientEvent.ServerHeartbeat.class, sameClient.expectMessageClass(SessionSocket.Deliver.class).event());
    session.tell(new SessionEntity.Audio(new byte[806], false, null, sameClient.getRef()));
    session.tell(new SessionEntity.Audio(new byte[0], true, null, sameClient.getRef()));
    session.tell(new SessionEntity.ClientHeartbeat(sameClient.getRef()));
    sameClient.expectMessageClass(SessionSocket.Deliver.class);
    clock.advance(Duration.ofMillis(200));
    assertEquals(1, ((Dispatcher.Place) dispatcher.receiveMessage()).request().utteranceIndex(),
        "the next utterance continues at the ledger's index");
  }

  /** Regression: an utterance followed at once by session_close got no job, no result and no error. */
  @Test
  void anUtteranceRightBeforeSessionCloseStillBecomesAJob() {
    var data = new SessionEntity.UtteranceData(0, new byte[] {1, 2}, "opus", 16000, true, null, null, null, null,
        dev.polyglot.scheduler.api.PipelineConfig.streamingDefault(), null);
    session.tell(new SessionEntity.Utterance(data, socket.getRef()));
    session.tell(new SessionEntity.Close("user_stop", socket.getRef()));
    assertInstanceOf(ClientEvent.CloseAck.class, event());
    assertEquals(0, ((Dispatcher.Place) dispatcher.receiveMessage()).request().utteranceIndex());
  }

  @Test
  void messagesFromAnotherSocketAreRefusedWithInvalidSession() {
    TestProbe<SessionSocket.Command> stranger = kit.createTestProbe();
    session.tell(new SessionEntity.Audio(new byte[10], false, null, stranger.getRef()));
    ClientEvent e = stranger.expectMessageClass(SessionSocket.Deliver.class).event();
    assertEquals("INVALID_SESSION", ((ClientEvent.Error) e).code());
  }

  /** Flow control (issue 10): a session holding its maximum of unfinished jobs confirms no more input until one ends. */
  @Test
  void aSessionAtItsLiveJobLimitConfirmsInputOnlyWhenAJobFinishes() {
    TestProbe<SessionSocket.Command> client = kit.createTestProbe();
    ActorRef<SessionEntity.Command>[] self = new ActorRef[1];
    Entities entities = new Entities() {
      @Override public RecipientRef<NodeEntity.Command> node(String nodeId) { return node.getRef(); }

      @Override public RecipientRef<SessionEntity.Command> session(String sessionId) { return self[0]; }
    };
    self[0] = kit.spawn(SessionEntity.create("s-00000002", new SessionEntity.Deps(
        TestSettings.with("scheduler.sessions.max-live-jobs = 1"), clock, entities, dispatcher.getRef(), ledger)));
    ActorRef<SessionEntity.Command> limited = self[0];
    limited.tell(new SessionEntity.Init(new SessionEntity.InitData("zh", "en", "web-client-v1.0", "web", "one_way",
        null, null, null, null, FeatureFlags.empty(), null, "trace-2"), client.getRef()));
    limited.tell(new SessionEntity.Mark(1, client.getRef()));
    client.expectMessageClass(SessionSocket.Deliver.class); // the ack
    assertEquals(1, client.expectMessageClass(SessionSocket.Taken.class).seq());
    var data = new SessionEntity.UtteranceData(0, new byte[] {1, 2}, "opus", 16000, true, null, null, null, null,
        dev.polyglot.scheduler.api.PipelineConfig.streamingDefault(), null);
    limited.tell(new SessionEntity.Utterance(data, client.getRef()));
    Dispatcher.PlacementRequest r = ((Dispatcher.Place) dispatcher.receiveMessage()).request();
    limited.tell(new SessionEntity.Mark(2, client.getRef()));
    client.expectNoMessage(Duration.ofMillis(200));
    limited.tell(new SessionEntity.Mark(0, client.getRef()));
    assertEquals(0, client.expectMessageClass(SessionSocket.Taken.class).seq(), "a probe is answered at once");
    limited.tell(new SessionEntity.FromDispatcher(new Dispatcher.NoEligible(r.jobId(), 1, r.pool())));
    client.fishForMessage(Duration.ofSeconds(3), m -> m instanceof SessionSocket.Taken t && t.seq() == 2
        ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
        : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore());
  }

  // ---------------------------------------------------------------- at-least-once audio (P9, issue 11)

  private SessionSocket.Command next(Class<? extends SessionSocket.Command> type) {
    return socket.fishForMessage(Duration.ofSeconds(3), m -> type.isInstance(m)
        ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
        : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore()).get(0);
  }

  /** Speaks one numbered utterance (one frame, then the final chunk) and waits for its job to be recorded. */
  private void speakNumbered(long firstSeq, int marker) {
    byte[] frame = new byte[806];
    java.util.Arrays.fill(frame, (byte) marker);
    session.tell(new SessionEntity.Audio(frame, false, null, socket.getRef(), firstSeq));
    session.tell(new SessionEntity.Audio(new byte[0], true, null, socket.getRef(), firstSeq + 1));
  }

  @Test
  void aReplayedAudioMessageIsAppliedOnceAndTheSocketHearsWhenItIsDurable() {
    byte[] frame = new byte[806];
    session.tell(new SessionEntity.Audio(frame, false, null, socket.getRef(), 1));
    session.tell(new SessionEntity.Audio(frame, false, null, socket.getRef(), 1)); // sent again: dropped
    session.tell(new SessionEntity.Audio(new byte[0], true, null, socket.getRef(), 2));
    SessionSocket.Durable d = (SessionSocket.Durable) next(SessionSocket.Durable.class);
    assertEquals(2, d.seq(), "the sealed utterance holds both messages");
    var recorded = ledger.unfinishedJobs("s-00000001").toCompletableFuture().join();
    assertEquals(1, recorded.size());
    assertEquals(806, recorded.get(0).order().audio().length, "the repeated chunk was not appended twice");
    assertEquals(2, ledger.loadSession("s-00000001").toCompletableFuture().join().orElseThrow().durableSeq());
  }

  @Test
  void anAudioMessagePastAGapIsDroppedAndTheSocketAskedToSendAgainFromTheGap() {
    session.tell(new SessionEntity.Audio(new byte[806], false, null, socket.getRef(), 3));
    SessionSocket.Replay r = (SessionSocket.Replay) next(SessionSocket.Replay.class);
    assertEquals(1, r.fromSeq());
    sync();
    assertEquals(0, ledger.unfinishedJobs("s-00000001").toCompletableFuture().join().size());
  }

  @Test
  void aReCreatedSessionDropsReplaysTheLedgerHoldsAndRebuildsTheUtteranceItLost() {
    speakNumbered(1, 1);
    next(SessionSocket.Durable.class);
    // the first incarnation dies with a half-spoken utterance (message 3); its successor reads the ledger
    session.tell(new SessionEntity.Audio(new byte[806], false, null, socket.getRef(), 3));
    sync();
    testKitStop(session);
    ActorRef<SessionEntity.Command>[] self = new ActorRef[1];
    Entities entities = new Entities() {
      @Override public RecipientRef<NodeEntity.Command> node(String nodeId) { return node.getRef(); }

      @Override public RecipientRef<SessionEntity.Command> session(String sessionId) { return self[0]; }
    };
    self[0] = kit.spawn(SessionEntity.create("s-00000001",
        new SessionEntity.Deps(TestSettings.with(""), clock, entities, dispatcher.getRef(), ledger)));
    session = self[0];
    dispatcher.receiveMessage(); // the recovered job 0 is placed again
    // the socket replays everything it kept (1..3) and the client goes on (4 = the final chunk)
    for (long seq = 1; seq <= 3; seq++) {
      session.tell(new SessionEntity.Audio(seq == 2 ? new byte[0] : new byte[806], seq == 2, null, socket.getRef(), seq));
    }
    session.tell(new SessionEntity.Audio(new byte[0], true, null, socket.getRef(), 4));
    SessionSocket.Durable d = (SessionSocket.Durable) next(SessionSocket.Durable.class);
    assertEquals(4, d.seq());
    var recorded = ledger.unfinishedJobs("s-00000001").toCompletableFuture().join();
    assertEquals(java.util.List.of(0, 1), recorded.stream().map(j -> j.order().utteranceIndex()).toList(),
        "one new utterance from the lost message, none from the replays the ledger held");
    assertEquals(806, recorded.get(1).order().audio().length);
  }

  private static void testKitStop(ActorRef<SessionEntity.Command> ref) {
    kit.stop(ref);
  }

  // ---------------------------------------------------------------- ledger trouble during recovery (issue 11)

  private ActorRef<SessionEntity.Command> spawnOn(dev.polyglot.scheduler.store.Ledger l, String id,
                                                  TestProbe<SessionSocket.Command> client) {
    ActorRef<SessionEntity.Command>[] self = new ActorRef[1];
    Entities entities = new Entities() {
      @Override public RecipientRef<NodeEntity.Command> node(String nodeId) { return node.getRef(); }

      @Override public RecipientRef<SessionEntity.Command> session(String sessionId) { return self[0]; }
    };
    self[0] = kit.spawn(SessionEntity.create(id, new SessionEntity.Deps(TestSettings.with(""), clock, entities,
        dispatcher.getRef(), l)));
    return self[0];
  }

  @Test
  void aSessionWhoseLedgerReadFailsKeepsTryingWithBackoffAndThenRecoversItsJobs() {
    var flaky = new dev.polyglot.scheduler.testkit.FlakyLedger();
    flaky.inner.saveSession(new dev.polyglot.scheduler.store.Ledger.SessionSnapshot("s-0000000A", "zh", "en", "one_way",
        null, null, "trace-a", 3, null, 0));
    flaky.inner.recordJob("s-0000000A", new dev.polyglot.scheduler.store.Ledger.JobRecord(
        dev.polyglot.scheduler.testkit.Fixtures.order("job-a", 2, dev.polyglot.scheduler.api.Cut.MANUAL), "zh:en",
        java.util.Set.of("asr"), 1L, null));
    flaky.failingLoads.set(8); // far more than the five tries of old
    TestProbe<SessionSocket.Command> client = kit.createTestProbe();
    spawnOn(flaky, "s-0000000A", client);
    for (int i = 0; i < 12 && flaky.loads.get() <= 8; i++) {
      int tries = i + 1;
      kit.createTestProbe().awaitAssert(Duration.ofSeconds(3), () -> {
        assertTrue(flaky.loads.get() >= tries);
        return null;
      });
      clock.advance(Duration.ofSeconds(5));
    }
    Dispatcher.PlacementRequest r = ((Dispatcher.Place) dispatcher.receiveMessage(Duration.ofSeconds(3))).request();
    assertEquals("job-a", r.jobId(), "the unfinished job is placed again once the ledger answers");
    assertTrue(flaky.loads.get() >= 9);
  }

  @Test
  void aClaimThatKeepsFailingIsAnsweredWithAnErrorAndCreatesNoJob() {
    var flaky = new dev.polyglot.scheduler.testkit.FlakyLedger();
    TestProbe<SessionSocket.Command> client = kit.createTestProbe();
    ActorRef<SessionEntity.Command> s = spawnOn(flaky, "s-0000000B", client);
    s.tell(new SessionEntity.Init(new SessionEntity.InitData("zh", "en", "web-client-v1.0", "web", "one_way",
        null, null, null, null, FeatureFlags.empty(), null, "trace-b"), client.getRef()));
    client.expectMessageClass(SessionSocket.Deliver.class);
    flaky.failingClaims.set(100);
    var data = new SessionEntity.UtteranceData(4, new byte[] {1, 2}, "opus", 16000, true, null, null, null, null,
        dev.polyglot.scheduler.api.PipelineConfig.streamingDefault(), null);
    s.tell(new SessionEntity.Utterance(data, client.getRef()));
    for (int i = 0; i < 4; i++) {
      clock.advance(Duration.ofSeconds(4));
    }
    ClientEvent e = ((SessionSocket.Deliver) client.fishForMessage(Duration.ofSeconds(3), m -> m instanceof SessionSocket.Deliver
        ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
        : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore()).get(0)).event();
    assertEquals("SCHEDULER_DEPENDENCY_DOWN", ((ClientEvent.Error) e).code());
    dispatcher.expectNoMessage(Duration.ofMillis(100));
  }

  /** Review finding: every foreign_node result was a warning, so one misbehaving node could flood the log. */
  @Test
  void foreignNodeResultsAreCountedEveryTimeButWarnedAtMostOncePerIntervalPerNode() {
    Dispatcher.PlacementRequest r = utteranceCut();
    session.tell(new SessionEntity.FromDispatcher(new Dispatcher.Placed(r.jobId(), 1, "node-a", 1)));
    node.receiveMessage();
    session.tell(new SessionEntity.FromNode(new NodeEntity.AttemptDispatched(r.jobId(), 1, "node-a", clock.wallMillis())));
    event();
    var metrics = dev.polyglot.scheduler.ops.Metrics.get(kit.system());
    long before = metrics.value("result_dropped_total", "reason", "foreign_node");
    NodeResult forged = new NodeResult(r.jobId(), 1, true, "x", "forged", "", "opus", null, 1, null, null, null, null,
        null, null, null, clock.wallMillis());
    org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit.warn("result dropped: foreign_node").withOccurrences(1)
        .expect(kit.system(), () -> {
          for (int i = 0; i < 5; i++) session.tell(new SessionEntity.FromNode(new NodeEntity.ResultReceived(r.jobId(), "node-evil", forged)));
          sync();
          return null;
        });
    assertEquals(before + 5, metrics.value("result_dropped_total", "reason", "foreign_node"), "counted every time");
    clock.advance(Duration.ofSeconds(60)); // jobs.foreign-result-log-interval
    org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit.warn("(4 more from this node not logged").withOccurrences(1)
        .expect(kit.system(), () -> {
          session.tell(new SessionEntity.FromNode(new NodeEntity.ResultReceived(r.jobId(), "node-evil", forged)));
          sync();
          return null;
        });
  }

  /** A client socket whose instance died never says it closed: the session watches it and ends when it dies. */
  @Test
  void aSessionWhoseSocketDiesWithoutSayingSoEnds() {
    TestProbe<SessionSocket.Command> doomed = kit.createTestProbe();
    ActorRef<SessionEntity.Command> s = spawnOn(ledger, "s-0000000D", doomed);
    s.tell(new SessionEntity.Init(new SessionEntity.InitData("zh", "en", "web-client-v1.0", "web", "one_way",
        null, null, null, null, FeatureFlags.empty(), null, "trace-d"), doomed.getRef()));
    doomed.expectMessageClass(SessionSocket.Deliver.class);
    kit.createTestProbe().awaitAssert(Duration.ofSeconds(3), () -> {
      assertTrue(ledger.loadSession("s-0000000D").toCompletableFuture().join().isPresent());
      return null;
    });
    doomed.stop();
    kit.createTestProbe().awaitAssert(Duration.ofSeconds(3), () -> {
      assertTrue(ledger.loadSession("s-0000000D").toCompletableFuture().join().isEmpty(), "the ended session is forgotten");
      return null;
    });
  }
}
