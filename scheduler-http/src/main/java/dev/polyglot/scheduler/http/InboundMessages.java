package dev.polyglot.scheduler.http;

import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;

/**
 * A connection's inbound messages, one output per message, in order, like {@code flatMapConcat}: a message that arrived
 * whole ({@code strict}) becomes its output at once, inside this stage; only a message that arrives in parts runs its
 * parts through a sub-stream ({@code streamed}), read to its end before the next message is pulled. {@code flatMapConcat}
 * materialized a sub-stream for every message, whole ones included (observed with Pekko 1.7: a few microseconds and
 * several objects per heartbeat); here a whole message costs none.
 *
 * @param <T> what one message becomes
 */
final class InboundMessages<T> extends GraphStage<FlowShape<Message, T>> {
  private final Inlet<Message> in = Inlet.create("InboundMessages.in");
  private final Outlet<T> out = Outlet.create("InboundMessages.out");
  private final FlowShape<Message, T> shape = FlowShape.of(in, out);
  /** The output of a whole message, or null when it arrived in parts. */
  private final Function<Message, T> strict;
  /** The outputs of a message that arrives in parts. */
  private final Function<Message, Source<T, ?>> streamed;

  InboundMessages(Function<Message, T> strict, Function<Message, Source<T, ?>> streamed) {
    this.strict = strict;
    this.streamed = streamed;
  }

  @Override
  public FlowShape<Message, T> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes inheritedAttributes) {
    return new GraphStageLogic(shape) {
      /** The parts of the message being read, or null. */
      private SubSinkInlet<T> parts;
      private boolean upstreamDone;

      {
        setHandler(in, new AbstractInHandler() {
          @Override
          public void onPush() {
            Message m = grab(in);
            T whole = strict.apply(m);
            if (whole != null) {
              push(out, whole);
              return;
            }
            readParts(streamed.apply(m));
          }

          @Override
          public void onUpstreamFinish() {
            upstreamDone = true;
            if (parts == null) completeStage();
          }
        });
        setHandler(out, new AbstractOutHandler() {
          @Override
          public void onPull() {
            if (parts != null) {
              if (!parts.hasBeenPulled() && !parts.isClosed()) parts.pull();
            } else if (!hasBeenPulled(in) && !isClosed(in)) {
              pull(in);
            }
          }

          @Override
          public void onDownstreamFinish(Throwable cause) {
            if (parts != null) parts.cancel(cause);
            cancelStage(cause);
          }
        });
      }

      private void readParts(Source<T, ?> source) {
        SubSinkInlet<T> sub = new SubSinkInlet<>("InboundMessages.parts");
        sub.setHandler(new AbstractInHandler() {
          @Override
          public void onPush() {
            push(out, sub.grab());
          }

          @Override
          public void onUpstreamFinish() {
            parts = null;
            if (upstreamDone) completeStage();
            else if (isAvailable(out) && !hasBeenPulled(in)) pull(in);
          }

          @Override
          public void onUpstreamFailure(Throwable ex) {
            failStage(ex);
          }
        });
        parts = sub;
        source.runWith(sub.sink(), subFusingMaterializer());
        sub.pull(); // out was pulled: that is why the message was read
      }
    };
  }
}
