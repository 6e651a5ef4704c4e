package dev.polyglot.scheduler.ops;

import dev.polyglot.scheduler.api.NodeSummary;
import dev.polyglot.scheduler.api.ClusterMessage;

import dev.polyglot.scheduler.api.SchedulerClock;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The in-memory snapshot behind {@code /api/v1/cluster}, one per instance. The node entities of this instance
 * push their summary here at most once per snapshot interval (nothing is asked of them: a heartbeat storm must
 * not turn into a storm of asks); so do its room entities, with their member counts, after each change. Every
 * interval it counts the session entities this instance hosts, reads its
 * dispatcher's queue, and publishes the result to every instance through a Topic; it keeps the newest report
 * of each member. Whenever its view changes it publishes an immutable {@link Snapshot} to the holder given at
 * creation: HTTP requests read that holder and never ask this actor (a flood of requests costs it nothing).
 *
 * <p>Lost when it stops: only the snapshot; the next round rebuilds it.
 */
public final class InstanceReports extends AbstractBehavior<InstanceReports.Command> {

  public sealed interface Command extends ClusterMessage {}

  /** What one instance says about itself and the nodes it hosts. */
  public record Report(String address, String instanceId, String hostname, long pid, String version, long startedAtMs,
                       int nodesOwned, int sessionsOwned, int pending, List<NodeSummary> nodes,
                       long reportedAtMs, int roomsOwned, int roomMembers) implements Command {}

  public record Get(ActorRef<Snapshot> replyTo) implements Command {}

  /** The newest report of every member that is still in the cluster, and which of them are Up. */
  public record Snapshot(List<Report> reports, Set<String> upAddresses) implements ClusterMessage {
    /** What is published before the first round: no instance, no node (PROTOCOL.md §10: the empty skeleton). */
    public static final Snapshot EMPTY = new Snapshot(List.of(), Set.of());
  }

  private enum Tick implements Command { INSTANCE }

  private record RegionState(ShardRegion.CurrentShardRegionState state) implements Command {}

  /** A node entity of this instance reporting itself (rate-limited by the entity). */
  public record NodeRow(NodeSummary summary, long atMono) implements Command {}

  /** A node entity stopped here (forgotten, or moved away). */
  public record NodeGone(String nodeId) implements Command {}

  /** A room entity of this instance after a change: its room has {@code members} members; -1 = no room any more. */
  public record RoomRow(String code, int members) implements Command {}

  private record Queued(Integer queued, Throwable failure) implements Command {}

  /**
   * What a round reads from the rest of its instance, wired by the bootstrap (this package imports no actor): the
   * session entities' type, whose shards here are counted, and the dispatcher's queue length, asked with a timeout.
   */
  public interface Sources {
    EntityTypeKey<?> sessionType();

    CompletionStage<Integer> queued(Duration timeout);
  }

  private enum RoundOver implements Command { INSTANCE }

  public record Identity(String instanceId, String hostname, long pid, String version, long startedAtMs) {}

