package dev.polyglot.scheduler.edge;

import dev.polyglot.scheduler.api.SchedulerClock;
import dev.polyglot.scheduler.config.FlowLimits;
import dev.polyglot.scheduler.config.SchedulerSettings;
import dev.polyglot.scheduler.ops.Metrics;
import dev.polyglot.scheduler.wire.Decoded;
import dev.polyglot.scheduler.wire.ErrorFrame;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongConsumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * What every socket actor does with its connection, whatever protocol it speaks: the handshake deadline, the idle
 * close, the rejection of bad frames (too big, over the instance's budget, binary, undecodable: an {@code error} frame
 * rate-limited per code, a log line with a stable phrase and a counter), the bounded outbound queue and its
 * {@code OUTBOUND_QUEUE_FULL} close, the close itself, and the inbound flow control towards the entities the socket
 * feeds ({@link InboundFlow}: marks, held acknowledgements and their retry timer). The socket actor keeps what is
 * specific to its protocol and hands the edge each valid message.
 *
 * <p>Owned by one socket actor and used only on its thread: it schedules the actor's own timer messages (named by
 * its {@link Side}) and logs and counts under the actor's name and its {@code socket} label. Lost when the actor
 * stops: nothing beyond the connection.
 *
 * @param <C> the socket actor's command type
 * @param <I> what a valid inbound frame decodes to
 * @param <O> what the socket writes
 */
public final class SocketEdge<C, I, O> {

  /**
   * What a socket tells its edge about itself: the words of its protocol ({@code name} is the metrics label,
   * {@code greeting} the first message the peer must send, {@code greetingMissingCode} the error when it does not,
   * {@code peer} who fails to read, {@code provisionalLimit} a note on a too-big message until the socket raises its
   * inbound limit, or null), its private timer messages, and its codec.
   */
  public record Side<C, I, O>(String name, String greeting, String greetingMissingCode, String peer,
                              String provisionalLimit, C handshakeDeadline, C idleCheck, C markRetry,
                              Function<String, Decoded<I>> decode, Function<O, String> encode,
                              Function<ErrorFrame, O> error) {}

  /** What the edge needs from its socket actor. */
  public interface Owner {
    /** Asks entity {@code mark.key()} to confirm every message up to {@code mark.seq()}. */
    void mark(InboundFlow.Mark mark);

    /** Whether the socket keeps messages its entities have not confirmed yet (the retry timer runs while it does). */
    boolean keeping();

    /** The connection closes because the peer does not read: the entities it fed must hear now. */
    void lost();

    /** Who the socket serves, for log lines. */
    Object who();
  }

  private final ActorContext<C> ctx;
  private final TimerScheduler<C> timers;
  private final Side<C, I, O> side;
  private final Owner owner;
  private final SocketLink link;
  private final SchedulerSettings.WebSocket ws;
  private final Duration markRetry;
  private final SchedulerClock clock;
  private final Metrics metrics;
  private final ErrorReplies errors;
  private final Inbound inbound;
  private final InboundFlow flow;
  private boolean closing;
  private boolean greeted;
  private boolean limitRaised;
  /** The entity the frame being handled was forwarded to, if any, and who keeps it until it is confirmed. */
  private String forwardedTo;
  private LongConsumer keeper;

  /** Starts the handshake deadline and the idle check. */
  public SocketEdge(ActorContext<C> ctx, TimerScheduler<C> timers, Side<C, I, O> side, Owner owner, SocketLink link,
                    SchedulerSettings settings, FlowLimits flowLimits, SchedulerClock clock) {
    this.ctx = ctx;
    this.timers = timers;
    this.side = side;
    this.owner = owner;
    this.link = link;
    this.ws = settings.websocket();
    this.markRetry = settings.flow().markRetry();
    this.clock = clock;
    this.metrics = Metrics.get(ctx.getSystem());
    this.errors = new ErrorReplies(ws.errorReplyInterval().toMillis());
    this.inbound = new Inbound(ws.idleTimeout().toMillis(), clock.monoMillis());
    this.flow = new InboundFlow(flowLimits);
    timers.startSingleTimer(side.handshakeDeadline(), side.handshakeDeadline(), ws.handshakeTimeout());
    timers.startSingleTimer(side.idleCheck(), side.idleCheck(), ws.idleTimeout());
  }

