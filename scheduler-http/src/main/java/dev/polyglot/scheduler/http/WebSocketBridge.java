package dev.polyglot.scheduler.http;

import dev.polyglot.scheduler.edge.SocketAck;
import dev.polyglot.scheduler.edge.SocketIn;
import dev.polyglot.scheduler.edge.SocketOut;
import java.util.Optional;
import java.util.function.Function;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.TextMessage;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.typed.javadsl.ActorSink;
import org.apache.pekko.stream.typed.javadsl.ActorSource;

/**
 * Connects one WebSocket to one socket actor. Inbound messages are reassembled up to a byte limit counted
 * while the frames stream in (a larger message is drained and reported as {@link SocketIn.TooBig}, never
 * buffered), then handed to the actor one at a time with backpressure (the actor acknowledges each). Outbound
 * frames go through a bounded queue; a peer that does not read until it overflows has its connection failed.
 */
final class WebSocketBridge {
  private WebSocketBridge() {}

  /** The messages a socket actor understands from its connection. */
  record Adapter<C>(org.apache.pekko.japi.function.Function2<ActorRef<SocketAck>, SocketIn, C> frame,
                    org.apache.pekko.japi.function.Function<ActorRef<SocketAck>, C> started, C ended) {}

  static <C> Flow<Message, Message, NotUsed> flow(ActorSystem<?> system, long maxBytes, int outboundQueue,
                                                   Adapter<C> adapter, Function<ActorRef<SocketOut>, ActorRef<C>> spawn) {
    Materializer mat = Materializer.matFromSystem(system);
    Pair<ActorRef<SocketOut>, Source<SocketOut, NotUsed>> out = ActorSource.<SocketOut>actorRef(
            m -> m == SocketOut.Complete.INSTANCE, m -> Optional.empty(), outboundQueue, OverflowStrategy.fail())
        .preMaterialize(mat);
    ActorRef<C> socket = spawn.apply(out.first());
    Sink<Message, NotUsed> in = Flow.<Message>create()
        .flatMapConcat(m -> collect(m, maxBytes))
        .to(ActorSink.actorRefWithBackpressure(socket, adapter.frame(), adapter.started(),
            SocketAck.INSTANCE, adapter.ended(), ex -> adapter.ended()));
    Source<Message, NotUsed> outSource = out.second()
        .collect(new scala.PartialFunction<SocketOut, Message>() {
          @Override public boolean isDefinedAt(SocketOut x) { return x instanceof SocketOut.Text; }

          @Override public Message apply(SocketOut x) { return TextMessage.create(((SocketOut.Text) x).text()); }
        });
    return Flow.fromSinkAndSourceCoupled(in, outSource);
  }

  /**
   * One inbound message as one {@link SocketIn}. A message that arrived in several frames is folded inside this
   * connection's stream (a sub-stream, no stream of its own per message), counting bytes as they come.
   */
  private static Source<SocketIn, NotUsed> collect(Message m, long maxBytes) {
    if (m.isText()) {
      TextMessage t = m.asTextMessage();
      if (t.isStrict()) {
        String s = t.getStrictText();
        return Source.single(utf8Length(s) > maxBytes ? new SocketIn.TooBig(maxBytes) : new SocketIn.Text(s));
      }
      return t.getStreamedText().fold(new Collector(maxBytes), Collector::add).map(Collector::result)
          .mapMaterializedValue(x -> NotUsed.getInstance());
    }
    return m.asBinaryMessage().getStreamedData().fold(0, (n, chunk) -> n).<SocketIn>map(n -> SocketIn.Binary.INSTANCE)
        .mapMaterializedValue(x -> NotUsed.getInstance());
  }

  /** Accumulates one streamed text message until it passes the limit, then only counts. */
  private static final class Collector {
    private final long max;
    private StringBuilder text = new StringBuilder();
    private long bytes;

    Collector(long max) {
      this.max = max;
    }

    Collector add(String part) {
      bytes += utf8Length(part);
      if (text != null) {
        if (bytes > max) text = null;
        else text.append(part);
      }
      return this;
    }

    SocketIn result() {
      return text == null ? new SocketIn.TooBig(max) : new SocketIn.Text(text.toString());
    }
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
