package dev.polyglot.scheduler.http;

import dev.polyglot.scheduler.edge.Ack;
import dev.polyglot.scheduler.edge.InboundBudget;
import dev.polyglot.scheduler.edge.PartialMessage;
import dev.polyglot.scheduler.edge.SocketIn;
import dev.polyglot.scheduler.edge.SocketLink;
import dev.polyglot.scheduler.edge.SocketOut;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.TextMessage;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.typed.javadsl.ActorSource;
import org.apache.pekko.util.ByteString;

/**
 * Connects one WebSocket to one socket actor through a {@link SocketLink}.
 *
 * <p>Inbound, each message is reassembled by a {@link MessageAssembly} that enforces the connection's current limit
 * and the instance's {@link InboundBudget} as the parts arrive (a message over either is reported at once and never
 * held), then handed to the actor one at a time with backpressure: the actor acknowledges each, and at most one more
 * complete message waits for it, still counted in the budget until the actor takes it. So a connection holds at most
 * one budgeted message (unfinished, or complete and waiting) besides the one its actor is handling. The actor
 * acknowledges by a call ({@link ActorHandOver}), not a message, so a frame costs the stream no second wake-up. Once
 * the actor closes the connection no further message is read.
 *
 * <p>Outbound, frames go through a queue bounded in frames and bytes. The actor learns from the link when the queue
 * is full (it then writes {@code error OUTBOUND_QUEUE_FULL} and closes); the stream's own buffer is sized so that it
 * never overflows by itself.
 */
final class WebSocketBridge {
  private WebSocketBridge() {}

  /** The messages a socket actor understands from its connection. */
  record Adapter<C>(java.util.function.BiFunction<Ack, SocketIn, C> frame, java.util.function.Function<Ack, C> started,
                    C ended) {}

  /** One endpoint's limits: the largest inbound message a new connection accepts, and the outbound bounds. */
  record Limits(long initialMaxMessage, int outboundFrames, long outboundBytes) {}

  static <C> Flow<Message, Message, NotUsed> flow(ActorSystem<?> system, Limits limits, InboundBudget budget,
                                                   Adapter<C> adapter, Function<SocketLink, ActorRef<C>> spawn) {
    Materializer mat = Materializer.matFromSystem(system);
    Pair<ActorRef<SocketOut>, Source<SocketOut, NotUsed>> out = ActorSource.<SocketOut>actorRef(
            m -> m == SocketOut.Complete.INSTANCE, m -> Optional.empty(),
            SocketLink.streamBuffer(limits.outboundFrames()), OverflowStrategy.fail())
        .preMaterialize(mat);
    SocketLink link = new SocketLink(out.first(), limits.outboundFrames(), limits.outboundBytes(), limits.initialMaxMessage());
    ActorRef<C> socket = spawn.apply(link);
    // complete messages that still hold their reservation: released when the actor takes them, or at the end
    Queue<PartialMessage> waiting = new ConcurrentLinkedQueue<>();
    Sink<Message, NotUsed> in = Flow.<Message>create()
        .via(new ReadGate<>(link))
        .flatMapConcat(m -> assemble(m, link, budget, waiting))
        .watchTermination((notUsed, done) -> {
          done.whenComplete((d, ex) -> releaseAll(waiting));
          return notUsed;
        })
        .to(Sink.fromGraph(new ActorHandOver<MessageAssembly.Assembled, C>(socket, adapter.started(),
                (ack, a) -> handOver(adapter, waiting, ack, a), adapter.ended()))
            // one complete message waits for the actor at most (the default would read 16 ahead)
            .addAttributes(Attributes.inputBuffer(1, 1)));
    Source<Message, NotUsed> outSource = out.second()
        .map(m -> {
          String text = ((SocketOut.Text) m).text(); // Complete ends the source and is never an element
          link.sent(text);
          return (Message) TextMessage.create(text);
        })
        .watchTermination((notUsed, done) -> {
          done.whenComplete((d, ex) -> link.ended());
          return notUsed;
        });
    return Flow.fromSinkAndSourceCoupled(in, outSource);
  }

  /** The actor takes a message: what it held of the budget is returned now. */
  private static <C> C handOver(Adapter<C> adapter, Queue<PartialMessage> waiting, Ack ack,
                                MessageAssembly.Assembled a) {
    if (a.held() != null) {
      a.held().release();
      waiting.remove(a.held());
    }
    return adapter.frame().apply(ack, a.in());
  }

  /** The connection ended: messages that never reached the actor return what they held. */
  private static void releaseAll(Queue<PartialMessage> waiting) {
    for (PartialMessage m; (m = waiting.poll()) != null; ) m.release();
  }

  /**
   * One inbound message as one {@link SocketIn}. A strict message arrived whole (one network read); a streamed one is
   * assembled inside this connection's stream (a sub-stream, no stream of its own per message), part by part.
   */
  private static Source<MessageAssembly.Assembled, NotUsed> assemble(Message m, SocketLink link, InboundBudget budget,
                                                                    Queue<PartialMessage> waiting) {
    long limit = link.inboundLimit();
    if (m.isText()) {
      TextMessage t = m.asTextMessage();
      if (t.isStrict()) { // arrived whole in one network read: bounded by the read size, not budgeted
        String s = t.getStrictText();
        return Source.single(MessageAssembly.Assembled.of(
            overLimit(s, limit) ? new SocketIn.TooBig(limit) : new SocketIn.Text(s)));
      }
      return t.getStreamedText().map(part -> part.getBytes(StandardCharsets.UTF_8))
          .via(MessageAssembly.text(link, budget, waiting)).mapMaterializedValue(x -> NotUsed.getInstance());
    }
    var b = m.asBinaryMessage();
    if (b.isStrict()) {
      return Source.single(MessageAssembly.Assembled.of(
          b.getStrictData().size() > limit ? new SocketIn.TooBig(limit) : SocketIn.Binary.INSTANCE));
    }
    return b.getStreamedData().map(ByteString::toArrayUnsafe)
        .via(MessageAssembly.binary(link, budget)).mapMaterializedValue(x -> NotUsed.getInstance());
  }

  /**
   * Whether {@code s} takes more than {@code limit} bytes in UTF-8, counting them only when the answer is not plain
   * from its length: a char takes one to three bytes (a surrogate pair four for two chars), so a text of at most
   * limit / 3 chars fits and one of more than limit chars does not. A heartbeat never needs the count.
   */
  static boolean overLimit(String s, long limit) {
    if (s.length() <= limit / 3) return false;
    if (s.length() > limit) return true;
    return utf8Length(s) > limit;
  }

  static long utf8Length(CharSequence s) {
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) n++;
      else if (c < 0x800) n += 2;
      else if (Character.isHighSurrogate(c)) { n += 4; i++; }
      else n += 3;
    }
    return n;
  }
}
