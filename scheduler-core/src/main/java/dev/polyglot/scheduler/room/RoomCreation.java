package dev.polyglot.scheduler.room;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.polyglot.scheduler.ops.Metrics;
import java.time.Duration;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * One {@code room_create}, from the first claim to its outcome (spec/BEHAVIOUR.md §12): a short-lived actor, spawned
 * by the creating session (a child, local to it), that draws a code ({@link RoomCodes}), asks that code's
 * {@link RoomEntity} to {@link RoomEntity.Create claim} it, draws again while codes are taken, and tells
 * {@code replyTo} exactly one {@link Outcome}; then it stops.
 *
 * <p>Every claim is an ask with {@code rooms.ask-timeout}. A claim that timed out may still land later: the creator
 * is then taken out of that room again ({@link RoomEntity.MemberEnded} with {@code CREATE_ABANDONED}, which deletes
 * the room it would be alone in), and the next code is drawn. After {@link #MAX_TIMEOUTS} timed-out claims, or
 * {@link #MAX_CLAIMS} claims in all, the outcome is {@link Failed}. So the whole creation takes at most
 * {@code MAX_TIMEOUTS × ask-timeout} plus the round trips of the collisions.
 *
 * <p>Lost when it stops early (its parent stopped): the outcome; a room it claimed has the creator as its only member
 * until the creator's session ends and leaves it, or the room expires.
 */
public final class RoomCreation extends AbstractBehavior<RoomCreation.Command> {

  /** Claims in all: the digit codes of §12, then a few codes cut from UUIDs. */
  public static final int MAX_CLAIMS = RoomCodes.DIGIT_CLAIMS + 3;
  /** Claims without an answer before the creation fails. */
  public static final int MAX_TIMEOUTS = 2;

  /** What the creating session hears, once. */
  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "@type")
  @JsonSubTypes({
      @JsonSubTypes.Type(value = Outcome.Created.class, name = "created"),
      @JsonSubTypes.Type(value = Outcome.Failed.class, name = "failed")})
  public sealed interface Outcome extends RoomMessage {
    /** The room exists with the creator as its only member: send {@code room_create_ack}, then {@code room_members}. */
    record Created(String roomCode, String roomId, RoomEvent.Members members) implements Outcome {}

    /** No room was created: tell the client {@code error INTERNAL_ERROR} ({@code reason} is for the log). */
    record Failed(String reason) implements Outcome {}
  }

  /** Only its own answers reach this actor. */
  public sealed interface Command {}

  private record Answer(String code, RoomEntity.Reply reply, Throwable failure) implements Command {}

  private final Room.Candidate creator;
  private final Function<String, ? extends RecipientRef<RoomEntity.Command>> rooms;
  private final Duration askTimeout;
  private final RandomGenerator random;
  private final ActorRef<Outcome> replyTo;
  private final String roomId;
  private final Metrics metrics;
  private int claims;
  private int timeouts;

  /**
   * @param rooms     the room entity of a code, through sharding ({@code Entities.room})
   * @param random    the source of codes and of the room id
   */
  public static Behavior<Command> create(Room.Candidate creator,
                                         Function<String, ? extends RecipientRef<RoomEntity.Command>> rooms,
                                         Duration askTimeout, RandomGenerator random, ActorRef<Outcome> replyTo) {
    return Behaviors.setup(ctx -> new RoomCreation(ctx, creator, rooms, askTimeout, random, replyTo));
  }

  private RoomCreation(ActorContext<Command> ctx, Room.Candidate creator,
                       Function<String, ? extends RecipientRef<RoomEntity.Command>> rooms, Duration askTimeout,
                       RandomGenerator random, ActorRef<Outcome> replyTo) {
    super(ctx);
    this.creator = creator;
    this.rooms = rooms;
    this.askTimeout = askTimeout;
    this.random = random;
    this.replyTo = replyTo;
    this.roomId = RoomCodes.uuid(random);
    this.metrics = Metrics.get(ctx.getSystem());
    claim();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder().onMessage(Answer.class, this::onAnswer).build();
  }

  private void claim() {
    String code = RoomCodes.code(claims++, random);
    getContext().ask(RoomEntity.Reply.class, rooms.apply(code), askTimeout,
        r -> new RoomEntity.Create(roomId, creator, r), (reply, ex) -> new Answer(code, reply, ex));
  }

  private Behavior<Command> onAnswer(Answer a) {
    if (a.failure() != null) {
      timeouts++;
      getContext().getLog().info("room code {} did not answer the claim of {} within {} ms; abandoning it", a.code(),
          creator.sessionId(), askTimeout.toMillis());
      rooms.apply(a.code()).tell(new RoomEntity.MemberEnded(creator.sessionId(), RoomEntity.EndReason.CREATE_ABANDONED));
      if (timeouts >= MAX_TIMEOUTS) return fail("timeout", "no answer from the room entities");
      return next();
    }
    if (a.reply() instanceof RoomEntity.Reply.Created c) {
      replyTo.tell(new Outcome.Created(c.roomCode(), c.roomId(), c.members()));
      return Behaviors.stopped();
    }
    if (a.reply() instanceof RoomEntity.Reply.CodeTaken) {
      getContext().getLog().debug("room code {} is taken; drawing another", a.code());
      return next();
    }
    return fail("unexpected", "unexpected reply to a claim: " + a.reply());
  }

  private Behavior<Command> next() {
    if (claims >= MAX_CLAIMS) return fail("no_free_code", "no free room code after " + claims + " claims");
    claim();
    return this;
  }

  private Behavior<Command> fail(String label, String reason) {
    metrics.inc("room_create_failed_total", "reason", label);
    getContext().getLog().warn("room creation for {} failed: {}", creator.sessionId(), reason);
    replyTo.tell(new Outcome.Failed(reason));
    return Behaviors.stopped();
  }
}
