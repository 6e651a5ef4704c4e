package dev.polyglot.scheduler.node;

import dev.polyglot.scheduler.api.NodeFacts;
import dev.polyglot.scheduler.api.SchedulerClock;
import dev.polyglot.scheduler.config.SchedulerSettings;
import dev.polyglot.scheduler.ops.Metrics;
import java.time.Duration;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * A node entity's side of its one connection: which socket is live (under death watch, so a socket that dies with its
 * instance is heard), whether it still heartbeats ({@code nodes.heartbeat-timeout}), an untrusted claim waiting for
 * the id ({@link Takeover}) with its timers, and what sockets are told when a connection is replaced, stale or gone, or
 * a claim refused. A collaborator owned by one NodeEntity and used only on its thread; what a registration, a
 * heartbeat or a lost connection does to the node's state is its entity's business ({@link Host}).
 *
 * <p>Lost when the entity stops: the connection and any waiting claim (the claimant's socket closes or registers
 * again with the next incarnation).
 */
final class NodeLink {

  /** What the link needs from its entity. */
  interface Host {
    /** Makes {@code connection} the node's one connection (after {@link #take}). */
    void accept(ActorRef<NodeSocket.Command> connection, NodeFacts facts);

    /** The node as its entity knows it now. */
    NodeState state();

    /** The live connection is gone (closed, silent or dead): the node goes Offline. */
    void offline(String reason);

    /** The live connection was learnt from a heartbeat: the node known from the ledger is connected again. */
    void relearnt();
  }

  /** The entity's private timer messages the link schedules. */
  record Ticks(NodeEntity.Command heartbeatTimeout, NodeEntity.Command takeoverWait, NodeEntity.Command recheckClaim) {}

  private static final Duration RECHECK_CLAIM = Duration.ofSeconds(1);

  private final ActorContext<NodeEntity.Command> ctx;
  private final TimerScheduler<NodeEntity.Command> timers;
  private final Ticks ticks;
  private final SchedulerSettings.Nodes settings;
  private final SchedulerClock clock;
  private final String nodeId;
  private final Host host;
  private final Metrics metrics;
  private ActorRef<NodeSocket.Command> socket;
  /** The connection under death watch (the current one, or the last one). */
  private ActorRef<NodeSocket.Command> watched;
  private Takeover<ActorRef<NodeSocket.Command>> takeover = Takeover.none();
  private long lastHeartbeatMono;

  NodeLink(ActorContext<NodeEntity.Command> ctx, TimerScheduler<NodeEntity.Command> timers, Ticks ticks,
           SchedulerSettings.Nodes settings, SchedulerClock clock, String nodeId, Host host) {
    this.ctx = ctx;
    this.timers = timers;
    this.ticks = ticks;
    this.settings = settings;
    this.clock = clock;
    this.nodeId = nodeId;
    this.host = host;
    this.metrics = Metrics.get(ctx.getSystem());
  }

  /** The live connection, or null. */
  ActorRef<NodeSocket.Command> socket() {
    return socket;
  }

  /** No live connection and no claim waiting for the id. */
  boolean idle() {
    return socket == null && !takeover.waiting();
  }

  boolean is(ActorRef<NodeSocket.Command> s) {
    return s.equals(socket);
  }

  /** Tells the live connection, if there is one. */
  void tell(NodeSocket.Command command) {
    if (socket != null) socket.tell(command);
  }

  /** {@code connection} becomes the live one, its heartbeat awaited; a claim by another connection is refused. */
  void take(ActorRef<NodeSocket.Command> connection) {
    if (takeover.waitingOtherThan(connection)) refuse("another connection registered this node id");
    clear();
    adopt(connection);
    heartbeatSeen();
  }

  private void adopt(ActorRef<NodeSocket.Command> connection) {
    socket = connection;
    if (connection.equals(watched)) return;
    if (watched != null) ctx.unwatch(watched);
    watched = connection;
    ctx.watchWith(connection, new NodeEntity.SocketClosed(connection));
  }

