package dev.polyglot.scheduler.pool;

import dev.polyglot.scheduler.api.ClusterMessage;
import dev.polyglot.scheduler.api.SchedulerClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.pubsub.Topic;

/**
 * The cluster singleton that keeps the directed language pools from node changes (never raw heartbeats) and
 * publishes them as versioned deltas through a Pekko Topic, coalesced to at most one publication per
 * {@code pools.publish-interval}. Applying a change costs O(log n); a publication carries only what changed.
 *
 * <p>Lost when it stops or moves: the whole view. A new incarnation starts a higher epoch, so dispatchers
 * drop their old view, and the NodeEntities re-announce themselves.
 */
public final class PoolDirectory extends AbstractBehavior<PoolDirectory.Command> {

  public sealed interface Command extends ClusterMessage {}

  public record NodeChanged(NodeView view) implements Command {}

  /** The node's record was forgotten: it leaves the view for good. */
  public record NodeForgotten(String nodeId) implements Command {}

  /** A dispatcher that saw a gap or a new epoch asks for everything. */
  public record GetFull(ActorRef<PoolUpdate> replyTo) implements Command {}

  private enum PublishTick implements Command { INSTANCE }

  public static Behavior<Command> create(ActorRef<Topic.Command<PoolUpdate>> topic, Duration publishInterval,
                                         SchedulerClock clock) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(t -> new PoolDirectory(ctx, t, topic, publishInterval, clock)));
  }

  private final TimerScheduler<Command> timers;
  private final ActorRef<Topic.Command<PoolUpdate>> topic;
  private final Duration publishInterval;
  private final Map<String, NodeView> pending = new LinkedHashMap<>();
  private final java.util.Set<String> forgotten = new java.util.LinkedHashSet<>();
  private PoolView view;

  private PoolDirectory(ActorContext<Command> ctx, TimerScheduler<Command> timers,
                        ActorRef<Topic.Command<PoolUpdate>> topic, Duration publishInterval, SchedulerClock clock) {
    super(ctx);
    this.timers = timers;
    this.topic = topic;
    this.publishInterval = publishInterval;
    this.view = PoolView.empty(clock.wallMillis());
    ctx.getLog().info("pool directory started with epoch {}", view.epoch());
    topic.tell(Topic.publish(new PoolUpdate(view.epoch(), 0, java.util.List.of(), true)));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(NodeChanged.class, this::onNodeChanged)
        .onMessage(GetFull.class, this::onGetFull)
        .onMessage(NodeForgotten.class, m -> {
          pending.remove(m.nodeId());
          forgotten.add(m.nodeId());
          schedulePublish();
          return this;
        })
        .onMessageEquals(PublishTick.INSTANCE, this::onPublish)
        .build();
  }

  private Behavior<Command> onNodeChanged(NodeChanged m) {
    NodeView v = m.view();
    NodeView queued = pending.get(v.nodeId());
    if (queued != null && queued.version() >= v.version()) return this;
    if (queued == null && view.node(v.nodeId()).map(o -> o.version() >= v.version()).orElse(false)) return this;
    pending.put(v.nodeId(), v);
    forgotten.remove(v.nodeId());
    schedulePublish();
    return this;
  }

  private void schedulePublish() {
    if (!timers.isTimerActive(PublishTick.INSTANCE)) {
      timers.startSingleTimer(PublishTick.INSTANCE, PublishTick.INSTANCE, publishInterval);
    }
  }

  private Behavior<Command> onPublish() {
    if (pending.isEmpty() && forgotten.isEmpty()) return this;
    ArrayList<NodeView> changed = new ArrayList<>(pending.values());
    ArrayList<String> removed = new ArrayList<>(forgotten);
    pending.clear();
    forgotten.clear();
    view = view.apply(changed, view.version() + 1).remove(removed, view.version() + 1);
    topic.tell(Topic.publish(new PoolUpdate(view.epoch(), view.version(), changed, false, removed)));
    return this;
  }

  private Behavior<Command> onGetFull(GetFull m) {
    m.replyTo().tell(new PoolUpdate(view.epoch(), view.version(), view.allNodes(), true));
    return this;
  }
}
