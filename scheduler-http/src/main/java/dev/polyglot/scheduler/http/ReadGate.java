package dev.polyglot.scheduler.http;

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
 * Stops reading a connection's next message once its socket actor started to close it ({@link SocketLink#closing()}),
 * without completing anything: the peer's further frames wait in TCP, not in memory. A peer that then does not read
 * our last frames either leaves the connection idle in both directions, so the connection's idle timeout
 * ({@code pekko.http.server.idle-timeout}, set from {@code scheduler.websocket.idle-timeout}) ends it; a peer
 * that reads gets the close as usual. Completion and failure pass through.
 */
final class ReadGate<T> extends GraphStage<FlowShape<T, T>> {
  private final Inlet<T> in = Inlet.create("ReadGate.in");
  private final Outlet<T> out = Outlet.create("ReadGate.out");
  private final FlowShape<T, T> shape = FlowShape.of(in, out);
  private final SocketLink link;

  ReadGate(SocketLink link) {
    this.link = link;
  }

  @Override
  public FlowShape<T, T> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes inheritedAttributes) {
    return new GraphStageLogic(shape) {
      {
        setHandler(in, new AbstractInHandler() {
          @Override
          public void onPush() {
            push(out, grab(in));
          }
        });
        setHandler(out, new AbstractOutHandler() {
          @Override
          public void onPull() {
            if (!link.closing()) pull(in);
          }
        });
      }
    };
  }
}
