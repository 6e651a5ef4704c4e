package dev.polyglot.scheduler.node;

import dev.polyglot.scheduler.api.NodeStatus;

import dev.polyglot.scheduler.api.Cut;
import dev.polyglot.scheduler.testkit.Fixtures;
import dev.polyglot.scheduler.testkit.TestEntities;
import dev.polyglot.scheduler.testkit.TestKits;
import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.bootstrap.Entities;
import dev.polyglot.scheduler.edge.SocketAck;
import dev.polyglot.scheduler.edge.SocketIn;
import dev.polyglot.scheduler.edge.SocketLink;
import dev.polyglot.scheduler.edge.SocketOut;
import dev.polyglot.scheduler.wire.WireCodec;
import dev.polyglot.scheduler.testkit.ManualClock;
import dev.polyglot.scheduler.testkit.TestSettings;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The socket actor's own timing rules, with the node entity replaced by a probe that answers when told to. */
class NodeSocketTest {
  static final ActorTestKit kit = TestKits.manualTime();
  static final ManualTime time = ManualTime.get(kit.system());

  private final TestProbe<NodeEntity.Command> entity = kit.createTestProbe();
  private final TestProbe<SocketOut> out = kit.createTestProbe();
  private final TestProbe<SocketAck> acks = kit.createTestProbe();

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private ActorRef<NodeSocket.Command> socket() {
    return socket("{\"type\":\"node_register\",\"node_id\":\"gpu-7\",\"capability_schema_version\":\"2.0\"}");
  }

  static final dev.polyglot.scheduler.config.SchedulerSettings SETTINGS =
      TestSettings.with("scheduler.nodes.require-gpu = false");

  private final ManualClock clock = new ManualClock(time);

  private NodeSocket.Deps deps(dev.polyglot.scheduler.config.SchedulerSettings settings) {
    Entities entities = new TestEntities(entity.getRef(), null, null);
    return new NodeSocket.Deps(settings, clock, entities, new WireCodec(),
        new dev.polyglot.scheduler.edge.Admission(settings.admission(), clock::monoMillis));
  }

  private ActorRef<NodeSocket.Command> socket(String register) {
    ActorRef<NodeSocket.Command> s = kit.spawn(NodeSocket.create(out.getRef(), deps(SETTINGS), "192.0.2.1"));
    s.tell(new NodeSocket.Frame(new SocketIn.Text(register), acks.getRef()));
    acks.receiveMessage();
    return s;
  }

  /** The January 2026 agent announces supported_language_pairs and nmt_capabilities (issue 9). */
  static final String JANUARY_REGISTER = "{\"type\":\"node_register\",\"node_id\":\"gpu-7\",\"capability_schema_version\":\"2.0\","
      + "\"language_capabilities\":{\"asr_languages\":[\"zh\",\"en\"],\"tts_languages\":[\"zh\",\"en\"],"
      + "\"supported_language_pairs\":[{\"src\":\"zh\",\"tgt\":\"en\"}],\"nmt_capabilities\":[{\"model_id\":\"m2m\"}]}}";

  /** The June 2026 agent sends one language list per service and neither of those. */
  static final String JUNE_REGISTER = "{\"type\":\"node_register\",\"node_id\":\"gpu-7\",\"capability_schema_version\":\"2.0\","
      + "\"language_capabilities\":{\"asr_languages\":[\"zh\",\"en\"],\"tts_languages\":[\"zh\",\"en\"],"
      + "\"semantic_languages\":[\"zh\",\"en\"]}}";

