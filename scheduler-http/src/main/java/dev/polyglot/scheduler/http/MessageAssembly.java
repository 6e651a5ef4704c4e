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
 * {@link SocketIn.OverBudget}) and this stage stops: Pekko HTTP discards the message's remaining frames without
 * keeping them, and the socket actor closes the connection. So a connection never holds more than its limit of one
 * message, and all connections together never more than the budget, whatever the sender does.
 *
 * <p>Binary messages (not part of the protocol) are counted against the same limit but never kept.
 * Whatever was reserved is returned when the message completes, is refused, or its connection fails mid-message.
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

      {
        setHandler(in, new AbstractInHandler() {
          @Override
          public void onPush() {
            onPart(grab(in));
          }

          @Override
          public void onUpstreamFinish() {
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
          else pull(in);
          return;
        }
        switch (message.add(part, limit)) {
          case KEPT -> pull(in);
          case OVER_LIMIT -> refuse(new SocketIn.TooBig(limit));
          case OVER_BUDGET -> refuse(new SocketIn.OverBudget(budget.limit()));
        }
      }

      /** Reports the refusal and reads no further part (Pekko HTTP discards the rest of the message). */
      private void refuse(SocketIn why) {
        cancel(in);
        emit(out, why, () -> completeStage());
      }

      @Override
      public void postStop() {
        message.release();
      }
    };
  }
}
