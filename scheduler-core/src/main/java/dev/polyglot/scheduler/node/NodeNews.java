package dev.polyglot.scheduler.node;

import dev.polyglot.scheduler.api.NodeFigures;
import dev.polyglot.scheduler.api.NodeStatus;
import dev.polyglot.scheduler.api.NodeSummary;
import dev.polyglot.scheduler.pool.NodeView;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What a node entity tells others after a change of its {@link NodeState}, decided as an immutable value: the view it
 * announces to the PoolDirectory (only when placement facts changed, under a version that only grows), the row it
 * reports to its instance's reports (on every status change, else at most once per interval), and the
 * {@code node_status} frames its agent hears. Times are passed in: {@code nowMs} epoch, {@code nowMono} monotonic.
 *
 * <p>Promises: the directory never sees an older view after a newer one from the same entity, and hears nothing when
 * only heartbeat numbers changed.
 */
final class NodeNews {

  /**
   * What to tell after one change (null: nothing): {@code view} to the directory, {@code report} to the reports
   * (at {@code reportedAtMono}), {@code toAgent} to the live socket, and {@code transition} to log.
   */
  record Step(NodeNews next, NodeView view, NodeSummary report, long reportedAtMono,
              List<NodeSocket.SendStatus> toAgent, NodeState.Transition transition) {
    static Step only(NodeNews next, NodeView view) {
      return new Step(next, view, null, 0, List.of(), null);
    }
  }

  private final long viewVersion;
  private final NodeView announced;
  private final long lastReportMono;

  private NodeNews(long viewVersion, NodeView announced, long lastReportMono) {
    this.viewVersion = viewVersion;
    this.announced = announced;
    this.lastReportMono = lastReportMono;
  }

  /** Nothing told yet; the first view gets a version above {@code firstVersion}. */
  static NodeNews start(long firstVersion) {
    return new NodeNews(firstVersion, null, Long.MIN_VALUE / 2);
  }

  /** After {@code before} became {@code after}: {@code withSocket} says whether the node has a connection to tell. */
  Step changed(NodeState before, NodeState after, boolean withSocket, long nowMs, long nowMono, long reportEveryMs) {
    boolean statusChanged = before.status() != after.status() || !before.known();
    boolean report = after.known() && (statusChanged || nowMono - lastReportMono >= reportEveryMs);
    NodeState.Transition transition = statusChanged ? after.lastTransition().orElse(null) : null;
    List<NodeSocket.SendStatus> toAgent = new ArrayList<>(2);
    if (transition != null && withSocket && after.connected()) {
      toAgent.add(new NodeSocket.SendStatus(transition.to(), transition.reason(), transition.atMs()));
    }
    if (statusChanged && after.status() == NodeStatus.OFFLINE && withSocket) {
      String reason = after.lastTransition().map(NodeState.Transition::reason).orElse("");
      toAgent.add(new NodeSocket.SendStatus(NodeStatus.OFFLINE, reason, nowMs));
    }
    NodeNews reported = report ? new NodeNews(viewVersion, announced, nowMono) : this;
    Step announce = reported.announce(after);
    return new Step(announce.next(), announce.view(), report ? summary(after) : null, nowMono, List.copyOf(toAgent),
        transition);
  }

  /** The view to announce if its placement facts differ from the last one announced. */
  Step announce(NodeState s) {
    NodeView v = s.view(viewVersion + 1);
    if (v.samePlacementFacts(announced)) return Step.only(this, null);
    return Step.only(new NodeNews(viewVersion + 1, v, lastReportMono), v);
  }

  /** The current view again, under a new version (a new directory incarnation asks); nothing before a first one. */
  Step reannounce(NodeState s) {
    if (announced == null) return Step.only(this, null);
    NodeView v = s.view(viewVersion + 1);
    return Step.only(new NodeNews(viewVersion + 1, v, lastReportMono), v);
  }

  /** What the admin API and the cluster view show of a node. */
  static NodeSummary summary(NodeState s) {
    boolean facts = s.facts() != null;
    return new NodeSummary(s.nodeId(), s.known(), s.status(), s.connected(), s.draining(), s.runningJobs(),
        s.reservations().size(), s.effectiveLoad(), s.freeSlots(), s.overThreshold(), s.pools(),
        facts ? s.facts().readyTypes() : Set.of(), s.consecutiveUnhealthy(), s.healthReasons(),
        s.registeredAtMs(), s.lastHeartbeatMs(), s.limits().maxSlots(), facts ? s.facts().platform() : null,
        s.usage().orElse(null), facts ? s.facts().installedServices() : List.of(),
        facts ? s.facts().capabilityByType() : List.of(), facts ? s.facts().wireDialect() : null,
        facts ? NodeFigures.of(s.facts()) : null);
  }
}
