package dev.polyglot.scheduler.node;

import dev.polyglot.scheduler.api.NodeFacts;
import dev.polyglot.scheduler.api.NodeStatus;

import dev.polyglot.scheduler.pool.NodeView;
import dev.polyglot.scheduler.pool.PoolMembership;
import dev.polyglot.scheduler.api.InstalledService;
import dev.polyglot.scheduler.api.ResourceUsage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Everything one node's entity decides, as an immutable value: registration, the health state machine,
 * capacity slots and reservations (spec/BEHAVIOUR.md §2–§3). Every operation returns a new state; times are
 * passed in (epoch milliseconds, for display only: every timeout is a timer of the owning actor).
 *
 * <p>Promises: a heartbeat never removes a live reservation; a reservation is granted only when all checks
 * of §3 pass, in their order, so a node never holds more than {@code max} reservations; a node that goes
 * Offline drops every reservation and hands back its dispatched attempts as lost.
 */
public final class NodeState {

  /** The settings this class decides with. */
  public record Limits(boolean requireGpu, int maxSlots, double thresholdPercent, int unhealthyToDegrade,
                       int givenRetained) {}

  /** The health underneath {@link NodeStatus}: draining and offline are shown on top of it. */
  public enum Health { REGISTERING, READY, DEGRADED }

  /** One granted slot for one attempt of one job. */
  public record Reservation(String jobId, int attemptId, String sessionId, int utteranceIndex,
                            boolean dispatched, long dispatchedAtMs) {}

  /** A job this node was given (job_assign written to it), kept to route late results and spot foreign ones. */
  public record Given(String jobId, String sessionId, int utteranceIndex, Set<Integer> attempts) {}

  /** A status change, for {@code node_status}, logs and the admin history. */
  public record Transition(NodeStatus from, NodeStatus to, String reason, long atMs) {}

  /** The answer to a reservation request. */
  public sealed interface ReserveDecision {
    record Granted(NodeState next, long seq) implements ReserveDecision {}

    record Refused(String reason) implements ReserveDecision {}
  }

  public static final String NOT_READY = "not_ready";
  public static final String DRAINING = "draining";
  public static final String CAPABILITY_NOT_READY = "capability_not_ready";
  public static final String OVER_THRESHOLD = "over_threshold";
  public static final String FULL = "full";
  public static final String EXCLUDED = "excluded";

  private static final List<String> CORE_TYPES = List.of("asr", "nmt", "tts");
  private static final int HISTORY = 20;

  private final String nodeId;
  private final Limits limits;
  private final boolean known;
  private final boolean connected;
  private final Health health;
  private final boolean draining;
  private final Boolean lastHeartbeatHealthy;
  private final int consecutiveUnhealthy;
  private final List<String> healthReasons;
  private final NodeFacts facts;
  private final ResourceUsage usage;
  private final long registeredAtMs;
  private final long lastHeartbeatMs;
  private final Map<String, Reservation> reservations;
  private final long reservationSeq;
  private final Map<String, Given> given;
  private final List<Transition> history;
  private final Set<String> pools;
  private final Set<String> readyTypes;

  private NodeState(Draft d) {
    this.nodeId = d.nodeId;
    this.limits = d.limits;
    this.known = d.known;
    this.connected = d.connected;
    this.health = d.health;
    this.draining = d.draining;
    this.lastHeartbeatHealthy = d.lastHeartbeatHealthy;
    this.consecutiveUnhealthy = d.consecutiveUnhealthy;
    this.healthReasons = List.copyOf(d.healthReasons);
    this.facts = d.facts;
    this.usage = d.usage;
    this.registeredAtMs = d.registeredAtMs;
    this.lastHeartbeatMs = d.lastHeartbeatMs;
    this.reservations = d.reservationsCopied ? Collections.unmodifiableMap(d.reservations) : d.reservations;
    this.reservationSeq = d.reservationSeq;
    this.given = d.givenCopied ? Collections.unmodifiableMap(d.given) : d.given;
    this.history = List.copyOf(d.history);
    // derived from the facts: recomputed only when the facts changed (a heartbeat usually changes none)
    boolean sameFacts = d.previousPools != null && d.facts != null && d.previousFacts != null
        && d.facts.languageCapabilities() == d.previousFacts.languageCapabilities()
        && d.facts.capabilityByType() == d.previousFacts.capabilityByType();
    this.pools = sameFacts ? d.previousPools
        : d.facts == null ? Set.of() : PoolMembership.poolsOf(d.facts.languageCapabilities());
    this.readyTypes = sameFacts ? d.previousReadyTypes : d.facts == null ? Set.of() : d.facts.readyTypes();
  }

