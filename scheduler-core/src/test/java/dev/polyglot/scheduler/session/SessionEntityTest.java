package dev.polyglot.scheduler.session;

import dev.polyglot.scheduler.testkit.TestKits;
import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.cluster.Entities;
import dev.polyglot.scheduler.dispatch.Dispatcher;
import dev.polyglot.scheduler.job.NodeResult;
import dev.polyglot.scheduler.node.NodeEntity;
import dev.polyglot.scheduler.protocol.FeatureFlags;
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
        dev.polyglot.scheduler.protocol.PipelineConfig.streamingDefault(), null);
    session.tell(new SessionEntity.Utterance(data, socket.getRef()));
    Dispatcher.PlacementRequest r = ((Dispatcher.Place) dispatcher.receiveMessage()).request();
    assertEquals(5, r.utteranceIndex());
    session.tell(new SessionEntity.Utterance(data, socket.getRef()));
    dispatcher.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void anUnplacedJobGetsBackpressureAndFailsWithJobTimeoutAtThePendingTimeout() {
    Dispatcher.PlacementRequest r = utteranceCut();
    session.tell(new SessionEntity.Notify(new Dispatcher.Queued(r.jobId(), 1, r.pool())));
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
    session.tell(new SessionEntity.Notify(new Dispatcher.Placed(r.jobId(), 1, "node-a", 1)));
    NodeEntity.Assign assign = (NodeEntity.Assign) node.receiveMessage();
    assertEquals(806, assign.order().audio().length);
    assertTrue(assign.order().manualCut());
    assertEquals(280, assign.order().paddingMs());
    session.tell(new SessionEntity.Notify(new NodeEntity.AttemptDispatched(r.jobId(), 1, "node-a", clock.wallMillis())));
    assertEquals("DISPATCHED", ((ClientEvent.Ui) event()).event());
    session.tell(new SessionEntity.Notify(new NodeEntity.ResultReceived(r.jobId(), "node-a", new NodeResult(r.jobId(), 1,
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
    session.tell(new SessionEntity.Notify(new Dispatcher.Placed(r.jobId(), 1, "node-a", 1)));
    node.receiveMessage();
    session.tell(new SessionEntity.Notify(new NodeEntity.AttemptDispatched(r.jobId(), 1, "node-a", clock.wallMillis())));
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
    session.tell(new SessionEntity.Notify(new Dispatcher.Placed(r.jobId(), 1, "node-a", 1)));
    node.receiveMessage();
    session.tell(new SessionEntity.SocketClosed(socket.getRef()));
    assertEquals("session_closed", ((NodeEntity.Cancel) node.receiveMessage()).reason());
  }

  @Test
  void aSessionRecreatedAfterACrashContinuesFromTheLedgerAndPlacesItsUnfinishedJobAgain() {
    Dispatcher.PlacementRequest r = utteranceCut();
    session.tell(new SessionEntity.Notify(new Dispatcher.Placed(r.jobId(), 1, "node-a", 1)));
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
    session.tell(new SessionEntity.Notify(new Dispatcher.Placed(r.jobId(), 2, "node-b", 1)));
    assertEquals(2, ((NodeEntity.Assign) node.receiveMessage()).order().attemptId());
    session.tell(new SessionEntity.Notify(new NodeEntity.AttemptDispatched(r.jobId(), 2, "node-b", clock.wallMillis())));
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
        dev.polyglot.scheduler.protocol.PipelineConfig.streamingDefault(), null);
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

  /** Review finding: every foreign_node result was a warning, so one misbehaving node could flood the log. */
  @Test
  void foreignNodeResultsAreCountedEveryTimeButWarnedAtMostOncePerIntervalPerNode() {
    Dispatcher.PlacementRequest r = utteranceCut();
    session.tell(new SessionEntity.Notify(new Dispatcher.Placed(r.jobId(), 1, "node-a", 1)));
    node.receiveMessage();
    session.tell(new SessionEntity.Notify(new NodeEntity.AttemptDispatched(r.jobId(), 1, "node-a", clock.wallMillis())));
    event();
    var metrics = dev.polyglot.scheduler.metrics.Metrics.get(kit.system());
    long before = metrics.value("result_dropped_total", "reason", "foreign_node");
    NodeResult forged = new NodeResult(r.jobId(), 1, true, "x", "forged", "", "opus", null, 1, null, null, null, null,
        null, null, null, clock.wallMillis());
    org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit.warn("result dropped: foreign_node").withOccurrences(1)
        .expect(kit.system(), () -> {
          for (int i = 0; i < 5; i++) session.tell(new SessionEntity.Notify(new NodeEntity.ResultReceived(r.jobId(), "node-evil", forged)));
          sync();
          return null;
        });
    assertEquals(before + 5, metrics.value("result_dropped_total", "reason", "foreign_node"), "counted every time");
    clock.advance(Duration.ofSeconds(60)); // jobs.foreign-result-log-interval
    org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit.warn("(4 more from this node not logged").withOccurrences(1)
        .expect(kit.system(), () -> {
          session.tell(new SessionEntity.Notify(new NodeEntity.ResultReceived(r.jobId(), "node-evil", forged)));
          sync();
          return null;
        });
  }
}
