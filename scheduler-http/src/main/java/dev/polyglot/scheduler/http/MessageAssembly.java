package dev.polyglot.scheduler.http;

import dev.polyglot.scheduler.edge.InboundBudget;
import dev.polyglot.scheduler.edge.PartialMessage;
import dev.polyglot.scheduler.edge.SocketIn;
import dev.polyglot.scheduler.edge.SocketLink;
import java.util.Queue;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;

/**
 * One streamed inbound message (its parts as bytes, in order) into exactly one {@link Assembled} message. Every part is
 * checked as it arrives against the connection's current limit ({@link SocketLink#inboundLimit()}, read per part, so a
 * node socket's limit rises the moment its registration succeeds) and, for text that is kept, against the instance's
 * {@link InboundBudget}. A message over either is reported at once ({@link SocketIn.TooBig} or
 * {@link SocketIn.OverBudget}), so the socket actor closes the connection while the peer is still sending; the
 * message's remaining parts are then read and discarded, never kept. So a connection never holds more than its limit
 * of one message, and all connections together never more than the budget, whatever the senders do.
 *
 * <p>The rest of a refused message is drained here rather than cancelled: cancelling a streamed message's source ends
 * Pekko HTTP's whole inbound stream, and the coupled outbound side with it, before the actor's {@code error} frame
 * goes out (observed with Pekko HTTP 1.3.0).
 *
 * <p>A complete text message keeps its reservation until the socket actor takes it: it goes out with its
 * {@link PartialMessage} and onto the connection's {@code waiting} queue, and the bridge releases it when it hands the
 * message to the actor, or when the connection ends. A message refused or cut off mid-way returns its reservation
 * here. Binary messages (not part of the protocol) are counted against the same limit but never kept.
 */
final class MessageAssembly extends GraphStage<FlowShape<byte[], MessageAssembly.Assembled>> {

  /** One inbound message for the socket actor, and what it still holds of the budget (null: nothing). */
  record Assembled(SocketIn in, PartialMessage held) {
    static Assembled of(SocketIn in) {
      return new Assembled(in, null);
    }
  }

  private final Inlet<byte[]> in = Inlet.create("MessageAssembly.in");
  private final Outlet<Assembled> out = Outlet.create("MessageAssembly.out");
  private final FlowShape<byte[], Assembled> shape = FlowShape.of(in, out);
  private final SocketLink link;
  private final InboundBudget budget;
  private final Queue<PartialMessage> waiting;
  private final boolean text;

  private MessageAssembly(SocketLink link, InboundBudget budget, Queue<PartialMessage> waiting, boolean text) {
    this.link = link;
    this.budget = budget;
    this.waiting = waiting;
    this.text = text;
  }

  /** A text message: kept (as UTF-8 bytes) up to the limit and within the budget; once complete, put on {@code waiting}. */
  static MessageAssembly text(SocketLink link, InboundBudget budget, Queue<PartialMessage> waiting) {
    return new MessageAssembly(link, budget, waiting, true);
  }

  /** A binary message: only counted. */
  static MessageAssembly binary(SocketLink link, InboundBudget budget) {
    return new MessageAssembly(link, budget, null, false);
  }

  @Override
  public FlowShape<byte[], Assembled> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes inheritedAttributes) {
    return new GraphStageLogic(shape) {
      private final PartialMessage message = new PartialMessage(budget);
      private long binaryBytes;
      /** Refused: the rest of the message is read and dropped. */
      private boolean draining;

      {
        setHandler(in, new AbstractInHandler() {
          @Override
          public void onPush() {
            byte[] part = grab(in);
            if (!draining) onPart(part);
            pull(in);
          }

          @Override
          public void onUpstreamFinish() {
            if (draining) {
              completeStage();
              return;
            }
            Assembled whole;
            if (text) {
              whole = new Assembled(new SocketIn.Text(message.finish()), message);
              waiting.add(message);
            } else {
              whole = Assembled.of(SocketIn.Binary.INSTANCE);
            }
            emit(out, whole, () -> completeStage());
          }
        });
        setHandler(out, new AbstractOutHandler() {
          @Override
          public void onPull() {
            if (!hasBeenPulled(in) && !isClosed(in)) pull(in);
          }
        });
      }

      private void onPart(byte[] part) {
        long limit = link.inboundLimit();
        if (!text) {
          binaryBytes += part.length;
          if (binaryBytes > limit) refuse(new SocketIn.TooBig(limit));
          return;
        }
        switch (message.add(part, limit)) {
          case KEPT -> { }
          case OVER_LIMIT -> refuse(new SocketIn.TooBig(limit));
          case OVER_BUDGET -> refuse(new SocketIn.OverBudget(budget.limit()));
        }
      }

      /** Reports the refusal now; the message's further parts are dropped as they come. */
      private void refuse(SocketIn why) {
        draining = true;
        emit(out, Assembled.of(why));
      }

      @Override
      public void postStop() {
        if (!message.finished()) message.release(); // a finished one is released by whoever takes it
      }
    };
  }
}