  /** A node id nobody has registered yet (or whose record was forgotten). */
  public static NodeState unknown(String nodeId, Limits limits) {
    Draft d = new Draft();
    d.nodeId = nodeId;
    d.limits = limits;
    d.health = Health.REGISTERING;
    return new NodeState(d);
  }

  // ---------------------------------------------------------------- registration and connection

  /**
   * A registration accepted by the socket's checks. Reservations and dispatched attempts survive (takeover
   * by a newer connection keeps the agent's work); the health restarts at Registering with its warm-up.
   */
  public NodeState register(NodeFacts newFacts, long nowMs) {
    Draft d = draft();
    d.known = true;
    d.connected = true;
    d.health = Health.REGISTERING;
    d.lastHeartbeatHealthy = null;
    d.consecutiveUnhealthy = 0;
    d.healthReasons = List.of();
    d.facts = newFacts;
    d.registeredAtMs = nowMs;
    return d.transition(this, "registered", nowMs);
  }

  /**
   * A node known from the ledger (its entity was re-created after its instance died): registered but without
   * a connection until the node's next message, which then adopts it (see {@link #register}).
   */
  public NodeState restore(NodeFacts knownFacts, boolean wasDraining, long registeredAt) {
    Draft d = draft();
    d.known = true;
    d.connected = false;
    d.facts = knownFacts;
    d.draining = wasDraining;
    d.registeredAtMs = registeredAt;
    return new NodeState(d);
  }

  /** A repeated {@code node_register} on the same live connection: refresh what it says, keep the health. */
  public NodeState refresh(NodeFacts newFacts) {
    Draft d = draft();
    d.facts = newFacts;
    return new NodeState(d);
  }

  /** The socket closed or the heartbeat timed out: Offline now, every reservation dropped. */
  public NodeState disconnect(String reason, long nowMs) {
    Draft d = draft();
    d.connected = false;
    d.reservations = new LinkedHashMap<>();
    d.reservationsCopied = true;
    return d.transition(this, reason, nowMs);
  }

  /** The attempts that were dispatched here and are lost if the node goes Offline now. */
  public List<Reservation> dispatchedAttempts() {
    List<Reservation> out = new ArrayList<>();
    for (Reservation r : reservations.values()) if (r.dispatched()) out.add(r);
    return out;
  }

  // ---------------------------------------------------------------- health

  /** Stores usage and the lists present, evaluates health and moves the state machine (§2.2). */
  public NodeState heartbeat(ResourceUsage newUsage, NodeFacts newFacts, long nowMs) {
    Draft d = draft();
    d.usage = newUsage;
    d.facts = newFacts;
    d.lastHeartbeatMs = nowMs;
    List<String> reasons = unhealthyReasons(newUsage, newFacts);
    d.healthReasons = reasons;
    d.lastHeartbeatHealthy = reasons.isEmpty();
    if (reasons.isEmpty()) {
      d.consecutiveUnhealthy = 0;
      d.health = Health.READY;
      return d.transition(this, "healthy heartbeat", nowMs);
    }
    d.consecutiveUnhealthy = consecutiveUnhealthy + 1;
    if (health == Health.READY && d.consecutiveUnhealthy >= limits.unhealthyToDegrade()) {
      d.health = Health.DEGRADED;
    }
    return d.transition(this, "unhealthy heartbeat: " + String.join(", ", reasons), nowMs);
  }

  /** The warm-up ran out: a node still Registering becomes Degraded. */
  public NodeState warmupExpired(long nowMs) {
    if (health != Health.REGISTERING || !connected) return this;
    Draft d = draft();
    d.health = Health.DEGRADED;
    return d.transition(this, "no healthy heartbeat within the warm-up", nowMs);
  }

  public NodeState drain(long nowMs) {
    if (draining) return this;
    Draft d = draft();
    d.draining = true;
    return d.transition(this, "drain requested", nowMs);
  }

  /** Ends draining: Ready if the last heartbeat was healthy, Registering if there was none, else Degraded. */
  public NodeState undrain(long nowMs) {
    if (!draining) return this;
    Draft d = draft();
    d.draining = false;
    d.health = lastHeartbeatHealthy == null ? Health.REGISTERING
        : lastHeartbeatHealthy ? Health.READY : Health.DEGRADED;
    return d.transition(this, "undrain requested", nowMs);
  }

  List<String> unhealthyReasons(ResourceUsage u, NodeFacts f) {
    List<String> reasons = new ArrayList<>();
    if (limits.requireGpu() && f.hardware().gpuCount() == 0) reasons.add("no GPU");
    if (u != null && u.gpuPercent() != null && (u.gpuPercent() < 0 || u.gpuPercent() > 100)) {
      reasons.add("gpu_percent out of range");
    }
    for (String type : CORE_TYPES) {
      boolean running = false;
      for (InstalledService s : f.installedServices()) {
        if (type.equals(s.type()) && "running".equals(s.status())) running = true;
      }
      if (!running) reasons.add("no running " + type + " service");
    }
    return reasons;
  }

