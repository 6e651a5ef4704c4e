package dev.polyglot.scheduler.node;

import dev.polyglot.scheduler.testkit.TestEntities;
import dev.polyglot.scheduler.testkit.TestKits;
import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.cluster.Entities;
import dev.polyglot.scheduler.edge.SocketAck;
import dev.polyglot.scheduler.edge.SocketIn;
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
    Entities entities = new TestEntities(entity.getRef(), null, null);
    ActorRef<NodeSocket.Command> s = kit.spawn(NodeSocket.create(out.getRef(), new NodeSocket.Deps(
        TestSettings.with("scheduler.nodes.require-gpu = false"), new ManualClock(time), entities, new WireCodec())));
    s.tell(new NodeSocket.Frame(new SocketIn.Text(
        "{\"type\":\"node_register\",\"node_id\":\"gpu-7\",\"capability_schema_version\":\"2.0\"}"), acks.getRef()));
    acks.receiveMessage();
    return s;
  }

  @Test
  void aRegistrationTheEntityNeverAnswersClosesTheConnectionAtTheTimeout() {
    ActorRef<NodeSocket.Command> s = socket();
    NodeEntity.Register asked = entity.expectMessageClass(NodeEntity.Register.class);
    assertEquals(s, asked.socket());
    time.timePasses(Duration.ofSeconds(10).minusMillis(1));
    out.expectNoMessage(Duration.ofMillis(50));
    time.timePasses(Duration.ofMillis(1));
    String frame = ((SocketOut.Text) out.receiveMessage()).text();
    assertTrue(frame.contains("\"type\":\"error\"") && frame.contains("\"code\":\"INTERNAL_ERROR\""), frame);
    assertEquals(SocketOut.Complete.INSTANCE, out.receiveMessage());
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
}
