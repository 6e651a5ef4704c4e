package dev.polyglot.scheduler.node;

import dev.polyglot.scheduler.api.NodeFacts;
import dev.polyglot.scheduler.api.SchedulerClock;
import dev.polyglot.scheduler.config.SchedulerSettings;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A stand-in node entity for the tests of its collaborators: it owns a {@link NodeLink} and {@link NodeJobs} as
 * NodeEntity does, holds the state, and reports to {@code events} what the entity would do. The entity's timer
 * messages are private, so public commands stand in for them: {@link #HEARTBEAT_TIMEOUT}, {@link #TAKEOVER_WAIT},
 * {@link #RECHECK_CLAIM}, and a {@link NodeEntity.Forget} of any other job for a reservation's expiry. It answers
 * {@link NodeEntity.GetSummary}, which tests use to know that what they told it before has been handled.
 */
final class NodeHarness implements NodeLink.Host, NodeJobs.Host {
  static final NodeEntity.Command HEARTBEAT_TIMEOUT = NodeEntity.Reannounce.INSTANCE;
  static final NodeEntity.Command TAKEOVER_WAIT = new NodeEntity.Forget("tick", 1);
  static final NodeEntity.Command RECHECK_CLAIM = new NodeEntity.Forget("tick", 2);

  record Accepted(ActorRef<NodeSocket.Command> socket) {}

  record Offline(String reason) {}

  record Applied(NodeState state) {}

  enum Announced { INSTANCE }

  private final ActorRef<Object> events;
  private NodeState state;
  private NodeLink link;
  private NodeJobs jobs;

  private NodeHarness(NodeState state, ActorRef<Object> events) {
    this.state = state;
    this.events = events;
  }

  static Behavior<NodeEntity.Command> create(NodeState initial, SchedulerSettings.Nodes settings, SchedulerClock clock,
                                             ActorRef<Object> events, boolean inherited) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      NodeHarness h = new NodeHarness(initial, events);
      h.link = new NodeLink(ctx, timers, new NodeLink.Ticks(HEARTBEAT_TIMEOUT, TAKEOVER_WAIT, RECHECK_CLAIM), settings,
          clock, initial.nodeId(), h);
      h.jobs = new NodeJobs(ctx, timers, NodeEntity.Forget::new, settings.reservationTtl(), h.link, h, inherited);
      return Behaviors.receive(NodeEntity.Command.class)
          .onMessage(NodeEntity.Register.class, m -> { h.register(m); return Behaviors.same(); })
          .onMessage(NodeEntity.Heartbeat.class, m -> { h.heartbeat(m); return Behaviors.same(); })
          .onMessage(NodeEntity.SocketClosed.class, m -> { h.link.closed(m.socket()); return Behaviors.same(); })
          .onMessageEquals(NodeEntity.Reannounce.INSTANCE, () -> { h.link.heartbeatTimeout(); return Behaviors.same(); })
          .onMessage(NodeEntity.Forget.class, m -> { h.tick(m); return Behaviors.same(); })
          .onMessage(NodeEntity.Reserve.class, m -> { h.jobs.reserve(m); return Behaviors.same(); })
          .onMessage(NodeEntity.Assign.class, m -> { h.jobs.assign(m.order(), m.createdAtMs(), 7); return Behaviors.same(); })
          .onMessage(NodeEntity.Release.class, m -> { h.jobs.release(m.jobId(), m.attemptId()); return Behaviors.same(); })
          .onMessage(NodeEntity.Cancel.class, m -> { h.jobs.cancel(m); return Behaviors.same(); })
          .onMessage(NodeEntity.ResultFromNode.class, m -> { h.jobs.result(m); return Behaviors.same(); })
          .onMessage(NodeEntity.GetSummary.class, m -> { m.replyTo().tell(NodeNews.summary(h.state)); return Behaviors.same(); })
          .build();
    }));
  }

  private void register(NodeEntity.Register m) {
    if (link.socket() != null && state.connected() && !m.trusted()) {
      link.claim(m);
      return;
    }
    if (link.socket() != null && state.connected()) link.replaceLive();
    accept(m.socket(), m.facts());
  }

  private void heartbeat(NodeEntity.Heartbeat m) {
    if (link.heartbeat(m.socket(), false)) state = state.heartbeat(m.usage(), state.facts(), 0);
  }

  private void tick(NodeEntity.Forget m) {
    if (m.equals(TAKEOVER_WAIT)) link.takeoverWaitPassed();
    else if (m.equals(RECHECK_CLAIM)) link.recheckClaim();
    else jobs.expired(m.jobId(), m.attemptId());
  }

  @Override
  public void accept(ActorRef<NodeSocket.Command> connection, NodeFacts facts) {
    link.take(connection);
    state = state.register(facts, 0);
    events.tell(new Accepted(connection));
  }

  @Override
  public NodeState state() {
    return state;
  }

  @Override
  public void offline(String reason) {
    state = state.disconnect(reason, 0);
    events.tell(new Offline(reason));
  }

  @Override
  public void relearnt() {
    state = state.register(state.facts(), 0);
  }

  @Override
  public void apply(NodeState next) {
    state = next;
    events.tell(new Applied(next));
  }

  @Override
  public void dispatched(NodeState next) {
    state = next;
  }

  @Override
  public void announce() {
    events.tell(Announced.INSTANCE);
  }

  @Override
  public void tell(NodeWork.Tell t) {
    events.tell(t);
  }
}