  // ---------------------------------------------------------------- capacity

  /** Decides one reservation in one step, checking in the order of §3. */
  public ReserveDecision reserve(String jobId, int attemptId, String sessionId, int utteranceIndex,
                                 Set<String> requiredTypes, Set<String> excluded) {
    if (!connected || health != Health.READY) return new ReserveDecision.Refused(NOT_READY);
    if (draining) return new ReserveDecision.Refused(DRAINING);
    if (!readyTypes.containsAll(requiredTypes)) return new ReserveDecision.Refused(CAPABILITY_NOT_READY);
    if (overThreshold()) return new ReserveDecision.Refused(OVER_THRESHOLD);
    if (freeSlots() <= 0) return new ReserveDecision.Refused(FULL);
    if (excluded.contains(nodeId)) return new ReserveDecision.Refused(EXCLUDED);
    String key = key(jobId, attemptId);
    if (reservations.containsKey(key)) return new ReserveDecision.Granted(this, reservationSeq);
    Draft d = draft();
    d.reservationsRw().put(key, new Reservation(jobId, attemptId, sessionId, utteranceIndex, false, 0));
    d.reservationSeq = reservationSeq + 1;
    return new ReserveDecision.Granted(new NodeState(d), d.reservationSeq);
  }

  /**
   * The job_assign for a granted reservation is being written to the node. Empty when the reservation is gone
   * (expired, or dropped by going Offline): the attempt is then lost.
   */
  public Optional<NodeState> dispatch(String jobId, int attemptId, long nowMs) {
    String key = key(jobId, attemptId);
    Reservation r = reservations.get(key);
    if (r == null || !connected) return Optional.empty();
    Draft d = draft();
    d.reservationsRw().put(key, new Reservation(jobId, attemptId, r.sessionId(), r.utteranceIndex(), true, nowMs));
    Given g = given.get(jobId);
    Set<Integer> attempts = new java.util.TreeSet<>(g == null ? Set.of() : g.attempts());
    attempts.add(attemptId);
    d.givenRw().remove(jobId);
    d.givenRw().put(jobId, new Given(jobId, r.sessionId(), r.utteranceIndex(), Set.copyOf(attempts)));
    while (d.given.size() > limits.givenRetained()) {
      String oldest = d.given.keySet().iterator().next();
      if (hasReservationFor(d.reservations, oldest)) break;
      d.givenRw().remove(oldest);
    }
    return Optional.of(new NodeState(d));
  }

  /** Frees the slot of one attempt (ended, cancelled, expired or answered). No-op when not held. */
  public NodeState release(String jobId, int attemptId) {
    String key = key(jobId, attemptId);
    if (!reservations.containsKey(key)) return this;
    Draft d = draft();
    d.reservationsRw().remove(key);
    return new NodeState(d);
  }

  /** Frees every slot this node holds for a job (a success or empty ack answers any attempt it was given). */
  public NodeState releaseJob(String jobId) {
    if (!hasReservationFor(reservations, jobId)) return this;
    Draft d = draft();
    d.reservationsRw().values().removeIf(r -> r.jobId().equals(jobId));
    return new NodeState(d);
  }

  /** Whether a reservation for this attempt is still waiting for its job_assign. */
  public boolean reservedNotDispatched(String jobId, int attemptId) {
    Reservation r = reservations.get(key(jobId, attemptId));
    return r != null && !r.dispatched();
  }

  public Optional<Given> given(String jobId) {
    return Optional.ofNullable(given.get(jobId));
  }

  public Optional<Reservation> reservation(String jobId, int attemptId) {
    return Optional.ofNullable(reservations.get(key(jobId, attemptId)));
  }

  // ---------------------------------------------------------------- reading

  public NodeStatus status() {
    if (!connected) return NodeStatus.OFFLINE;
    if (draining) return NodeStatus.DRAINING;
    return switch (health) {
      case REGISTERING -> NodeStatus.REGISTERING;
      case READY -> NodeStatus.READY;
      case DEGRADED -> NodeStatus.DEGRADED;
    };
  }

  public boolean overThreshold() {
    if (usage == null) return false;
    double t = limits.thresholdPercent();
    double gpu = usage.gpuPercent() == null ? 0 : usage.gpuPercent();
    return usage.cpuPercent() >= t || gpu >= t || usage.memPercent() >= t;
  }

  public int runningJobs() {
    return usage == null ? 0 : usage.runningJobs();
  }

  public int effectiveLoad() {
    return Math.max(runningJobs(), reservations.size());
  }

