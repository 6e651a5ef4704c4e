package dev.polyglot.scheduler.node;

import dev.polyglot.scheduler.api.NodeFacts;
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
 * instance is heard), an untrusted claim waiting for the id ({@link Takeover}) with its timers, and what sockets are
 * told when a connection is replaced or a claim refused. A collaborator owned by one NodeEntity and used only on its
 * thread; accepting a connection is its entity's business ({@link Host#accept}).
 *
 * <p>Lost when the entity stops: the connection and any waiting claim (the claimant's socket closes or registers
 * again with the next incarnation).
 */
final class NodeLink {

  /** What the link needs from its entity. */
  interface Host {
    /** Makes {@code connection} the node's one connection (after {@link #take}). */
    void accept(ActorRef<NodeSocket.Command> connection, NodeFacts facts);

    /** Whether the node is connected now (Offline is not). */
    boolean connected();

    /** The reservations the node holds, for the log of a replaced connection. */
    int reservations();
  }

  private static final Duration RECHECK_CLAIM = Duration.ofSeconds(1);

  private final ActorContext<NodeEntity.Command> ctx;
  private final TimerScheduler<NodeEntity.Command> timers;
  private final NodeEntity.Command takeoverWait;
  private final NodeEntity.Command recheckClaim;
  private final Duration takeoverWaitFor;
  private final String nodeId;
  private final Host host;
  private final Metrics metrics;
  private ActorRef<NodeSocket.Command> socket;
  /** The connection under death watch (the current one, or the last one). */
  private ActorRef<NodeSocket.Command> watched;
  private Takeover<ActorRef<NodeSocket.Command>> takeover = Takeover.none();

  NodeLink(ActorContext<NodeEntity.Command> ctx, TimerScheduler<NodeEntity.Command> timers,
           NodeEntity.Command takeoverWait, NodeEntity.Command recheckClaim, Duration takeoverWaitFor, String nodeId,
           Host host) {
    this.ctx = ctx;
    this.timers = timers;
    this.takeoverWait = takeoverWait;
    this.recheckClaim = recheckClaim;
    this.takeoverWaitFor = takeoverWaitFor;
    this.nodeId = nodeId;
    this.host = host;
    this.metrics = Metrics.get(ctx.getSystem());
  }

  /** The live connection, or null. */
  ActorRef<NodeSocket.Command> socket() {
    return socket;
  }

  boolean is(ActorRef<NodeSocket.Command> s) {
    return s.equals(socket);
  }

  /** Tells the live connection, if there is one. */
  void tell(NodeSocket.Command command) {
    if (socket != null) socket.tell(command);
  }

  /** {@code connection} becomes the live one; a claim by another connection is refused. */
  void take(ActorRef<NodeSocket.Command> connection) {
    if (takeover.waitingOtherThan(connection)) refuse("another connection registered this node id");
    clear();
    adopt(connection);
  }

  /** The live connection is learnt from its heartbeat (the entity was re-created), no claim involved. */
  void adopt(ActorRef<NodeSocket.Command> connection) {
    socket = connection;
    if (connection.equals(watched)) return;
    if (watched != null) ctx.unwatch(watched);
    watched = connection;
    ctx.watchWith(connection, new NodeEntity.SocketClosed(connection));
  }

  /** The live connection is gone. */
  void drop() {
    socket = null;
  }

  /** The live connection is closed for a newer one; reservations and live attempts are kept (B§2.1 step 5). */
  void replaceLive() {
    ctx.getLog().info("node connection replaced by a newer one; keeping {} reservations", host.reservations());
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
            + " for the live one to heartbeat", takeoverWaitFor);
        timers.startSingleTimer(takeoverWait, takeoverWait, takeoverWaitFor);
        timers.startTimerWithFixedDelay(recheckClaim, recheckClaim, RECHECK_CLAIM);
      }
      case STILL_WAITS -> { }
    }
  }

  /** The live connection heartbeats: it is alive, and a waiting claim is refused. */
  void heartbeat() {
    if (takeover.waiting()) refuse("the live connection is still heartbeating");
  }

  /** Whether {@code s} closing means the live connection is gone (a closing claimant just stops waiting). */
  boolean liveClosed(ActorRef<NodeSocket.Command> s) {
    if (takeover.isClaimant(s)) {
      clear();
      return false;
    }
    return s.equals(socket) && host.connected();
  }

  /** The live connection went away while a claim waited: the claimant registers now. */
  void promote() {
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
        takeoverWaitFor);
    Takeover<ActorRef<NodeSocket.Command>> t = takeover;
    clear();
    if (socket != null && host.connected()) replaceLive();
    host.accept(t.claimant(), t.facts());
  }

  /** The live connection's instance became unreachable while the claim waited (it crashed): the claimant takes over. */
  void recheckClaim() {
    if (!takeover.waiting() || socket == null || !host.connected() || !instanceLost()) return;
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
    timers.cancel(takeoverWait);
    timers.cancel(recheckClaim);
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
