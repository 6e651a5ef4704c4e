package dev.polyglot.scheduler.bootstrap;

import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

import dev.polyglot.scheduler.ops.InstanceReports;
import dev.polyglot.scheduler.ops.OpsReports;

import dev.polyglot.scheduler.api.SchedulerClock;
import dev.polyglot.scheduler.config.SchedulerSettings;
import dev.polyglot.scheduler.dispatch.Dispatcher;
import dev.polyglot.scheduler.node.NodeEntity;
import dev.polyglot.scheduler.pool.PoolDirectory;
import dev.polyglot.scheduler.pool.PoolStats;
import dev.polyglot.scheduler.pool.PoolUpdate;
import dev.polyglot.scheduler.wire.WireCodec;
import dev.polyglot.scheduler.room.RoomEntity;
import dev.polyglot.scheduler.room.RoomSettings;
import dev.polyglot.scheduler.session.SessionEntity;
import dev.polyglot.scheduler.store.InMemoryLedger;
import dev.polyglot.scheduler.store.Ledger;
import dev.polyglot.scheduler.store.RedisLedger;
import java.util.SplittableRandom;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.cluster.typed.SingletonActor;

/**
 * Starts the scheduler's actors on one instance: the node, session and room shard regions, the PoolDirectory
 * singleton (its proxy here), the pool topic and this instance's Dispatcher. Joins itself when no seed
 * nodes are configured, so one instance is a one-member cluster.
 */
public final class SchedulerRuntime {
  private final ActorSystem<?> system;
  private final SchedulerSettings settings;
  private final SchedulerClock clock;
  private final WireCodec codec;
  private final Entities entities;
  private final ActorRef<Dispatcher.Command> dispatcher;
  private final ActorRef<PoolDirectory.Command> directory;
  private final Ledger ledger;
  private final InstanceReports.Identity identity;
  private final ActorRef<InstanceReports.Command> instanceReports;
  private final java.util.concurrent.atomic.AtomicReference<InstanceReports.Snapshot> clusterSnapshot =
      new java.util.concurrent.atomic.AtomicReference<>(InstanceReports.Snapshot.EMPTY);
  private final dev.polyglot.scheduler.edge.Admission admission;
  private final RoomSettings roomSettings;

  private SchedulerRuntime(ActorSystem<?> system, SchedulerSettings settings, SchedulerClock clock) {
    this.system = system;
    this.settings = settings;
    this.clock = clock;
    // utterance audio is capped by the utterance buffer (spec: reject above segmentation.max-buffer-bytes)
    this.codec = new WireCodec(dev.polyglot.scheduler.wire.InputLimits.DEFAULT
        .withMaxAudioBytes(settings.segmentation().maxBufferBytes()));
    this.ledger = ledgerFor(settings.store(), system);
    this.admission = new dev.polyglot.scheduler.edge.Admission(settings.admission(), clock::monoMillis);
    ClusterSharding sharding = ClusterSharding.get(system);
    this.entities = new Entities() {
      @Override public RecipientRef<NodeEntity.Command> node(String nodeId) {
        return sharding.entityRefFor(NodeEntity.TYPE_KEY, nodeId);
      }

      @Override public RecipientRef<SessionEntity.Command> session(String sessionId) {
        return sharding.entityRefFor(SessionEntity.TYPE_KEY, sessionId);
      }

      @Override public RecipientRef<RoomEntity.Command> room(String roomCode) {
        return sharding.entityRefFor(RoomEntity.TYPE_KEY, roomCode);
      }
    };
    ActorRef<Topic.Command<PoolUpdate>> topic =
        system.systemActorOf(Topic.create(PoolUpdate.class, "pool-updates"), "pool-updates-topic", Props.empty());
    this.directory = ClusterSingleton.get(system).init(SingletonActor.of(
        Behaviors.supervise(PoolDirectory.create(topic, settings.pools().publishInterval(), clock))
            .onFailure(SupervisorStrategy.restart()), "pool-directory"));
    this.dispatcher = system.systemActorOf(
        Behaviors.supervise(Dispatcher.create(new Dispatcher.Deps(settings.dispatch(), clock, entities, entities.fromDispatcher(), directory, topic,
            new SplittableRandom()))).onFailure(SupervisorStrategy.restart()),
        "dispatcher", Props.empty());
    this.identity = identity(settings.instanceId(), clock.wallMillis());
    java.time.Duration reportInterval = settings.snapshotInterval();
    ActorRef<Topic.Command<InstanceReports.Report>> reportTopic = system.systemActorOf(
        Topic.create(InstanceReports.Report.class, "instance-reports"), "instance-reports-topic", Props.empty());
    this.instanceReports = system.systemActorOf(InstanceReports.create(identity, reportInterval, reportSources(system, dispatcher),
        reportTopic, clock, clusterSnapshot), "instance-reports", Props.empty());
    NodeEntity.Deps nodeDeps = new NodeEntity.Deps(settings.nodes(), clock, directory, entities.fromNodes(), ledger, instanceReports,
        reportInterval);
    sharding.init(withRole(Entity.of(NodeEntity.TYPE_KEY, ctx -> NodeEntity.create(ctx.getEntityId(), nodeDeps, ctx.getShard()))
        .withStopMessage(NodeEntity.Stop.INSTANCE), settings.nodeEntityRole()));
    this.roomSettings = RoomSettings.fromConfig(system.settings().config().getConfig("scheduler.rooms"));
    SessionEntity.Deps sessionDeps = new SessionEntity.Deps(settings, clock, entities, dispatcher, ledger, entities,
        entities, roomSettings);
    Entity<SessionEntity.Command, org.apache.pekko.cluster.sharding.typed.ShardingEnvelope<SessionEntity.Command>> sessions =
        Entity.of(SessionEntity.TYPE_KEY, ctx -> SessionEntity.create(ctx.getEntityId(), sessionDeps, ctx.getShard()))
            .withStopMessage(SessionEntity.Stop.INSTANCE);
    if (!"memory".equals(ledger.kind())) {
      // with a durable ledger, a session whose instance died restarts on a survivor right after the rebalance
      // (not on the client's next message) and continues from the ledger
      sessions = sessions.withSettings(ClusterShardingSettings.create(system).withRememberEntities(true));
    }
    sharding.init(withRole(sessions, settings.sessionEntityRole()));
    RoomEntity.Deps roomDeps = new RoomEntity.Deps(roomSettings, clock, entities.fromRooms(), ledger, instanceReports);
    Entity<RoomEntity.Command, org.apache.pekko.cluster.sharding.typed.ShardingEnvelope<RoomEntity.Command>> rooms =
        Entity.of(RoomEntity.TYPE_KEY, ctx -> RoomEntity.create(ctx.getEntityId(), roomDeps, ctx.getShard()))
            .withStopMessage(RoomEntity.Stop.INSTANCE);
    if (!"memory".equals(ledger.kind())) {
      // a room whose instance died restarts on a survivor right after the rebalance and continues from the ledger,
      // so its expiry sweep goes on without waiting for a message
      rooms = rooms.withSettings(ClusterShardingSettings.create(system).withRememberEntities(true));
    }
    sharding.init(rooms);
  }