  // ---------------------------------------------------------------- inbound

  /**
   * Handles one frame: the peer was seen; unless the socket closes, a valid message goes to {@code handler}, bad input
   * is rejected. What the handler {@link #forwarded} is counted in that entity's window, and the frame is acknowledged
   * now, or held while the window is full.
   */
  public void frame(SocketIn in, ActorRef<SocketAck> ack, Consumer<I> handler) {
    forwardedTo = null;
    keeper = null;
    inbound.seen(clock.monoMillis());
    if (!closing) {
      I message = validated(in);
      if (message != null) handler.accept(message);
    }
    String to = forwardedTo;
    if (to != null) {
      InboundFlow.Mark mark = flow.forwarded(to, in instanceof SocketIn.Text t ? t.text().length() : 0);
      if (keeper != null) {
        keeper.accept(flow.lastSent(to));
        if (mark == null) mark = new InboundFlow.Mark(to, flow.lastSent(to));
        keepRetrying();
      }
      if (mark != null) owner.mark(mark);
    }
    if (flow.handled(ack, to)) {
      metrics.inc("inbound_window_full_total", "socket", side.name());
      timers.startTimerWithFixedDelay(side.markRetry(), side.markRetry(), markRetry);
    }
  }

  /** The message of the frame being handled went to entity {@code key}: it counts in that entity's window. */
  public void forwarded(String key) {
    forwardedTo = key;
  }

  /**
   * Like {@link #forwarded}, for a message the socket keeps until it is confirmed: {@code keeper} learns its window
   * number before the frame is acknowledged, and it is marked at once.
   */
  public void forwardedToConfirm(String key, LongConsumer keeper) {
    forwardedTo = key;
    this.keeper = keeper;
  }

  /** The message in {@code in}, or null when it was bad (then answered, logged, counted, or the socket closes). */
  private I validated(SocketIn in) {
    if (in instanceof SocketIn.TooBig t) {
      String detail = "message larger than " + t.limitBytes() + " bytes"
          + (side.provisionalLimit() != null && !limitRaised ? " " + side.provisionalLimit() : "");
      ctx.getLog().debug("message too big on {} socket: {}", side.name(), detail);
      metrics.inc("invalid_message_total", "socket", side.name(), "code", "MESSAGE_TOO_BIG");
      close("MESSAGE_TOO_BIG", detail);
      return null;
    }
    if (in instanceof SocketIn.OverBudget b) {
      ctx.getLog().info("inbound budget exhausted: a message on {} socket {} refused (unfinished messages of all"
          + " connections may hold {} bytes)", side.name(), owner.who(), b.budgetBytes());
      metrics.inc("inbound_budget_refused_total", "socket", side.name());
      metrics.inc("invalid_message_total", "socket", side.name(), "code", "MESSAGE_TOO_BIG");
      close("MESSAGE_TOO_BIG", "message refused: the scheduler is receiving too much at once, try again later");
      return null;
    }
    if (in instanceof SocketIn.Binary) {
      reject("INVALID_MESSAGE", "binary frames are not supported", "binary frame");
      return null;
    }
    Decoded<I> d = side.decode().apply(((SocketIn.Text) in).text());
    if (d instanceof Decoded.Failed<I> failed) {
      reject(failed.code(), failed.detail(), "invalid message");
      return null;
    }
    Decoded.Ok<I> ok = (Decoded.Ok<I>) d;
    if (!ok.ignoredFields().isEmpty()) {
      ctx.getLog().debug("input field ignored on {} socket: {}", side.name(), ok.ignoredFields());
      metrics.inc("input_field_ignored_total", "socket", side.name());
    }
    return ok.message();
  }

  /** Replies to bad input: logged with a stable phrase, counted, and answered at most once per interval per code. */
  public void reject(String code, String message, String phrase) {
    ctx.getLog().debug("{} on {} socket: {} {}", phrase, side.name(), code, message);
    metrics.inc("invalid_message_total", "socket", side.name(), "code", code);
    if (errors.allow(code, clock.monoMillis())) {
      send(side.error().apply(ErrorFrame.of(code, message)));
    } else {
      metrics.inc("error_reply_suppressed_total", "socket", side.name(), "code", code);
    }
  }

