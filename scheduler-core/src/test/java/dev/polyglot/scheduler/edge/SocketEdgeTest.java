package dev.polyglot.scheduler.edge;

import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.config.FlowLimits;
import dev.polyglot.scheduler.config.SchedulerSettings;
import dev.polyglot.scheduler.testkit.ManualClock;
import dev.polyglot.scheduler.testkit.TestKits;
import dev.polyglot.scheduler.testkit.TestSettings;
import dev.polyglot.scheduler.wire.Decoded;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The edge both sockets share, owned by a minimal socket actor speaking a toy protocol: {@code "to:KEY"} is forwarded
 * to entity KEY, {@code "keep:KEY"} is forwarded and kept until confirmed, {@code "hello"} is the greeting, {@code "bad"}
 * does not decode. What the socket would tell its entities goes to {@code events}.
 */
class SocketEdgeTest {
  static final ActorTestKit kit = TestKits.manualTime();
  static final ManualTime time = ManualTime.get(kit.system());
  static final SchedulerSettings SETTINGS = TestSettings.with("");
  static final Duration RETRY = SETTINGS.flow().markRetry();

  private final ManualClock clock = new ManualClock(time);
  private final TestProbe<SocketOut> out = kit.createTestProbe();
  private final TestProbe<SocketAck> acks = kit.createTestProbe();
  private final TestProbe<Object> events = kit.createTestProbe();

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  sealed interface Cmd {}

  record In(SocketIn in, ActorRef<SocketAck> ack) implements Cmd {}

  record Write(String text) implements Cmd {}

  record Taken(String key, long seq) implements Cmd {}

  enum Tick implements Cmd { HANDSHAKE, IDLE, RETRY }

  record Lost() {}

  record Kept(long seq) {}

  record Handled(String text) {}

  /** The socket has started (its deadlines run from now). */
  enum Started { INSTANCE }

