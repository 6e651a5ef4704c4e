package dev.polyglot.scheduler.room;

import dev.polyglot.scheduler.ops.Metrics;
import dev.polyglot.scheduler.room.RoomEntity.Command;
import dev.polyglot.scheduler.room.RoomEntity.Deps;
import dev.polyglot.scheduler.room.RoomEntity.LoadTimedOut;
import dev.polyglot.scheduler.room.RoomEntity.Loaded;
import dev.polyglot.scheduler.room.RoomEntity.Reload;
import dev.polyglot.scheduler.store.Ledger;
import java.time.Duration;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * The first behaviour of a {@link RoomEntity}: reads the room from the ledger while the messages for it wait in a
 * bounded stash. A read that fails or does not answer within {@link RoomEntity#LOAD_TIMEOUT} is tried again with a
 * growing delay; after {@link RoomEntity#LOAD_GIVE_UP} the entity starts without a room (counted and logged), so a
 * ledger outage never holds a code forever.
 */
final class RoomLoading extends AbstractBehavior<Command> {
  private final TimerScheduler<Command> timers;
  private final StashBuffer<Command> stash;
  private final String code;
  private final Deps deps;
  private final ActorRef<ClusterSharding.ShardCommand> shard;
  private final Metrics metrics;
  private final long startedAt;
  /** Numbers the reads; the answer of an earlier one (it timed out) is ignored. */
  private int attempt;
  private int failures;

  RoomLoading(ActorContext<Command> ctx, TimerScheduler<Command> timers, StashBuffer<Command> stash, String code,
              Deps deps, ActorRef<ClusterSharding.ShardCommand> shard) {
    super(ctx);
    this.timers = timers;
    this.stash = stash;
    this.code = code;
    this.deps = deps;
    this.shard = shard;
    this.metrics = Metrics.get(ctx.getSystem());
    this.startedAt = deps.clock().monoMillis();
    read();
  }

  private void read() {
    int a = ++attempt;
    timers.startSingleTimer(LoadTimedOut.class, new LoadTimedOut(a), RoomEntity.LOAD_TIMEOUT);
    getContext().pipeToSelf(deps.ledger().loadRoom(code),
        (r, ex) -> new Loaded(a, r == null ? Optional.empty() : r, ex));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Loaded.class, this::onLoaded)
        .onMessage(LoadTimedOut.class, t -> t.attempt() == attempt
            ? failed(new java.util.concurrent.TimeoutException("no answer within " + RoomEntity.LOAD_TIMEOUT.toMillis() + " ms"))
            : this)
        .onMessageEquals(Reload.INSTANCE, () -> {
          read();
          return this;
        })
        .onAnyMessage(this::onOther)
        .build();
  }

  private Behavior<Command> onLoaded(Loaded l) {
    if (l.attempt() != attempt) return this; // a read that answered after it timed out
    timers.cancel(LoadTimedOut.class);
    if (l.failure() != null) return failed(l.failure());
    return start(l.record().orElse(null));
  }

  private Behavior<Command> failed(Throwable failure) {
    attempt++; // whatever the failed read still answers is ignored
    metrics.inc("ledger_write_failed_total", "op", "load_room");
    if (deps.clock().monoMillis() - startedAt >= RoomEntity.LOAD_GIVE_UP.toMillis()) {
      metrics.inc("room_load_failed_total");
      getContext().getLog().warn("room {} could not read the ledger for {} ms ({}); going on without a room", code,
          RoomEntity.LOAD_GIVE_UP.toMillis(), failure.toString());
      return start(null);
    }
    long delay = Math.min(RoomEntity.LOAD_RETRY_MAX.toMillis(), RoomEntity.LOAD_RETRY.toMillis() << Math.min(10, failures++));
    metrics.inc("room_load_retries_total");
    getContext().getLog().info("room {} could not read the ledger ({}); trying again in {} ms", code,
        failure.toString(), delay);
    timers.startSingleTimer(Reload.INSTANCE, Reload.INSTANCE, Duration.ofMillis(delay));
    return this;
  }

  private Behavior<Command> start(Ledger.RoomRecord record) {
    return stash.unstashAll(new RoomEntity(getContext(), timers, code, deps, shard, record));
  }

  private Behavior<Command> onOther(Command m) {
    if (stash.isFull()) {
      metrics.inc("room_stash_overflow_total");
      getContext().getLog().warn("room {} dropped a message while loading: stash full", code);
    } else {
      stash.stash(m);
    }
    return this;
  }
}
