package dev.polyglot.scheduler.session;

import dev.polyglot.scheduler.api.SchedulerClock;
import dev.polyglot.scheduler.config.SchedulerSettings;
import dev.polyglot.scheduler.dispatch.Dispatcher;
import dev.polyglot.scheduler.node.NodeEntity;
import dev.polyglot.scheduler.node.NodeRouter;
import dev.polyglot.scheduler.ops.JobObserver;
import dev.polyglot.scheduler.ops.LogThrottle;
import dev.polyglot.scheduler.ops.MetricLabels;
import dev.polyglot.scheduler.ops.Metrics;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.slf4j.Logger;

/**
 * Carries out what a session's {@link JobBook} decided: messages to nodes and to the dispatcher, the job timers, and
 * the counters and log lines of drops and outcomes, and what operators see of each job ({@link JobObserver}: job
 * lines, latency histograms, the job index). What touches the session's own state (placing through the durable
 * gate, the backpressure window, the client and the result order) goes back to its {@link Host}. With
 * {@code ending}, nothing more goes to the client.
 */
final class EffectRunner {
  /** The session's side of the effects. */
  interface Host {
    Optional<JobBook.Job> job(String jobId);

    void place(Dispatcher.PlacementRequest r);

    void busy(String pool);

    /** Job {@code jobId} no longer waits for capacity. */
    void gone(String jobId);

    void finished(String jobId);

    void affinity(String nodeId);

    void toClient(ClientEvent e);

    void resultReady(String stream, int index, JobBook.Draft draft);

    void jobEnded(String stream, int index);
  }

  private final NodeRouter nodes;
  private final ActorRef<Dispatcher.Command> dispatcher;
  private final TimerScheduler<SessionEntity.Command> timers;
  private final SchedulerSettings.Jobs settings;
  private final Metrics metrics;
  private final Logger log;
  private final SchedulerClock clock;
  private final JobObserver observer;
  /** foreign_node drops are counted every time and logged at most once per interval per node. */
  private final LogThrottle foreignLog;

  EffectRunner(NodeRouter nodes, ActorRef<Dispatcher.Command> dispatcher, TimerScheduler<SessionEntity.Command> timers,
               SchedulerSettings.Jobs settings, Metrics metrics, Logger log, SchedulerClock clock, JobObserver observer) {
    this.nodes = nodes;
    this.dispatcher = dispatcher;
    this.timers = timers;
    this.settings = settings;
    this.metrics = metrics;
    this.log = log;
    this.clock = clock;
    this.observer = observer;
    this.foreignLog = new LogThrottle(settings.foreignResultLogInterval().toMillis(), 64);
  }

  void run(List<JobBook.Effect> fx, boolean ending, Host host) {
    for (JobBook.Effect e : fx) {
      if (e instanceof JobBook.Effect.Place p) {
        host.place(p.request());
      } else if (e instanceof JobBook.Effect.Withdraw w) {
        host.gone(w.jobId());
        dispatcher.tell(new Dispatcher.Withdraw(w.jobId(), w.attemptId()));
      } else if (e instanceof JobBook.Effect.Assign a) {
        long createdWall = host.job(a.order().jobId()).map(j -> {
          observer.placed(a.order(), a.nodeId(), j.createdMono(), clock.monoMillis());
          return j.createdWall();
        }).orElse(0L);
        nodes.node(a.nodeId()).tell(new NodeEntity.Assign(a.order(), createdWall));
      } else if (e instanceof JobBook.Effect.CancelOnNode c) {
        metrics.inc("job_cancel_sent_total", "reason", c.reason());
        nodes.node(c.nodeId()).tell(new NodeEntity.Cancel(c.jobId(), c.attemptId(), c.traceId(), c.reason()));
      } else if (e instanceof JobBook.Effect.ReleaseOnNode r) {
        nodes.node(r.nodeId()).tell(new NodeEntity.Release(r.jobId(), r.attemptId()));
      } else if (e instanceof JobBook.Effect.ForgetOnNode f) {
        nodes.node(f.nodeId()).tell(new NodeEntity.Forget(f.jobId(), f.attemptId()));
      } else if (e instanceof JobBook.Effect.ArmPending p) {
        timers.startSingleTimer(pendingKey(p.jobId()), new SessionInternal.PendingTimeout(p.jobId(), p.attemptId()),
            settings.pendingTimeout());
      } else if (e instanceof JobBook.Effect.ArmDispatched d) {
        timers.startSingleTimer(dispatchedKey(d.jobId()), new SessionInternal.DispatchedTimeout(d.jobId(), d.attemptId()),
            settings.dispatchedTimeout());
      } else if (e instanceof JobBook.Effect.Disarm d) {
        timers.cancel(pendingKey(d.jobId()));
        timers.cancel(dispatchedKey(d.jobId()));
      } else if (e instanceof JobBook.Effect.Affinity a) {
        host.affinity(a.nodeId());
      } else if (e instanceof JobBook.Effect.Busy b) {
        host.busy(b.pool());
      } else if (e instanceof JobBook.Effect.Dropped d) {
        dropped(d);
      } else if (e instanceof JobBook.Effect.Finished f) {
        host.gone(f.jobId());
        host.finished(f.jobId());
        metrics.inc("jobs_finished_total", "outcome", outcome(f.state()), "code", MetricLabels.jobCode(f.code()));
        host.job(f.jobId()).ifPresent(j -> observer.finished(j.order(), outcome(f.state()), f.code(),
            j.attempts().size(), j.attempts().isEmpty() ? null : j.attempts().get(j.attempts().size() - 1).nodeId(),
            j.createdMono(), clock.monoMillis()));
      } else if (e instanceof JobBook.Effect.AttemptStarted a) {
        metrics.inc("job_attempts_total", "reason", a.reason());
        host.job(a.jobId()).ifPresent(j -> observer.attemptStarted(j.order(), a.attemptId(), a.reason(),
            clock.wallMillis()));
      } else if (ending) {
        continue;
      } else if (e instanceof JobBook.Effect.Client c) {
        host.toClient(c.event());
      } else if (e instanceof JobBook.Effect.Deliver d) {
        host.resultReady(d.stream(), d.index(), d.draft());
      } else if (e instanceof JobBook.Effect.Ended d) {
        host.jobEnded(d.stream(), d.index());
      }
    }
  }

  private void dropped(JobBook.Effect.Dropped d) {
    metrics.inc("result_dropped_total", "reason", d.reason());
    long notLogged = "foreign_node".equals(d.reason()) ? foreignLog.allow(String.valueOf(d.nodeId()), clock.monoMillis()) : -1;
    if (notLogged >= 0) {
      log.warn("result dropped: {} job {} from node {} ({} more from this node not logged since the previous warning)",
          d.reason(), d.jobId(), d.nodeId(), notLogged);
    } else {
      log.debug("result dropped: {} job {} from node {}", d.reason(), d.jobId(), d.nodeId());
    }
  }

  static String outcome(JobBook.JobState s) {
    return switch (s) {
      case COMPLETED -> "completed";
      case COMPLETED_EMPTY -> "empty";
      case FAILED -> "failed";
      default -> "cancelled";
    };
  }

  private static String pendingKey(String jobId) {
    return "pending:" + jobId;
  }

  private static String dispatchedKey(String jobId) {
    return "dispatched:" + jobId;
  }
}