  private Behavior<Cmd> socket(SocketLink link, FlowLimits flow) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      SocketEdge.Owner owner = new SocketEdge.Owner() {
        @Override public void mark(InboundFlow.Mark mark) { events.getRef().tell(mark); }
        @Override public boolean keeping() { return false; }
        @Override public void lost() { events.getRef().tell(new Lost()); }
        @Override public Object who() { return "toy"; }
      };
      SocketEdge<Cmd, String, String> edge = new SocketEdge<>(ctx, timers, new SocketEdge.Side<Cmd, String, String>(
          "toy", "hello", "NOT_GREETED", "peer", "(until greeted)", Tick.HANDSHAKE, Tick.IDLE, Tick.RETRY,
          text -> text.equals("bad") ? new Decoded.Failed<>("INVALID_MESSAGE", "not toy") : new Decoded.Ok<>(text, List.of()),
          text -> text, e -> "error " + e.code() + ": " + e.message()), owner, link, SETTINGS, flow, clock);
      events.getRef().tell(Started.INSTANCE);
      return Behaviors.receive(Cmd.class)
          .onMessage(In.class, m -> {
            edge.frame(m.in(), m.ack(), text -> handle(edge, text));
            return Behaviors.same();
          })
          .onMessage(Write.class, m -> { edge.send(m.text()); return Behaviors.same(); })
          .onMessage(Taken.class, m -> { edge.taken(m.key(), m.seq()); return Behaviors.same(); })
          .onMessageEquals(Tick.HANDSHAKE, () -> { edge.handshakeDeadline(); return Behaviors.same(); })
          .onMessageEquals(Tick.IDLE, () -> { edge.idleCheck(false); return Behaviors.same(); })
          .onMessageEquals(Tick.RETRY, () -> {
            InboundFlow.Mark m = edge.remark();
            if (m == null) edge.stopRetrying();
            else events.getRef().tell(m);
            return Behaviors.same();
          })
          .build();
    }));
  }

  private void handle(SocketEdge<Cmd, String, String> edge, String text) {
    events.getRef().tell(new Handled(text));
    if (text.equals("hello")) edge.greeted();
    if (text.startsWith("to:")) edge.forwarded(text.substring(3));
    if (text.startsWith("keep:")) edge.forwardedToConfirm(text.substring(5), seq -> events.getRef().tell(new Kept(seq)));
  }

  private ActorRef<Cmd> spawn(int maxFrames, FlowLimits flow) {
    ActorRef<Cmd> s = kit.spawn(socket(new SocketLink(out.getRef(), maxFrames, 1 << 20, 64 * 1024), flow));
    events.expectMessage(Started.INSTANCE);
    return s;
  }

  private ActorRef<Cmd> spawn() {
    return spawn(64, SETTINGS.flow().session());
  }

  private void frame(ActorRef<Cmd> s, String text) {
    s.tell(new In(new SocketIn.Text(text), acks.getRef()));
  }

  private String written() {
    return ((SocketOut.Text) out.receiveMessage()).text();
  }

  @Test
  void badInputIsAnsweredAtMostOncePerIntervalForTheSameCodeAndNeverHandedOn() {
    ActorRef<Cmd> s = spawn();
    frame(s, "bad");
    acks.receiveMessage();
    assertEquals("error INVALID_MESSAGE: not toy", written());
    s.tell(new In(SocketIn.Binary.INSTANCE, acks.getRef()));
    acks.receiveMessage();
    out.expectNoMessage(Duration.ofMillis(50));
    events.expectNoMessage(Duration.ofMillis(50));
    clock.advance(SETTINGS.websocket().errorReplyInterval());
    frame(s, "bad");
    acks.receiveMessage();
    assertEquals("error INVALID_MESSAGE: not toy", written());
  }

  @Test
  void aTooBigMessageClosesTheConnectionWithTheProvisionalNoteAndNothingIsReadAfterwards() {
    ActorRef<Cmd> s = spawn();
    s.tell(new In(new SocketIn.TooBig(1024), acks.getRef()));
    acks.receiveMessage();
    assertEquals("error MESSAGE_TOO_BIG: message larger than 1024 bytes (until greeted)", written());
    assertEquals(SocketOut.Complete.INSTANCE, out.receiveMessage());
    frame(s, "to:e1");
    acks.receiveMessage();
    events.expectNoMessage(Duration.ofMillis(50));
  }

  @Test
  void aMessageOverTheInstancesBudgetIsRefusedAndTheConnectionClosed() {
    ActorRef<Cmd> s = spawn();
    s.tell(new In(new SocketIn.OverBudget(1 << 20), acks.getRef()));
    acks.receiveMessage();
    assertTrue(written().startsWith("error MESSAGE_TOO_BIG: message refused"));
    assertEquals(SocketOut.Complete.INSTANCE, out.receiveMessage());
  }

  @Test
  void aPeerThatNeverGreetsIsToldWhatWasExpectedAtTheHandshakeDeadline() {
    spawn();
    clock.advance(SETTINGS.websocket().handshakeTimeout().minusMillis(1));
    out.expectNoMessage(Duration.ofMillis(50));
    clock.advance(Duration.ofMillis(1));
    assertTrue(written().startsWith("error NOT_GREETED: hello expected within "));
    assertEquals(SocketOut.Complete.INSTANCE, out.receiveMessage());
  }

  @Test
  void aGreetedPeerIsNotClosedAtTheHandshakeDeadlineButIsWhenItFallsSilent() {
    ActorRef<Cmd> s = spawn();
    frame(s, "hello");
    acks.receiveMessage();
    clock.advance(SETTINGS.websocket().handshakeTimeout());
    out.expectNoMessage(Duration.ofMillis(50));
    s.tell(new Write("pong"));
    assertEquals("pong", written());
    clock.advance(SETTINGS.websocket().idleTimeout().minus(SETTINGS.websocket().handshakeTimeout()));
    assertTrue(written().startsWith("error IDLE_TIMEOUT: no message for "), "what the socket writes keeps nothing alive");
    assertEquals(SocketOut.Complete.INSTANCE, out.receiveMessage());
  }

  @Test
  void aFullWindowHoldsTheAcknowledgementUntilTheEntityTakesAndAsksAgainMeanwhile() {
    ActorRef<Cmd> s = spawn(64, new FlowLimits(2, 1 << 20, 2));
    frame(s, "to:e1");
    acks.receiveMessage();
    events.expectMessage(new Handled("to:e1"));
    frame(s, "to:e1");
    events.expectMessage(new Handled("to:e1"));
    assertEquals(new InboundFlow.Mark("e1", 2), events.receiveMessage());
    s.tell(new Write("handled"));
    assertEquals("handled", written());
    acks.expectNoMessage(Duration.ofMillis(50));
    clock.advance(RETRY);
    assertEquals(new InboundFlow.Mark("e1", 2), events.receiveMessage(), "asked again while the ack is held");
    s.tell(new Taken("e1", 2));
    acks.receiveMessage();
    clock.advance(RETRY);
    events.expectNoMessage(Duration.ofMillis(50));
  }

  @Test
  void aMessageKeptUntilConfirmedLearnsItsNumberBeforeTheAcknowledgementAndIsMarkedAtOnce() {
    ActorRef<Cmd> s = spawn();
    frame(s, "to:e1");
    acks.receiveMessage();
    events.expectMessage(new Handled("to:e1"));
    frame(s, "keep:e1");
    events.expectMessage(new Handled("keep:e1"));
    events.expectMessage(new Kept(2));
    assertEquals(new InboundFlow.Mark("e1", 2), events.receiveMessage());
    acks.receiveMessage();
  }

  @Test
  void aPeerThatDoesNotReadIsToldThenClosedAndItsEntitiesHearAtOnce() {
    ActorRef<Cmd> s = spawn(1, SETTINGS.flow().session());
    s.tell(new Write("one"));
    s.tell(new Write("two"));
    assertEquals("one", written());
    assertEquals("error OUTBOUND_QUEUE_FULL: the peer does not read its messages; closing the connection", written());
    assertEquals(SocketOut.Complete.INSTANCE, out.receiveMessage());
    assertEquals(new Lost(), events.receiveMessage());
    s.tell(new Write("three"));
    out.expectNoMessage(Duration.ofMillis(50));
  }
}