  /**
   * A heartbeat from {@code s}: true when it comes from the live connection, which is then alive (a waiting claim is
   * refused). {@code fromLedger}: the entity was re-created after its instance died and knows the node only from the
   * ledger; then the connection is adopted from its heartbeat. A heartbeat from another connection is not applied: a
   * stale one (replaced by a newer connection) is closed, and one reaching an entity without a connection (re-created,
   * or it forgot the node) registers again.
   */
  boolean heartbeat(ActorRef<NodeSocket.Command> s, boolean fromLedger) {
    if (socket == null && fromLedger) {
      ctx.getLog().info("node connection re-learnt from a heartbeat");
      metrics.inc("node_connection_relearnt_total");
      adopt(s);
      host.relearnt();
    }
    if (!host.state().connected() || !s.equals(socket)) {
      metrics.inc("node_heartbeat_unregistered_total");
      if (socket != null && host.state().connected()) {
        s.tell(new NodeSocket.CloseWith("NODE_NOT_REGISTERED", "node is not registered; reconnect and register"));
      } else {
        s.tell(new NodeSocket.RegisterAgain("the node entity had no connection"));
      }
      return false;
    }
    metrics.inc("node_heartbeats_total");
    if (takeover.waiting()) refuse("the live connection is still heartbeating");
    heartbeatSeen();
    return true;
  }

  /**
   * Notes a valid heartbeat. The timeout timer is armed once and, when it fires early, re-armed for the time
   * left since the last heartbeat: a heartbeat storm does not reschedule a timer per heartbeat.
   */
  private void heartbeatSeen() {
    lastHeartbeatMono = clock.monoMillis();
    if (!timers.isTimerActive(ticks.heartbeatTimeout())) {
      timers.startSingleTimer(ticks.heartbeatTimeout(), ticks.heartbeatTimeout(), settings.heartbeatTimeout());
    }
  }

  /** The heartbeat timer: a live connection silent for the timeout is closed and the node goes Offline. */
  void heartbeatTimeout() {
    if (!host.state().connected()) return;
    long left = settings.heartbeatTimeout().toMillis() - (clock.monoMillis() - lastHeartbeatMono);
    if (left > 0) {
      timers.startSingleTimer(ticks.heartbeatTimeout(), ticks.heartbeatTimeout(), Duration.ofMillis(left));
      return;
    }
    metrics.inc("node_heartbeat_timeouts_total");
    ctx.getLog().info("node heartbeat timeout after {}", settings.heartbeatTimeout());
    ActorRef<NodeSocket.Command> s = socket;
    gone("heartbeat timeout");
    if (s != null) s.tell(new NodeSocket.CloseWith("NODE_HEARTBEAT_TIMEOUT", "no heartbeat for "
        + settings.heartbeatTimeout().toSeconds() + " s"));
    socket = null;
    promote();
  }

  /** {@code s} closed (or died with its instance): if it was the live connection, the node goes Offline. */
  void closed(ActorRef<NodeSocket.Command> s) {
    if (takeover.isClaimant(s)) {
      clear();
      return;
    }
    if (!s.equals(socket) || !host.state().connected()) return;
    gone("socket closed");
    socket = null;
    promote();
  }

  /** Offline now: status first while the socket is open (it is dropped afterwards). */
  private void gone(String reason) {
    timers.cancel(ticks.heartbeatTimeout());
    host.offline(reason);
  }

  /** The live connection is closed for a newer one; reservations and live attempts are kept (B§2.1 step 5). */
  void replaceLive() {
    ctx.getLog().info("node connection replaced by a newer one; keeping {} reservations",
        host.state().reservations().size());
    socket.tell(new NodeSocket.CloseWith("NODE_CONNECTION_REPLACED", "a newer connection registered this node id"));
    metrics.inc("node_connection_replaced_total");
  }