  public int freeSlots() {
    return Math.max(0, limits.maxSlots() - effectiveLoad());
  }

  /** The placement-relevant view announced to the PoolDirectory. */
  public NodeView view(long version) {
    return new NodeView(nodeId, version, connected, status() == NodeStatus.OFFLINE ? NodeStatus.OFFLINE : healthStatus(),
        draining, pools, readyTypes, overThreshold(), runningJobs(),
        reservations.size(), reservationSeq, limits.maxSlots());
  }

  private NodeStatus healthStatus() {
    return switch (health) {
      case REGISTERING -> NodeStatus.REGISTERING;
      case READY -> NodeStatus.READY;
      case DEGRADED -> NodeStatus.DEGRADED;
    };
  }

  public String nodeId() { return nodeId; }
  public boolean known() { return known; }
  public boolean connected() { return connected; }
  public Health health() { return health; }
  public boolean draining() { return draining; }
  public int consecutiveUnhealthy() { return consecutiveUnhealthy; }
  public List<String> healthReasons() { return healthReasons; }
  public NodeFacts facts() { return facts; }
  public Optional<ResourceUsage> usage() { return Optional.ofNullable(usage); }
  public long registeredAtMs() { return registeredAtMs; }
  public long lastHeartbeatMs() { return lastHeartbeatMs; }
  public Map<String, Reservation> reservations() { return reservations; }
  public long reservationSeq() { return reservationSeq; }
  public List<Transition> history() { return history; }
  public Set<String> pools() { return pools; }
  public Set<String> readyTypes() { return readyTypes; }
  public Limits limits() { return limits; }

  /** The newest status change, if the last operation made one. */
  public Optional<Transition> lastTransition() {
    return history.isEmpty() ? Optional.empty() : Optional.of(history.get(history.size() - 1));
  }

  private static String key(String jobId, int attemptId) {
    return jobId + '#' + attemptId;
  }

  private static boolean hasReservationFor(Map<String, Reservation> rs, String jobId) {
    for (Reservation r : rs.values()) if (r.jobId().equals(jobId)) return true;
    return false;
  }

  private Draft draft() {
    Draft d = new Draft();
    d.nodeId = nodeId;
    d.limits = limits;
    d.known = known;
    d.connected = connected;
    d.health = health;
    d.draining = draining;
    d.lastHeartbeatHealthy = lastHeartbeatHealthy;
    d.consecutiveUnhealthy = consecutiveUnhealthy;
    d.healthReasons = healthReasons;
    d.facts = facts;
    d.usage = usage;
    d.registeredAtMs = registeredAtMs;
    d.lastHeartbeatMs = lastHeartbeatMs;
    d.reservations = reservations;
    d.reservationSeq = reservationSeq;
    d.given = given;
    d.history = history;
    d.previousFacts = facts;
    d.previousPools = pools;
    d.previousReadyTypes = readyTypes;
    return d;
  }

  /** A mutable copy, used only while building the next immutable state. */
  private static final class Draft {
    String nodeId;
    Limits limits;
    boolean known;
    boolean connected;
    Health health;
    boolean draining;
    Boolean lastHeartbeatHealthy;
    int consecutiveUnhealthy;
    List<String> healthReasons = List.of();
    NodeFacts facts;
    ResourceUsage usage;
    long registeredAtMs;
    long lastHeartbeatMs;
    /** Shared with the previous state until the first change (copy on write: a heartbeat copies nothing). */
    Map<String, Reservation> reservations = Map.of();
    boolean reservationsCopied;
    long reservationSeq;
    Map<String, Given> given = Map.of();
    boolean givenCopied;

    Map<String, Reservation> reservationsRw() {
      if (!reservationsCopied) {
        reservations = new LinkedHashMap<>(reservations);
        reservationsCopied = true;
      }
      return reservations;
    }

    Map<String, Given> givenRw() {
      if (!givenCopied) {
        given = new LinkedHashMap<>(given);
        givenCopied = true;
      }
      return given;
    }
    List<Transition> history = List.of();
    NodeFacts previousFacts;
    Set<String> previousPools;
    Set<String> previousReadyTypes;

    /** Builds the state, recording a transition when the visible status changed. */
    NodeState transition(NodeState before, String reason, long nowMs) {
      NodeState after = new NodeState(this);
      NodeStatus from = before.known ? before.status() : NodeStatus.OFFLINE;
      if (from == after.status()) return after;
      List<Transition> h = new ArrayList<>(history);
      h.add(new Transition(from, after.status(), reason, nowMs));
      if (h.size() > HISTORY) h = h.subList(h.size() - HISTORY, h.size());
      this.history = h;
      return new NodeState(this);
    }
  }
}