  /** The peer sent its greeting: the handshake deadline no longer applies. */
  public void greeted() {
    greeted = true;
    timers.cancel(side.handshakeDeadline());
  }

  /** The connection now accepts messages up to {@code bytes} (a node after its registration). */
  public void raiseInboundLimit(long bytes) {
    limitRaised = true;
    link.inboundLimit(bytes);
  }

  // ---------------------------------------------------------------- deadlines

  /** The handshake deadline: a peer that has not sent its greeting is told what was expected, and closed. */
  public void handshakeDeadline() {
    if (greeted || closing) return;
    metrics.inc("handshake_timeouts_total", "socket", side.name());
    ctx.getLog().info("handshake deadline passed on {} socket: no {} within {}", side.name(), side.greeting(),
        ws.handshakeTimeout());
    close(side.greetingMissingCode(), side.greeting() + " expected within " + ws.handshakeTimeout().toSeconds()
        + " s of connecting; closing");
  }

  /**
   * The idle check: a peer silent for the idle timeout is closed; else the check comes again when it could be.
   * {@code peerWaits}: the peer waits for an answer of ours, and its silence counts as activity.
   */
  public void idleCheck(boolean peerWaits) {
    if (closing) return;
    if (peerWaits) inbound.seen(clock.monoMillis());
    long left = inbound.leftMillis(clock.monoMillis());
    if (left > 0) {
      timers.startSingleTimer(side.idleCheck(), side.idleCheck(), Duration.ofMillis(left));
      return;
    }
    metrics.inc("idle_closes_total", "socket", side.name());
    ctx.getLog().info("idle {} socket closed: no message for {}", side.name(), ws.idleTimeout());
    close(Inbound.IDLE_TIMEOUT, "no message for " + ws.idleTimeout().toSeconds() + " s; closing");
  }

  // ---------------------------------------------------------------- outbound

  /** Writes one message; a peer whose queue is full is told so and closed, and its entities hear at once. */
  public void send(O message) {
    if (closing) return;
    if (!link.offer(side.encode().apply(message))) outboundFull();
  }

  private void outboundFull() {
    metrics.inc("outbound_queue_full_total", "socket", side.name());
    ctx.getLog().warn("outbound queue full on {} socket {}: {} frames / {} bytes queued (bounds {} / {}); closing",
        side.name(), owner.who(), link.queuedFrames(), link.queuedBytes(), link.maxFrames(), link.maxBytes());
    close("OUTBOUND_QUEUE_FULL", "the " + side.peer() + " does not read its messages; closing the connection");
    owner.lost();
  }

  /**
   * Closes after what is queued, with a last {@code error} frame naming the reason ({@code code} null: no frame, as
   * when the instance stops); what arrives afterwards is ignored.
   */
  public void close(String code, String message) {
    if (closing) return;
    closing = true;
    link.closeWith(code == null ? null : side.encode().apply(side.error().apply(ErrorFrame.of(code, message))));
  }

  public boolean closing() {
    return closing;
  }

  // ---------------------------------------------------------------- flow control

  /** Entity {@code key} took every message up to {@code seq}: a held acknowledgement may go. */
  public void taken(String key, long seq) {
    if (flow.taken(key, seq) && !owner.keeping()) stopRetrying();
  }

  /** Entity {@code key} is gone for this socket: nothing more is owed to it. */
  public void forget(String key) {
    if (flow.forget(key)) stopRetrying();
  }

  /** While an acknowledgement is held, the mark to send again (counted as a retry); else null. */
  public InboundFlow.Mark remark() {
    return flow.remark();
  }

  /** Counts one retry of a mark. */
  public void retried() {
    metrics.inc("inbound_mark_retries_total", "socket", side.name());
  }

  /** The number of the latest message forwarded to entity {@code key} (0 before any). */
  public long lastSent(String key) {
    return flow.lastSent(key);
  }

  /** Runs the retry timer, unless it runs already. */
  public void keepRetrying() {
    if (!timers.isTimerActive(side.markRetry())) {
      timers.startTimerWithFixedDelay(side.markRetry(), side.markRetry(), markRetry);
    }
  }

  public void stopRetrying() {
    timers.cancel(side.markRetry());
  }
}