  /** An untrusted registration of the id while the live connection holds it ({@link Takeover}). */
  void claim(NodeEntity.Register m) {
    Takeover.Step<ActorRef<NodeSocket.Command>> step = takeover.claim(m.socket(), m.facts(), this::instanceLost);
    takeover = step.next();
    switch (step.claimed()) {
      case REFUSED -> {
        metrics.inc("node_takeover_refused_total");
        m.socket().tell(new NodeSocket.CloseWith("NODE_ID_CONFLICT", "node id " + nodeId
            + " is held by a live connection and another connection is already waiting for it"));
      }
      case TAKES_OVER -> {
        ctx.getLog().info("node id claimed while its connection's instance is unreachable; the newer one takes over");
        replaceLive();
        host.accept(m.socket(), m.facts());
      }
      case WAITS -> {
        metrics.inc("node_takeover_contested_total");
        ctx.getLog().info("node id claimed by a second connection while the live one is connected; waiting {}"
            + " for the live one to heartbeat", settings.takeoverWait());
        timers.startSingleTimer(ticks.takeoverWait(), ticks.takeoverWait(), settings.takeoverWait());
        timers.startTimerWithFixedDelay(ticks.recheckClaim(), ticks.recheckClaim(), RECHECK_CLAIM);
      }
      case STILL_WAITS -> { }
    }
  }

  /** The live connection heartbeats: it is alive, and a waiting claim is refused. */
  void heartbeat() {
    if (takeover.waiting()) refuse("the live connection is still heartbeating");
  }

  /** The live connection went away while a claim waited: the claimant registers now. */
  private void promote() {
    if (!takeover.waiting()) return;
    Takeover<ActorRef<NodeSocket.Command>> t = takeover;
    clear();
    ctx.getLog().info("node takeover: the live connection went away; the waiting one registers");
    host.accept(t.claimant(), t.facts());
  }

  /** The live connection stayed silent while the claim waited: the claimant takes over. */
  void takeoverWaitPassed() {
    if (!takeover.waiting()) return;
    ctx.getLog().info("node takeover: the live connection did not heartbeat within {}; the newer one takes over",
        settings.takeoverWait());
    Takeover<ActorRef<NodeSocket.Command>> t = takeover;
    clear();
    if (socket != null && host.state().connected()) replaceLive();
    host.accept(t.claimant(), t.facts());
  }

  /** The live connection's instance became unreachable while the claim waited (it crashed): the claimant takes over. */
  void recheckClaim() {
    if (!takeover.waiting() || socket == null || !host.state().connected() || !instanceLost()) return;
    ctx.getLog().info("node takeover: the live connection's instance became unreachable; the newer one takes over");
    Takeover<ActorRef<NodeSocket.Command>> t = takeover;
    clear();
    replaceLive();
    host.accept(t.claimant(), t.facts());
  }

  private void refuse(String why) {
    metrics.inc("node_takeover_refused_total");
    ctx.getLog().info("node takeover refused: {}", why);
    takeover.claimant().tell(new NodeSocket.CloseWith("NODE_ID_CONFLICT", "node id " + nodeId
        + " is held by a live connection (" + why + ")"));
    clear();
  }

  private void clear() {
    takeover = Takeover.none();
    timers.cancel(ticks.takeoverWait());
    timers.cancel(ticks.recheckClaim());
  }

  /**
   * Whether the live connection's socket actor is on another instance that the cluster sees as unreachable, or that
   * left it: then nothing will come from that connection again. (During a partition the agent may still be connected
   * there; the claim wins then, as it would have before node credentials existed.)
   */
  private boolean instanceLost() {
    Address address = socket.path().address();
    if (address.hasLocalScope()) return false;
    var cluster = Cluster.get(ctx.getSystem()).state();
    for (Member m : cluster.getUnreachable()) if (m.address().equals(address)) return true;
    for (Member m : cluster.getMembers()) if (m.address().equals(address)) return false;
    return true;
  }
}
