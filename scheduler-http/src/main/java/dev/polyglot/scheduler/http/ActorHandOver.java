package dev.polyglot.scheduler.http;

import dev.polyglot.scheduler.edge.Ack;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.SinkShape;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;

/**
 * Hands a connection's inbound messages to its socket actor one at a time, like Pekko's
 * {@code ActorSink.actorRefWithBackpressure}: the actor hears {@code started} first, then each message, then
 * {@code ended} once (end of stream or failure), and acknowledges each; a message goes to the actor only after the
 * previous one was acknowledged, and at most one more waits here meanwhile. The difference is the acknowledgement: an
 * {@link Ack} the actor calls, which only counts, instead of a message to this stage. A connection whose next message
 * has not arrived when the actor acknowledges (a node heartbeating every second, almost always) costs no wake-up of
 * the stream at all; only a message that waits for its acknowledgement is handed over by a callback into the stream.
 * If the actor stops, the stream is cancelled.
 *
 * @param <T> the inbound message
 * @param <C> the socket actor's command type
 */
final class ActorHandOver<T, C> extends GraphStage<SinkShape<T>> {
  private final Inlet<T> in = Inlet.create("ActorHandOver.in");
  private final SinkShape<T> shape = SinkShape.of(in);
  private final ActorRef<C> actor;
  private final Function<Ack, C> started;
  private final BiFunction<Ack, T, C> message;
  private final C ended;

  /**
   * {@code message} builds the actor's command for one message at the moment it is handed over; a message still
   * waiting here when the stream stops never reaches the actor (the bridge returns what it held).
   */
  ActorHandOver(ActorRef<C> actor, Function<Ack, C> started, BiFunction<Ack, T, C> message, C ended) {
    this.actor = actor;
    this.started = started;
    this.message = message;
    this.ended = ended;
  }

  @Override
  public SinkShape<T> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes inheritedAttributes) {
    return new GraphStageLogic(shape) {
      /**
       * Messages the actor may be handed now without waiting: 1 when it acknowledged everything it was handed, 0 while
       * it handles one, -1 while it handles one and another waits here for its acknowledgement.
       */
      private final AtomicInteger permits = new AtomicInteger(0);
      private AsyncCallback<Boolean> acknowledged;
      private T waiting;
      private boolean upstreamDone;
      private boolean endSent;
      private final Ack ack = () -> {
        if (permits.getAndIncrement() < 0) acknowledged.invoke(Boolean.TRUE);
      };

      {
        setHandler(in, new AbstractInHandler() {
          @Override
          public void onPush() {
            T m = grab(in);
            if (permits.decrementAndGet() >= 0) {
              actor.tell(message.apply(ack, m));
              pull(in);
            } else {
              waiting = m; // handed over when the actor acknowledges
            }
          }

          @Override
          public void onUpstreamFinish() {
            upstreamDone = true;
            if (waiting == null) end();
          }

          @Override
          public void onUpstreamFailure(Throwable ex) {
            upstreamDone = true;
            if (waiting == null) end();
          }
        });
      }

      @Override
      public void preStart() {
        acknowledged = createAsyncCallback(x -> onAcknowledged());
        getStageActor(msg -> {
          if (msg._2() instanceof org.apache.pekko.actor.Terminated) cancelStage(new IllegalStateException("socket actor stopped"));
          return scala.runtime.BoxedUnit.UNIT;
        }).watch(Adapter.toClassic(actor));
        // started counts as the first message: nothing else goes before the actor acknowledged it
        actor.tell(started.apply(ack));
        pull(in);
      }

      /** The actor acknowledged while a message waited: it gets that one now. */
      private void onAcknowledged() {
        T m = waiting;
        if (m == null) return;
        waiting = null;
        actor.tell(message.apply(ack, m));
        if (upstreamDone) end();
        else if (!hasBeenPulled(in)) pull(in);
      }

      private void end() {
        if (!endSent) {
          endSent = true;
          actor.tell(ended);
        }
        completeStage();
      }

      @Override
      public void postStop() {
        waiting = null;
        if (!endSent) {
          endSent = true;
          actor.tell(ended);
        }
      }
    };
  }
}
