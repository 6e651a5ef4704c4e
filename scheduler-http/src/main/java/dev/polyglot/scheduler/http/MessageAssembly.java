package dev.polyglot.scheduler.http;

import dev.polyglot.scheduler.edge.InboundBudget;
import dev.polyglot.scheduler.edge.PartialMessage;
import dev.polyglot.scheduler.edge.SocketIn;
import dev.polyglot.scheduler.edge.SocketLink;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;

/**
 * One streamed inbound message (its parts as bytes, in order) into exactly one {@link SocketIn}. Every part is
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
 * <p>Binary messages (not part of the protocol) are counted against the same limit but never kept. Whatever was
 * reserved is returned when the message completes, is refused, or its connection fails mid-message.
 */
final class MessageAssembly extends GraphStage<FlowShape<byte[], SocketIn>> {
  private final Inlet<byte[]> in = Inlet.create("MessageAssembly.in");
  private final Outlet<SocketIn> out = Outlet.create("MessageAssembly.out");
  private final FlowShape<byte[], SocketIn> shape = FlowShape.of(in, out);
  private final SocketLink link;
  private final InboundBudget budget;
  private final boolean text;

  private MessageAssembly(SocketLink link, InboundBudget budget, boolean text) {
    this.link = link;
    this.budget = budget;
    this.text = text;
  }

  /** A text message: kept (as UTF-8 bytes) up to the limit and within the budget. */
  static MessageAssembly text(SocketLink link, InboundBudget budget) {
    return new MessageAssembly(link, budget, true);
  }

  /** A binary message: only counted. */
  static MessageAssembly binary(SocketLink link, InboundBudget budget) {
    return new MessageAssembly(link, budget, false);
  }

  @Override
  public FlowShape<byte[], SocketIn> shape() {
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
            SocketIn whole = text ? new SocketIn.Text(message.finish()) : SocketIn.Binary.INSTANCE;
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
        emit(out, why);
      }

      @Override
      public void postStop() {
        message.release();
      }
    };
  }
}