  public static Behavior<Command> create(Identity identity, Duration interval, Sources sources,
                                         ActorRef<Topic.Command<Report>> topic, SchedulerClock clock,
                                         AtomicReference<Snapshot> published) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(t ->
        new InstanceReports(ctx, t, identity, interval, sources, topic, clock, published)));
  }


  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(1);

  private final TimerScheduler<Command> timers;
  private final Identity identity;
  private final java.util.function.LongSupplier monoClock;
  private final long intervalMs;
  private final Sources sources;
  private final ActorRef<Topic.Command<Report>> topic;
  private final java.util.function.LongSupplier wallClock;
  private final String self;
  private final Map<String, Report> reports = new HashMap<>();
  private final ActorRef<ShardRegion.CurrentShardRegionState> sessionRegion;
  // the round being collected
  private int nodesOwned;
  private int sessionsOwned;
  private int pending;
  private final Map<String, NodeRow> rows = new HashMap<>();
  /** The rooms hosted here and their member counts, as their entities last said. */
  private final Map<String, Integer> rooms = new HashMap<>();
  private boolean collecting;
  private final AtomicReference<Snapshot> published;

  private InstanceReports(ActorContext<Command> ctx, TimerScheduler<Command> timers, Identity identity, Duration interval,
                          Sources sources, ActorRef<Topic.Command<Report>> topic,
                          SchedulerClock clock, AtomicReference<Snapshot> published) {
    super(ctx);
    this.published = published;
    this.timers = timers;
    this.identity = identity;
    this.sources = sources;
    this.topic = topic;
    this.wallClock = clock::wallMillis;
    this.monoClock = clock::monoMillis;
    this.intervalMs = interval.toMillis();
    this.self = Cluster.get(ctx.getSystem()).selfMember().address().toString();
    this.sessionRegion = ctx.spawnAnonymous(Behaviors.<ShardRegion.CurrentShardRegionState>receiveMessage(s -> {
      ctx.getSelf().tell(new RegionState(s));
      return Behaviors.same();
    }));
    topic.tell(Topic.subscribe(ctx.getSelf().narrow()));
    timers.startTimerWithFixedDelay(Tick.INSTANCE, Tick.INSTANCE, Duration.ofMillis(200), interval);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessageEquals(Tick.INSTANCE, this::startRound)
        .onMessage(RegionState.class, this::onRegionState)
        .onMessage(NodeRow.class, r -> {
          rows.put(r.summary().nodeId(), r);
          return this;
        })
        .onMessage(NodeGone.class, g -> {
          rows.remove(g.nodeId());
          return this;
        })
        .onMessage(RoomRow.class, r -> {
          if (r.members() < 0) rooms.remove(r.code()); else rooms.put(r.code(), r.members());
          return this;
        })
        .onMessage(Queued.class, m -> {
          if (m.queued() != null) pending = m.queued();
          return this;
        })
        .onMessageEquals(RoundOver.INSTANCE, this::publish)
        .onMessage(Report.class, r -> {
          reports.put(r.address(), r);
          published.set(snapshot());
          return this;
        })
        .onMessage(Get.class, this::onGet)
        .build();
  }

  private Behavior<Command> startRound() {
    if (collecting) return this;
    collecting = true;
    ClusterSharding sharding = ClusterSharding.get(getContext().getSystem());
    sharding.shardState().tell(new GetShardRegionState(sources.sessionType(), sessionRegion));
    getContext().pipeToSelf(sources.queued(ASK_TIMEOUT), Queued::new);
    timers.startSingleTimer(RoundOver.INSTANCE, RoundOver.INSTANCE, ASK_TIMEOUT.plusMillis(500));
    return this;
  }

  private Behavior<Command> onRegionState(RegionState m) {
    int count = 0;
    for (ShardRegion.ShardState shard : m.state().getShards()) count += shard.getEntityIds().size();
    sessionsOwned = count;
    return this;
  }

  private Behavior<Command> publish() {
    collecting = false;
    published.set(snapshot()); // membership changes show within one interval even without a report
    // a row not refreshed for three intervals belongs to an entity that moved away or stopped
    long now = monoClock.getAsLong();
    rows.values().removeIf(r -> now - r.atMono() > 3 * intervalMs + 1_000);
    List<NodeSummary> summaries = new ArrayList<>(rows.size());
    for (NodeRow r : rows.values()) summaries.add(r.summary());
    nodesOwned = summaries.size();
    topic.tell(Topic.publish(new Report(self, identity.instanceId(), identity.hostname(), identity.pid(),
        identity.version(), identity.startedAtMs(), nodesOwned, sessionsOwned, pending, summaries,
        wallClock.getAsLong(), rooms.size(), rooms.values().stream().mapToInt(Integer::intValue).sum())));
    return this;
  }

  private Behavior<Command> onGet(Get m) {
    m.replyTo().tell(snapshot());
    return this;
  }

  /** The newest report of every current member, and which members are Up. */
  private Snapshot snapshot() {
    Set<String> members = new java.util.HashSet<>();
    Set<String> up = new java.util.HashSet<>();
    for (org.apache.pekko.cluster.Member member : Cluster.get(getContext().getSystem()).state().getMembers()) {
      members.add(member.address().toString());
      if (member.status() == MemberStatus.up()) up.add(member.address().toString());
    }
    reports.keySet().retainAll(members);
    return new Snapshot(List.copyOf(reports.values()), Set.copyOf(up));
  }
}
