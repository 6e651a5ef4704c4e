package dev.polyglot.scheduler.node;

import dev.polyglot.scheduler.api.JobOrder;
import dev.polyglot.scheduler.ops.Metrics;
import java.time.Duration;
import java.util.function.BiFunction;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * A node entity's reservation bookkeeping: it answers {@link NodeEntity.Reserve} from {@link NodeState#reserve}, arms
 * one time-to-live timer per granted attempt and disarms it once the attempt is dispatched, released, cancelled or
 * expired, writes the job to the node ({@link NodeWork#assign}) and {@code job_cancel} for an attempt dispatched there.
 * A collaborator owned by one NodeEntity and used only on its thread; the state stays its entity's ({@link Host}).
 *
 * <p>Lost when the entity stops: every reservation and its timer (a grant nobody used is never answered; its
 * dispatcher's ask times out, and a dispatched attempt fails over by its session's timers).
 */
final class NodeSlots {

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

  NodeSlots(ActorContext<NodeEntity.Command> ctx, TimerScheduler<NodeEntity.Command> timers,
            BiFunction<String, Integer, NodeEntity.Command> expiredMessage, Duration ttl, NodeLink link,
            Host host) {
    this.ctx = ctx;
    this.timers = timers;
    this.expiredMessage = expiredMessage;
    this.ttl = ttl;
    this.link = link;
    this.host = host;
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

  /** Writes the job of a granted reservation to the node; its session hears it was dispatched, or lost. */
  void assign(JobOrder o, long nowMs) {
    NodeWork.Dispatch d = NodeWork.assign(host.state(), o, link.socket() != null, nowMs);
    d.next().ifPresent(next -> {
      host.dispatched(next);
      timers.cancel(key(o.jobId(), o.attemptId()));
      link.tell(new NodeSocket.SendJob(o));
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

  private static String key(String jobId, int attemptId) {
    return "ttl:" + jobId + '#' + attemptId;
  }
}
