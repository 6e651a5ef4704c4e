package dev.polyglot.scheduler.node;

import dev.polyglot.scheduler.api.JobOrder;
import dev.polyglot.scheduler.api.NodeResult;
import dev.polyglot.scheduler.ops.MetricCatalog;
import dev.polyglot.scheduler.ops.Metrics;
import java.time.Duration;
import java.util.function.BiFunction;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * A node entity's jobs: the reservation bookkeeping (it answers {@link NodeEntity.Reserve} from
 * {@link NodeState#reserve}, arms one time-to-live timer per granted attempt and disarms it once the attempt is
 * dispatched, released, cancelled or expired), the job written to the node ({@link NodeWork#assign}) and
 * {@code job_cancel} for an attempt dispatched there, and where what the agent says about a job goes
 * ({@link NodeWork#result}: a result for a job never given is dropped and counted, unless an earlier incarnation may
 * have given it). A collaborator owned by one NodeEntity and used only on its thread; the state stays its entity's
 * ({@link Host}).
 *
 * <p>Lost when the entity stops: every reservation and its timer (a grant nobody used expires with its dispatcher's
 * ask, and a dispatched attempt whose result never comes fails over by its session's timers).
 */
final class NodeJobs {

  /** The entity's state as the slots see it. */
  interface Host {
    NodeState state();

    /** The next state; the entity tells what changed (view, report, status). */
    void apply(NodeState next);

    /** The next state, with nothing to tell (a dispatch changes no placement fact). */
    void dispatched(NodeState next);

    /** Announces the current view if its placement facts changed. */
    void announce();

    /** Tells the session that owns a job. */
    void tell(NodeWork.Tell tell);
  }

  private final ActorContext<NodeEntity.Command> ctx;
  private final TimerScheduler<NodeEntity.Command> timers;
  private final BiFunction<String, Integer, NodeEntity.Command> expiredMessage;
  private final Duration ttl;
  private final NodeLink link;
  private final Host host;
  private final Metrics metrics;
  /** Started from the ledger after an earlier incarnation died: it never saw the jobs that one gave the node. */
  private final boolean inherited;

  NodeJobs(ActorContext<NodeEntity.Command> ctx, TimerScheduler<NodeEntity.Command> timers,
           BiFunction<String, Integer, NodeEntity.Command> expiredMessage, Duration ttl, NodeLink link, Host host,
           boolean inherited) {
    this.ctx = ctx;
    this.timers = timers;
    this.expiredMessage = expiredMessage;
    this.ttl = ttl;
    this.link = link;
    this.host = host;
    this.inherited = inherited;
    this.metrics = Metrics.get(ctx.getSystem());
  }

  /** Grants one slot for one attempt (its time to live armed), or says why not. */
  void reserve(NodeEntity.Reserve m) {
    NodeState s = host.state();
    NodeState.ReserveDecision d = s.reserve(m.jobId(), m.attemptId(), m.sessionId(), m.utteranceIndex(),
        m.requiredTypes(), m.excluded());
    if (d instanceof NodeState.ReserveDecision.Granted g) {
      timers.startSingleTimer(key(m.jobId(), m.attemptId()), expiredMessage.apply(m.jobId(), m.attemptId()), ttl);
      host.apply(g.next());
      m.replyTo().tell(new NodeEntity.Reserved(s.nodeId(), m.jobId(), m.attemptId(), g.seq()));
    } else {
      String reason = ((NodeState.ReserveDecision.Refused) d).reason();
      metrics.inc("dispatch_exclude_total", "reason", reason);
      m.replyTo().tell(new NodeEntity.Refused(s.nodeId(), m.jobId(), m.attemptId(), reason));
      if (!s.known() || !s.connected()) host.announce();
    }
  }

  /**
   * Writes the job of a granted reservation to the node; its session hears it was dispatched, or lost.
   * {@code createdAtMs}: when the job was created (wall clock, 0 if unknown), for the socket's dispatch histogram.
   */
  void assign(JobOrder o, long createdAtMs, long nowMs) {
    NodeWork.Dispatch d = NodeWork.assign(host.state(), o, link.socket() != null, nowMs);
    d.next().ifPresent(next -> {
      host.dispatched(next);
      timers.cancel(key(o.jobId(), o.attemptId()));
      link.tell(new NodeSocket.SendJob(o, createdAtMs));
    });
    host.tell(d.tell());
  }

  /**
   * Frees a grant nobody will use. A reservation already dispatched is kept: a repeated Reserve for the same
   * attempt is granted again, and the dispatcher releasing that duplicate must not free the running job's slot.
   */
  void release(String jobId, int attemptId) {
    if (!host.state().reservedNotDispatched(jobId, attemptId)) return;
    timers.cancel(key(jobId, attemptId));
    host.apply(host.state().release(jobId, attemptId));
  }

  /** Ends an attempt: its slot is freed and, if it was dispatched, the node hears {@code job_cancel}. */
  void cancel(NodeEntity.Cancel m) {
    if (NodeWork.dispatched(host.state(), m.jobId(), m.attemptId())) {
      link.tell(new NodeSocket.SendCancel(m.jobId(), m.traceId(), m.reason()));
    }
    timers.cancel(key(m.jobId(), m.attemptId()));
    host.apply(host.state().release(m.jobId(), m.attemptId()));
  }

  /** A grant's time to live passed: freed unless it was dispatched meanwhile. */
  void expired(String jobId, int attemptId) {
    if (!host.state().reservedNotDispatched(jobId, attemptId)) return;
    ctx.getLog().debug("reservation expired undispatched job {} attempt {}", jobId, attemptId);
    metrics.inc("reservation_expired_total");
    host.apply(host.state().release(jobId, attemptId));
  }

  /** A {@code job_result} goes to the session that owns the job; it frees the attempt's slot (the job's, on a success). */
  void result(NodeEntity.ResultFromNode m) {
    NodeResult r = m.result();
    if (r.processingTimeMs() != null) metrics.observe(MetricCatalog.NODE_PROCESSING, r.processingTimeMs() / 1000.0);
    NodeWork.Result route = NodeWork.result(host.state(), inherited, r, m.claimedSessionId());
    if (route instanceof NodeWork.Result.Given g) {
      host.apply(g.next());
      host.tell(g.tell());
    } else if (route instanceof NodeWork.Result.Inherited i) {
      // the job was given by the incarnation that died: its session checks that this node really got it
      metrics.inc("result_inherited_total");
      ctx.getLog().info("result for job {} given by an earlier incarnation passed to session {}", r.jobId(),
          i.tell().sessionId());
      host.tell(i.tell());
    } else {
      ctx.getLog().warn("result dropped: foreign_node job {} attempt {} was never given to this node", r.jobId(),
          r.attemptId());
      metrics.inc("result_dropped_total", "reason", "foreign_node");
    }
  }

  void partial(NodeEntity.PartialFromNode m) {
    NodeWork.partial(host.state(), m.jobId(), m.text(), m.isFinal()).ifPresentOrElse(host::tell,
        () -> metrics.inc("partial_dropped_total", "reason", "foreign_node"));
  }

  void ack(NodeEntity.AckFromNode m) {
    NodeWork.ack(host.state(), m.jobId(), m.attemptId(), m.started()).ifPresent(host::tell);
  }

  private static String key(String jobId, int attemptId) {
    return "ttl:" + jobId + '#' + attemptId;
  }
}