  private static InstanceReports.Sources reportSources(ActorSystem<?> system, ActorRef<Dispatcher.Command> dispatcher) {
    return new InstanceReports.Sources() {
      @Override public EntityTypeKey<?> sessionType() { return SessionEntity.TYPE_KEY; }

      @Override public CompletionStage<Integer> queued(java.time.Duration timeout) {
        return AskPattern.ask(dispatcher, Dispatcher.GetStatus::new, timeout, system.scheduler())
            .thenApply(Dispatcher.Status::queued);
      }
    };
  }

  private static <M> Entity<M, org.apache.pekko.cluster.sharding.typed.ShardingEnvelope<M>> withRole(
      Entity<M, org.apache.pekko.cluster.sharding.typed.ShardingEnvelope<M>> e, String role) {
    return role.isEmpty() ? e : e.withRole(role);
  }

  /** {@code scheduler.instance-id}; {@code auto} = hostname-pid-8 hex characters (PROTOCOL.md §3). */
  private static InstanceReports.Identity identity(String configured, long startedAtMs) {
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      host = "localhost";
    }
    long pid = ProcessHandle.current().pid();
    String id = "auto".equals(configured)
        ? host + "-" + pid + "-" + String.format("%08x", java.util.concurrent.ThreadLocalRandom.current().nextInt())
        : configured;
    String version = SchedulerRuntime.class.getPackage().getImplementationVersion();
    return new InstanceReports.Identity(id, host, pid, version == null ? "1.0.0" : version, startedAtMs);
  }

  private static Ledger ledgerFor(String store, ActorSystem<?> system) {
    Ledger ledger = switch (store) {
      case "memory" -> new InMemoryLedger();
      case "redis" -> RedisLedger.connect(RedisLedger.Settings.fromConfig(system.settings().config().getConfig("scheduler.redis")));
      default -> throw new IllegalArgumentException("scheduler.store must be memory or redis, not " + store);
    };
    system.getWhenTerminated().thenRun(ledger::close);
    return ledger;
  }

  public static SchedulerRuntime start(ActorSystem<?> system, SchedulerSettings settings, SchedulerClock clock) {
    Cluster cluster = Cluster.get(system);
    if (system.settings().config().getStringList("pekko.cluster.seed-nodes").isEmpty()) {
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
    }
    return new SchedulerRuntime(system, settings, clock);
  }

  public ActorSystem<?> system() { return system; }
  public SchedulerSettings settings() { return settings; }
  public SchedulerClock clock() { return clock; }
  public WireCodec codec() { return codec; }
  public Entities entities() { return entities; }
  public ActorRef<Dispatcher.Command> dispatcher() { return dispatcher; }
  public ActorRef<PoolDirectory.Command> directory() { return directory; }
  public Ledger ledger() { return ledger; }
  public InstanceReports.Identity identity() { return identity; }
  public ActorRef<InstanceReports.Command> instanceReports() { return instanceReports; }
  /** The newest {@code /api/v1/cluster} snapshot, published by {@link InstanceReports}; never waits. */
  public InstanceReports.Snapshot clusterSnapshot() { return clusterSnapshot.get(); }
  /** The {@code scheduler.rooms} settings (expiry, sweep, ask timeout). */
  public RoomSettings roomSettings() { return roomSettings; }
  /** This instance's admission control (connection caps, session cap, registration rates). */
  public dev.polyglot.scheduler.edge.Admission admission() { return admission; }

  /**
   * The pools as this instance's dispatcher sees them, for {@link OpsReports}: the dispatcher answers with its
   * immutable view and its queue, and the rows are computed here, off its thread.
   */
  public CompletionStage<OpsReports.Pools> pools(java.time.Duration timeout) {
    return AskPattern.ask(dispatcher, Dispatcher.GetPools::new, timeout, system.scheduler())
        .thenApply(p -> new OpsReports.Pools(PoolStats.of(p.view(), p.pending()), p.pending(), p.view().version()));
  }

  /** Members of the cluster that are Up (for {@code /ready}). */
  public int upMembers() {
    int n = 0;
    for (org.apache.pekko.cluster.Member m : Cluster.get(system).state().getMembers()) {
      if (m.status() == org.apache.pekko.cluster.MemberStatus.up()) n++;
    }
    return n;
  }
}
