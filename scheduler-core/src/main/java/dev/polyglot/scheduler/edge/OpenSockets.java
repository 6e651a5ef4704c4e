package dev.polyglot.scheduler.edge;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The WebSocket actors of this instance, so that a stopping instance closes its connections instead of dropping
 * them (issue 9). It owns only the set of live socket actors and decides nothing. On {@link CloseAll} it tells
 * every open socket, and every socket opened afterwards, to close, and answers once all of them have stopped,
 * that is, once their connection has ended.
 *
 * <p>Local to one instance, never sent across the cluster. Lost when it stops: nothing (it stops with the actor
 * system, after coordinated shutdown has closed the sockets).
 */
public final class OpenSockets extends AbstractBehavior<OpenSockets.Command> {

  public sealed interface Command {}

  /** A socket actor that started, and the message that makes it close because this instance stops. */
  public record Opened<T>(ActorRef<T> socket, T close) implements Command {}

  /** Close every socket, now and from now on; answer when every one of them has stopped. */
  public record CloseAll(ActorRef<AllClosed> replyTo) implements Command {}

  /** No socket is left; {@code closed} of them stopped after the {@link CloseAll}. */
  public record AllClosed(int closed) {}

  private record Stopped(ActorRef<?> socket) implements Command {}

  public static Behavior<Command> create() {
    return Behaviors.setup(OpenSockets::new);
  }

  private final Map<ActorRef<?>, Opened<?>> open = new HashMap<>();
  private final List<ActorRef<AllClosed>> waiting = new ArrayList<>();
  private boolean closing;
  private int closed;

  private OpenSockets(ActorContext<Command> ctx) {
    super(ctx);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Opened.class, this::onOpened)
        .onMessage(CloseAll.class, this::onCloseAll)
        .onMessage(Stopped.class, this::onStopped)
        .build();
  }

  private Behavior<Command> onOpened(Opened<?> m) {
    open.put(m.socket(), m);
    getContext().watchWith(m.socket(), new Stopped(m.socket()));
    if (closing) close(m);
    return this;
  }

  private Behavior<Command> onCloseAll(CloseAll m) {
    if (!closing) {
      closing = true;
      getContext().getLog().info("closing {} websockets: instance stopping", open.size());
      open.values().forEach(OpenSockets::close);
    }
    waiting.add(m.replyTo());
    return answerIfAllClosed();
  }

  private Behavior<Command> onStopped(Stopped m) {
    if (open.remove(m.socket()) != null && closing) closed++;
    return answerIfAllClosed();
  }

  private Behavior<Command> answerIfAllClosed() {
    if (closing && open.isEmpty() && !waiting.isEmpty()) {
      getContext().getLog().info("all websockets closed: {} closed for the instance stop", closed);
      waiting.forEach(r -> r.tell(new AllClosed(closed)));
      waiting.clear();
    }
    return this;
  }

  private static <T> void close(Opened<T> m) {
    m.socket().tell(m.close());
  }
}