  /** The job_assign cut flags a registered socket writes for each cut reason, as {@code name} → sent. */
  private java.util.Map<Cut, String> flagsWritten(String register) {
    ActorRef<NodeSocket.Command> s = socket(register);
    NodeEntity.Register asked = entity.expectMessageClass(NodeEntity.Register.class);
    s.tell(new NodeSocket.Registered("gpu-7", NodeStatus.REGISTERING));
    out.receiveMessage(); // the ack
    java.util.Map<Cut, String> flags = new java.util.EnumMap<>(Cut.class);
    for (Cut cut : Cut.values()) {
      s.tell(new NodeSocket.SendJob(Fixtures.order("job-" + cut, 1, cut)));
      String frame = ((SocketOut.Text) out.receiveMessage()).text();
      assertTrue(frame.contains("\"type\":\"job_assign\""), frame);
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"(is_[a-z_]+)\":true").matcher(frame);
      flags.put(cut, m.find() ? m.group(1) : "none");
      assertFalse(m.find(), "one flag at most: " + frame);
    }
    assertEquals(asked.facts().wireDialect(), register.contains("supported_language_pairs") ? "2026-01" : "2026-06");
    return flags;
  }

  @Test
  void theJanuaryAgentGetsPauseForAGapAndTimeoutForATimerOrMaxDurationCut() {
    java.util.Map<Cut, String> f = flagsWritten(JANUARY_REGISTER);
    assertEquals("is_manual_cut", f.get(Cut.MANUAL));
    assertEquals("is_pause_triggered", f.get(Cut.GAP));
    assertEquals("is_timeout_triggered", f.get(Cut.TIMER));
    assertEquals("is_timeout_triggered", f.get(Cut.MAX_DURATION));
    assertEquals("none", f.get(Cut.NONE));
  }

  @Test
  void theJuneAgentGetsTimeoutForGapAndTimerCutsAndMaxDurationForAMaxDurationCut() {
    java.util.Map<Cut, String> f = flagsWritten(JUNE_REGISTER);
    assertEquals("is_manual_cut", f.get(Cut.MANUAL));
    assertEquals("is_timeout_triggered", f.get(Cut.GAP));
    assertEquals("is_timeout_triggered", f.get(Cut.TIMER));
    assertEquals("is_max_duration_triggered", f.get(Cut.MAX_DURATION));
    assertEquals("none", f.get(Cut.NONE));
  }

  /** Issue 15: the June agent reconnects at most once per process, so an unanswered registration keeps the socket. */
  @Test
  void aRegistrationTheEntityDoesNotAnswerIsAskedAgainAndTheConnectionKept() {
    ActorRef<NodeSocket.Command> s = socket();
    NodeEntity.Register asked = entity.expectMessageClass(NodeEntity.Register.class);
    assertEquals(s, asked.socket());
    time.timePasses(Duration.ofSeconds(10).minusMillis(1));
    entity.expectNoMessage(Duration.ofMillis(50));
    time.timePasses(Duration.ofMillis(1));
    NodeEntity.Register again = entity.expectMessageClass(NodeEntity.Register.class);
    assertEquals(asked.facts(), again.facts());
    out.expectNoMessage(Duration.ofMillis(50));
    s.tell(new NodeSocket.Registered("gpu-7", NodeStatus.REGISTERING));
    String ack = ((SocketOut.Text) out.receiveMessage()).text();
    assertTrue(ack.contains("\"type\":\"node_register_ack\""), ack);
  }

  @Test
  void anEntityThatLostTheConnectionGetsTheRegistrationAndTheLastHeartbeatAgainWithoutAnAckToTheAgent() {
    ActorRef<NodeSocket.Command> s = socket();
    entity.expectMessageClass(NodeEntity.Register.class);
    s.tell(new NodeSocket.Registered("gpu-7", NodeStatus.REGISTERING));
    out.receiveMessage(); // the ack
    s.tell(new NodeSocket.Frame(new SocketIn.Text("{\"type\":\"node_heartbeat\",\"node_id\":\"gpu-7\",\"timestamp\":1,"
        + "\"resource_usage\":{\"cpu_percent\":12.5,\"mem_percent\":40,\"running_jobs\":1}}"), acks.getRef()));
    acks.receiveMessage();
    NodeEntity.Heartbeat first = entity.expectMessageClass(NodeEntity.Heartbeat.class);
    s.tell(new NodeSocket.RegisterAgain("re-created"));
    NodeEntity.Register again = entity.expectMessageClass(NodeEntity.Register.class);
    assertFalse(again.generatedId());
    assertEquals(first.usage(), entity.expectMessageClass(NodeEntity.Heartbeat.class).usage());
    s.tell(new NodeSocket.Registered("gpu-7", NodeStatus.REGISTERING));
    out.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void anAnsweredRegistrationIsNotTimedOut() {
    ActorRef<NodeSocket.Command> s = socket();
    entity.expectMessageClass(NodeEntity.Register.class);
    s.tell(new NodeSocket.Registered("gpu-7", NodeStatus.REGISTERING));
    String ack = ((SocketOut.Text) out.receiveMessage()).text();
    assertTrue(ack.contains("\"type\":\"node_register_ack\"") && ack.contains("gpu-7"), ack);
    time.timePasses(Duration.ofSeconds(30));
    out.expectNoMessage(Duration.ofMillis(50));
  }

  private ActorRef<NodeSocket.Command> registering(NodeSocket.Deps deps, String address, TestProbe<SocketOut> to) {
    ActorRef<NodeSocket.Command> s = kit.spawn(NodeSocket.create(to.getRef(), deps, address));
    s.tell(new NodeSocket.Frame(new SocketIn.Text("{\"type\":\"node_register\",\"node_id\":\"gpu-7\","
        + "\"capability_schema_version\":\"2.0\"}"), acks.getRef()));
    acks.receiveMessage();
    return s;
  }

  @Test
  void aConnectionWithoutNodeRegisterIsToldWhatWasExpectedAndClosedAtTheHandshakeDeadline() {
    kit.spawn(NodeSocket.create(out.getRef(), deps(SETTINGS), "192.0.2.1"));
    clock.advance(Duration.ofSeconds(10).minusMillis(1));
    out.expectNoMessage(Duration.ofMillis(50));
    clock.advance(Duration.ofMillis(1));
    String error = ((SocketOut.Text) out.receiveMessage()).text();
    assertTrue(error.contains("\"code\":\"NODE_NOT_REGISTERED\"") && error.contains("node_register expected within 10 s"),
        error);
    assertEquals(SocketOut.Complete.INSTANCE, out.receiveMessage());
  }

  @Test
  void aConnectionWhoseRegistrationIsPendingIsNotClosedAtTheHandshakeDeadline() {
    socket();
    entity.expectMessageClass(NodeEntity.Register.class);
    clock.advance(Duration.ofSeconds(10));
    out.expectNoMessage(Duration.ofMillis(50));
  }

  @Test
  void aPeerThatSendsNothingIsClosedAfterTheIdleTimeoutAndTheSchedulersOwnFramesDoNotCount() {
    ActorRef<NodeSocket.Command> s = socket();
    entity.expectMessageClass(NodeEntity.Register.class);
    s.tell(new NodeSocket.Registered("gpu-7", NodeStatus.REGISTERING));
    out.receiveMessage(); // the ack
    clock.advance(Duration.ofSeconds(60));
    s.tell(new NodeSocket.Frame(new SocketIn.Text("{\"type\":\"node_heartbeat\",\"node_id\":\"gpu-7\",\"timestamp\":1,"
        + "\"resource_usage\":{\"cpu_percent\":12.5,\"mem_percent\":40,\"running_jobs\":1}}"), acks.getRef()));
    acks.receiveMessage();
    entity.expectMessageClass(NodeEntity.Heartbeat.class);
    clock.advance(Duration.ofSeconds(100));
    s.tell(new NodeSocket.SendStatus(NodeStatus.READY, "healthy", 1L)); // outbound traffic keeps nothing alive
    out.receiveMessage();
    clock.advance(Duration.ofSeconds(20).minusMillis(1));
    out.expectNoMessage(Duration.ofMillis(50));
    clock.advance(Duration.ofMillis(1));
    String error = ((SocketOut.Text) out.receiveMessage()).text();
    assertTrue(error.contains("\"code\":\"IDLE_TIMEOUT\"") && error.contains("no message for 120 s"), error);
    assertEquals(SocketOut.Complete.INSTANCE, out.receiveMessage());
  }

  @Test
  void registrationsFasterThanTheAddressMayAreRefusedWithAClearCodeAndClosed() {
    var settings = TestSettings.with("scheduler.nodes.require-gpu = false\n"
        + "scheduler.admission.registrations-per-address-burst = 2\n"
        + "scheduler.admission.registrations-per-address-per-second = 1");
    NodeSocket.Deps shared = deps(settings);
    registering(shared, "192.0.2.7", out);
    registering(shared, "192.0.2.7", out);
    entity.receiveSeveralMessages(2);
    TestProbe<SocketOut> third = kit.createTestProbe();
    registering(shared, "192.0.2.7", third);
    String error = ((SocketOut.Text) third.receiveMessage()).text();
    assertTrue(error.contains("\"code\":\"REGISTRATION_RATE_LIMITED\""), error);
    assertEquals(SocketOut.Complete.INSTANCE, third.receiveMessage());
    entity.expectNoMessage(Duration.ofMillis(50));
    registering(shared, "192.0.2.8", kit.createTestProbe());
    entity.expectMessageClass(NodeEntity.Register.class);
    clock.advance(Duration.ofSeconds(1));
    registering(shared, "192.0.2.7", kit.createTestProbe());
    entity.expectMessageClass(NodeEntity.Register.class);
  }

  /** Issue 15: a registration the entity does not answer keeps the socket; the agent waits for its ack in silence. */
  @Test
  void anAgentWaitingForItsRegistrationAckIsNotClosedForIdleness() {
    socket();
    entity.expectMessageClass(NodeEntity.Register.class);
    for (int i = 0; i < 30; i++) clock.advance(Duration.ofSeconds(10));
    out.expectNoMessage(Duration.ofMillis(50));
  }

  @Test
  void anInstanceStopClosesTheConnectionWithoutAnErrorFrame() {
    ActorRef<NodeSocket.Command> s = socket();
    entity.expectMessageClass(NodeEntity.Register.class);
    s.tell(new NodeSocket.Registered("gpu-7", NodeStatus.REGISTERING));
    out.expectMessageClass(SocketOut.Text.class);
    s.tell(NodeSocket.InstanceStopping.INSTANCE);
    assertEquals(SocketOut.Complete.INSTANCE, out.receiveMessage());
    s.tell(new NodeSocket.SendStatus(NodeStatus.READY, "healthy heartbeat", 1L));
    out.expectNoMessage(Duration.ofMillis(50));
  }

  /** Flow control (issue 10): a full window holds the connection's acknowledgement until the entity confirms. */
  @Test
  void aFullInboundWindowStopsReadingUntilTheNodeEntityConfirms() {
    ActorRef<NodeSocket.Command> s = socket();
    entity.expectMessageClass(NodeEntity.Register.class);
    s.tell(new NodeSocket.Registered("gpu-7", NodeStatus.REGISTERING));
    out.receiveMessage(); // the ack
    String hb = "{\"type\":\"node_heartbeat\",\"node_id\":\"gpu-7\",\"timestamp\":1,"
        + "\"resource_usage\":{\"cpu_percent\":12.5,\"mem_percent\":40,\"running_jobs\":0}}";
    java.util.List<Long> marks = new java.util.ArrayList<>();
    for (int i = 1; i <= 64; i++) {
      s.tell(new NodeSocket.Frame(new SocketIn.Text(hb), acks.getRef()));
      entity.expectMessageClass(NodeEntity.Heartbeat.class);
      if (i % 16 == 0) marks.add(entity.expectMessageClass(NodeEntity.Mark.class).seq());
      if (i < 64) acks.receiveMessage();
    }
    assertEquals(java.util.List.of(16L, 32L, 48L, 64L), marks);
    acks.expectNoMessage(Duration.ofMillis(100));
    clock.advance(Duration.ofSeconds(2));
    assertEquals(64, entity.expectMessageClass(NodeEntity.Mark.class).seq(), "a full window asks again");
    s.tell(new NodeSocket.Taken(16, 5));
    assertEquals(SocketAck.INSTANCE, acks.receiveMessage(), "room again: the next frame may be read");
  }

  /** Issue 11: results sent to a node entity that died are sent again to its next incarnation. */
  @Test
  void unconfirmedResultsGoAgainToAReCreatedNodeEntity() {
    ActorRef<NodeSocket.Command> s = socket();
    entity.expectMessageClass(NodeEntity.Register.class);
    s.tell(new NodeSocket.Registered("gpu-7", NodeStatus.REGISTERING));
    out.receiveMessage(); // the ack
    String result = "{\"type\":\"job_result\",\"job_id\":\"job-1\",\"attempt_id\":1,\"node_id\":\"gpu-7\","
        + "\"session_id\":\"s-1\",\"utterance_index\":0,\"success\":true,\"text_asr\":\"a\",\"text_translated\":\"b\"}";
    s.tell(new NodeSocket.Frame(new SocketIn.Text(result), acks.getRef()));
    acks.receiveMessage();
    NodeEntity.ResultFromNode sent = entity.expectMessageClass(NodeEntity.ResultFromNode.class);
    assertEquals("s-1", sent.claimedSessionId());
    assertEquals(1, entity.expectMessageClass(NodeEntity.Mark.class).seq(), "a result is confirmed promptly");
    s.tell(new NodeSocket.Taken(0, 111)); // an answer of the entity's first life, before the result
    clock.advance(Duration.ofSeconds(2));
    assertEquals("job-1", entity.expectMessageClass(NodeEntity.ResultFromNode.class).result().jobId(),
        "unconfirmed after the retry interval: sent again");
    entity.expectMessageClass(NodeEntity.Mark.class);
    s.tell(new NodeSocket.Taken(0, 222)); // a new life of the entity answers
    assertEquals("job-1", entity.expectMessageClass(NodeEntity.ResultFromNode.class).result().jobId());
    entity.expectMessageClass(NodeEntity.Mark.class);
    s.tell(new NodeSocket.Taken(1, 222));
    clock.advance(Duration.ofSeconds(4));
    entity.expectNoMessage(Duration.ofMillis(100));
  }

  // ---------------------------------------------------------------- memory budgets (issue 10)

  private ActorRef<NodeSocket.Command> registered(SocketLink link) {
    ActorRef<NodeSocket.Command> s = kit.spawn(NodeSocket.create(link, deps(SETTINGS), "192.0.2.1"));
    s.tell(new NodeSocket.Frame(new SocketIn.Text("{\"type\":\"node_register\",\"node_id\":\"gpu-7\","
        + "\"capability_schema_version\":\"2.0\"}"), acks.getRef()));
    acks.receiveMessage();
    entity.expectMessageClass(NodeEntity.Register.class);
    return s;
  }

  @Test
  void anUnregisteredConnectionAcceptsSmallMessagesOnlyUntilTheEntityConfirmsTheRegistration() {
    SocketLink link = new SocketLink(out.getRef(), 1024, 1 << 20, 64 * 1024);
    ActorRef<NodeSocket.Command> s = registered(link);
    assertEquals(64 * 1024, link.inboundLimit(), "a pending registration is not a registration");
    s.tell(new NodeSocket.Registered("gpu-7", NodeStatus.REGISTERING));
    out.receiveMessage(); // the ack
    assertEquals(16L << 20, link.inboundLimit());
  }

  @Test
  void aMessageOverTheUnregisteredLimitGetsOneErrorNamingTheRegistrationThenTheClose() {
    ActorRef<NodeSocket.Command> s = kit.spawn(NodeSocket.create(out.getRef(), deps(SETTINGS), "192.0.2.1"));
    s.tell(new NodeSocket.Frame(new SocketIn.TooBig(64 * 1024), acks.getRef()));
    acks.receiveMessage();
    String error = ((SocketOut.Text) out.receiveMessage()).text();
    assertTrue(error.contains("\"code\":\"MESSAGE_TOO_BIG\"") && error.contains("until node_register succeeded"), error);
    assertEquals(SocketOut.Complete.INSTANCE, out.receiveMessage());
    out.expectNoMessage(Duration.ofMillis(50));
  }

  @Test
  void aNodeThatDoesNotReadGetsOutboundQueueFullThenTheCloseAndItsEntityHearsAtOnce() {
    SocketLink link = new SocketLink(out.getRef(), 2, 1 << 20, 64 * 1024);
    ActorRef<NodeSocket.Command> s = registered(link);
    s.tell(new NodeSocket.Registered("gpu-7", NodeStatus.REGISTERING)); // the ack: one frame queued, none sent
    s.tell(new NodeSocket.SendCancel("job-1", "t", "superseded"));       // two: the bound
    s.tell(new NodeSocket.SendCancel("job-2", "t", "superseded"));       // would pass it
    assertTrue(((SocketOut.Text) out.receiveMessage()).text().contains("node_register_ack"));
    assertTrue(((SocketOut.Text) out.receiveMessage()).text().contains("job-1"));
    String error = ((SocketOut.Text) out.receiveMessage()).text();
    assertTrue(error.contains("\"code\":\"OUTBOUND_QUEUE_FULL\""), error);
    assertEquals(SocketOut.Complete.INSTANCE, out.receiveMessage());
    assertEquals(s, entity.expectMessageClass(NodeEntity.SocketClosed.class).socket());
    assertTrue(link.closing());
    s.tell(new NodeSocket.SendCancel("job-3", "t", "superseded"));
    out.expectNoMessage(Duration.ofMillis(50));
  }
}
