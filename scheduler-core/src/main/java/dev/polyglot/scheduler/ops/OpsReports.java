package dev.polyglot.scheduler.ops;

import dev.polyglot.scheduler.api.ClusterMessage;
import dev.polyglot.scheduler.api.SchedulerClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The operators' snapshot of one instance, shared with every instance: the sessions opened through its sockets (with
 * their languages), its connections, whether it drains, its counters, the recent percentiles of its latency windows,
 * and the jobs waiting in its placement queue per pool. Every {@code stats.snapshot-interval} it reads these through
 * its {@link Sources} port (the dispatcher's pools come with a timeout), publishes its report on the {@code ops-reports} Topic, keeps the
 * newest report of every member, and sets an immutable {@link Snapshot} that HTTP requests and gauges read without
 * asking anything ({@code /api/v1/stats}, {@code /api/v1/metrics}, {@code /api/v1/pools}, {@code /api/v1/sessions},
 * the dashboard). It also answers {@link FindJob} from its instance's {@link JobIndex}, for the admin API.
 *
 * <p>Lost when it stops: only the snapshot; the next round rebuilds it.
 */
public final class OpsReports extends AbstractBehavior<OpsReports.Command> {

  public sealed interface Command extends ClusterMessage {}

  /** How often a language is used by live sessions (PROTOCOL.md §10.2). */
  public record LanguageUse(int asSource, int asTarget) implements ClusterMessage {}

  /** Recent values of one latency (ms): the instance's percentiles and up to {@link #SAMPLES} evenly spaced values. */
  public record Latency(long count, long p50, long p95, long p99, long max, List<Long> samples)
      implements ClusterMessage {}

  /** What one instance reports. {@code sessions} lists at most {@link #LISTED_SESSIONS} of {@code liveSessions}. */
  public record Report(String address, String instanceId, ActorRef<Command> ref, boolean draining,
                       int sessionConnections, int nodeConnections, int liveSessions, List<LiveSessions.Info> sessions,
                       Map<String, LanguageUse> languages, Map<String, Integer> pendingByPool,
                       Map<String, Long> counters, Map<String, Latency> latencies, long reportedAtMs)
      implements Command {}

  /** Which session owns a job, if a session entity of this instance created or recovered it. */
  public record FindJob(String jobId, ActorRef<JobFound> replyTo) implements Command {}

  /** {@code sessionId} null: not known here. */
  public record JobFound(String jobId, String sessionId) implements ClusterMessage {}

  /** This instance's facts that live at its edge: whether it drains, and its open sockets. */
  public record Local(boolean draining, int sessionConnections, int nodeConnections) {}

  /** Every member's newest report, and the pools as this instance's dispatcher sees them. */
  public record Snapshot(List<Report> reports, List<PoolRow> pools, long poolViewVersion, long atMs) {
    public static final Snapshot EMPTY = new Snapshot(List.of(), List.of(), 0, 0);
  }

  /** The pools as this instance's dispatcher sees them: one row per pool, the jobs waiting per pool, the view's version. */
  public record Pools(List<PoolRow> rows, Map<String, Integer> pending, long viewVersion) {}

  /**
   * What a round reads from the rest of its instance, wired by the one who starts it (this package imports no actor):
   * the dispatcher's pools, asked with a timeout, and the facts of the instance's edge.
   */
  public interface Sources {
    CompletionStage<Pools> pools(Duration timeout);

    Local local();
  }

  /** The latency windows reported, by the name of their histogram. */
  public static final List<String> WINDOWS = List.of(MetricCatalog.DISPATCH, MetricCatalog.PENDING_WAIT,
      MetricCatalog.JOB_LATENCY, MetricCatalog.END_TO_END);
  static final int LISTED_SESSIONS = 200;
  static final int SAMPLES = 256;
  /** The percentiles are over the values of this last stretch of time. */
  static final Duration WINDOW = Duration.ofMinutes(5);
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(1);

  private enum Tick implements Command { INSTANCE }

  private record PoolsAnswer(Pools pools, Throwable failure) implements Command {}

  public static Behavior<Command> create(String instanceId, Duration interval, Sources sources,
                                         ActorRef<Topic.Command<Report>> topic, SchedulerClock clock,
                                         AtomicReference<Snapshot> published) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(t ->
        new OpsReports(ctx, t, instanceId, interval, sources, topic, clock, published)));
  }

  private final String instanceId;
  private final Sources sources;
  private final ActorRef<Topic.Command<Report>> topic;
  private final SchedulerClock clock;
  private final AtomicReference<Snapshot> published;
  private final String self;
  private final Map<String, Report> reports = new HashMap<>();
  private Pools pools;

  private OpsReports(ActorContext<Command> ctx, TimerScheduler<Command> timers, String instanceId, Duration interval,
                     Sources sources, ActorRef<Topic.Command<Report>> topic, SchedulerClock clock,
                     AtomicReference<Snapshot> published) {
    super(ctx);
    this.instanceId = instanceId;
    this.sources = sources;
    this.topic = topic;
    this.clock = clock;
    this.published = published;
    this.self = Cluster.get(ctx.getSystem()).selfMember().address().toString();
    topic.tell(Topic.subscribe(ctx.getSelf().narrow()));
    timers.startTimerWithFixedDelay(Tick.INSTANCE, Tick.INSTANCE, Duration.ofMillis(100), interval);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessageEquals(Tick.INSTANCE, this::onTick)
        .onMessage(PoolsAnswer.class, this::onPools)
        .onMessage(Report.class, this::onReport)
        .onMessage(FindJob.class, this::onFindJob)
        .build();
  }

  private Behavior<Command> onTick() {
    getContext().pipeToSelf(sources.pools(ASK_TIMEOUT), PoolsAnswer::new);
    return this;
  }

  /** With the dispatcher's answer (or without it, after its timeout) the round is published. */
  private Behavior<Command> onPools(PoolsAnswer a) {
    if (a.pools() != null) pools = a.pools();
    topic.tell(Topic.publish(report()));
    publish();
    return this;
  }

  private Behavior<Command> onReport(Report r) {
    reports.put(r.address(), r);
    publish();
    return this;
  }

  private Behavior<Command> onFindJob(FindJob m) {
    m.replyTo().tell(new JobFound(m.jobId(), JobIndex.get(getContext().getSystem()).sessionOf(m.jobId()).orElse(null)));
    return this;
  }

  private Report report() {
    LiveSessions live = LiveSessions.get(getContext().getSystem());
    List<LiveSessions.Info> sessions = live.list();
    Map<String, LanguageUse> languages = languages(sessions);
    Metrics metrics = Metrics.get(getContext().getSystem());
    long since = System.currentTimeMillis() - WINDOW.toMillis(); // the windows are stamped with the wall clock
    Map<String, Latency> latencies = new TreeMap<>();
    for (String name : WINDOWS) {
      LatencyWindow w = metrics.window(name);
      if (w != null) latencies.put(name, latency(w.since(since)));
    }
    Local l = sources.local();
    return new Report(self, instanceId, getContext().getSelf(), l.draining(), l.sessionConnections(),
        l.nodeConnections(), sessions.size(), List.copyOf(sessions.subList(0, Math.min(LISTED_SESSIONS, sessions.size()))),
        languages, pools == null ? Map.of() : Map.copyOf(pools.pending()), metrics.snapshot(), latencies,
        clock.wallMillis());
  }

  /**
   * Counts languages as {@code /api/v1/stats} does: {@code src_lang} as source unless {@code auto}, {@code tgt_lang}
   * as target; in two-way sessions {@code lang_a} and {@code lang_b} once as source and once as target each.
   */
  static Map<String, LanguageUse> languages(List<LiveSessions.Info> sessions) {
    Map<String, int[]> use = new TreeMap<>();
    for (LiveSessions.Info s : sessions) {
      boolean twoWay = s.langA() != null && s.langB() != null && !s.langA().isEmpty() && !s.langB().isEmpty();
      if (twoWay) {
        for (String lang : new String[] {s.langA(), s.langB()}) {
          int[] u = use.computeIfAbsent(lang, k -> new int[2]);
          u[0]++;
          u[1]++;
        }
        continue;
      }
      if (s.srcLang() != null && !s.srcLang().isEmpty() && !"auto".equalsIgnoreCase(s.srcLang())) {
        use.computeIfAbsent(s.srcLang(), k -> new int[2])[0]++;
      }
      if (s.tgtLang() != null && !s.tgtLang().isEmpty()) use.computeIfAbsent(s.tgtLang(), k -> new int[2])[1]++;
    }
    Map<String, LanguageUse> out = new TreeMap<>();
    use.forEach((k, v) -> out.put(k, new LanguageUse(v[0], v[1])));
    return out;
  }

  static Latency latency(long[] sorted) {
    LatencyWindow.Summary s = LatencyWindow.Summary.of(sorted);
    List<Long> samples = new ArrayList<>();
    if (sorted.length <= SAMPLES) {
      for (long v : sorted) samples.add(v);
    } else {
      for (int i = 0; i < SAMPLES; i++) samples.add(sorted[(int) ((long) i * sorted.length / SAMPLES)]);
    }
    return new Latency(s.count(), s.p50(), s.p95(), s.p99(), s.max(), samples);
  }

  private void publish() {
    Set<String> members = new HashSet<>();
    for (org.apache.pekko.cluster.Member m : Cluster.get(getContext().getSystem()).state().getMembers()) {
      members.add(m.address().toString());
    }
    reports.keySet().retainAll(members);
    List<Report> list = new ArrayList<>(reports.values());
    list.sort(java.util.Comparator.comparing(Report::instanceId));
    published.set(new Snapshot(List.copyOf(list), pools == null ? List.of() : pools.rows(),
        pools == null ? 0 : pools.viewVersion(),
        clock.wallMillis()));
  }
}
