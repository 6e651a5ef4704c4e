package dev.polyglot.scheduler.http;

import java.time.Duration;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.BidiShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;

/**
 * A request-header timeout, which Pekko HTTP lacks (its {@code request-timeout} starts only once a request is
 * complete, and its {@code idle-timeout} is reset by every byte, so a client sending one header line every few
 * seconds holds a connection for minutes: slowloris). Wrapped around the handler of each connection, it closes the
 * connection when no complete request head arrived within the timeout after the connection was accepted or after its
 * previous response; a WebSocket upgrade ({@code 101}) ends the watch, the socket actor's own deadlines take over.
 * The wait for the next request on a kept-alive connection is bounded the same way.
 */
final class RequestHeaderDeadline extends GraphStage<BidiShape<HttpRequest, HttpRequest, HttpResponse, HttpResponse>> {
  private static final Object TIMER = "request-header-deadline";

  private final Inlet<HttpRequest> requestsIn = Inlet.create("RequestHeaderDeadline.requestsIn");
  private final Outlet<HttpRequest> requestsOut = Outlet.create("RequestHeaderDeadline.requestsOut");
  private final Inlet<HttpResponse> responsesIn = Inlet.create("RequestHeaderDeadline.responsesIn");
  private final Outlet<HttpResponse> responsesOut = Outlet.create("RequestHeaderDeadline.responsesOut");
  private final BidiShape<HttpRequest, HttpRequest, HttpResponse, HttpResponse> shape =
      BidiShape.of(requestsIn, requestsOut, responsesIn, responsesOut);
  private final Duration timeout;
  private final java.util.function.Consumer<Boolean> onTimeout;

  private RequestHeaderDeadline(Duration timeout, java.util.function.Consumer<Boolean> onTimeout) {
    this.timeout = timeout;
    this.onTimeout = onTimeout;
  }

  /**
   * {@code handler} with the deadline in front, for {@code bindFlow} (materialized once per connection).
   * {@code onTimeout} hears whether the connection had been answered before ({@code true}: an idle kept-alive
   * connection; {@code false}: no complete first request, as slowloris).
   */
  static Flow<HttpRequest, HttpResponse, NotUsed> around(Flow<HttpRequest, HttpResponse, NotUsed> handler,
                                                          Duration timeout, java.util.function.Consumer<Boolean> onTimeout) {
    return BidiFlow.fromGraph(new RequestHeaderDeadline(timeout, onTimeout)).join(handler);
  }

  @Override
  public BidiShape<HttpRequest, HttpRequest, HttpResponse, HttpResponse> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes inheritedAttributes) {
    return new TimerGraphStageLogic(shape) {
      private boolean answered;

      {
        setHandler(requestsIn, new AbstractInHandler() {
          @Override public void onPush() {
            cancelTimer(TIMER);
            push(requestsOut, grab(requestsIn));
          }
        });
        setHandler(requestsOut, new AbstractOutHandler() {
          @Override public void onPull() {
            pull(requestsIn);
          }
        });
        setHandler(responsesIn, new AbstractInHandler() {
          @Override public void onPush() {
            HttpResponse response = grab(responsesIn);
            push(responsesOut, response);
            answered = true;
            if (response.status().intValue() != 101) scheduleOnce(TIMER, timeout);
          }
        });
        setHandler(responsesOut, new AbstractOutHandler() {
          @Override public void onPull() {
            pull(responsesIn);
          }
        });
      }

      @Override
      public void preStart() {
        scheduleOnce(TIMER, timeout);
      }

      @Override
      public void onTimer(Object key) {
        onTimeout.accept(answered);
        completeStage();
      }
    };
  }
}
