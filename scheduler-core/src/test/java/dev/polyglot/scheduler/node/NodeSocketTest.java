package dev.polyglot.scheduler.node;

import dev.polyglot.scheduler.job.Cut;
import dev.polyglot.scheduler.testkit.Fixtures;
import dev.polyglot.scheduler.testkit.TestEntities;
import dev.polyglot.scheduler.testkit.TestKits;
import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.cluster.Entities;
import dev.polyglot.scheduler.edge.SocketAck;
import dev.polyglot.scheduler.edge.SocketIn;
import dev.polyglot.scheduler.edge.SocketLink;
import dev.polyglot.scheduler.edge.SocketOut;
import dev.polyglot.scheduler.protocol.WireCodec;
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

  private ActorRef<NodeSocket.Command> socket(String register) {
    Entities entities = new TestEntities(entity.getRef(), null, null);
    ActorRef<NodeSocket.Command> s = kit.spawn(NodeSocket.create(out.getRef(), new NodeSocket.Deps(
        TestSettings.with("scheduler.nodes.require-gpu = false"), new ManualClock(time), entities, new WireCodec())));
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

  private NodeSocket.Deps deps() {
    return new NodeSocket.Deps(TestSettings.with("scheduler.nodes.require-gpu = false"), new ManualClock(time),
        new TestEntities(entity.getRef(), null, null), new WireCodec());
  }

  private ActorRef<NodeSocket.Command> registered(SocketLink link) {
    ActorRef<NodeSocket.Command> s = kit.spawn(NodeSocket.create(link, deps()));
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
    ActorRef<NodeSocket.Command> s = kit.spawn(NodeSocket.create(out.getRef(), deps()));
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
