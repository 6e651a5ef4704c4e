package dev.polyglot.scheduler.http;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.polyglot.scheduler.edge.Admission;
import dev.polyglot.scheduler.edge.OpenSockets;
import dev.polyglot.scheduler.ops.LiveSessions;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * Draining this instance for a rolling update ({@code POST /api/v1/instance/drain}). From the call on, the instance
 * accepts no new WebSocket (503 {@code INSTANCE_DRAINING}) and {@code /ready} answers 503 with status
 * {@code draining}, so the load balancer stops sending it connections. Its clients' sessions go on while they have
 * something to finish: once no session opened through this instance is live, or at the latest after
 * {@code admin.instance-drain-grace}, every socket still open gets a normal close frame (as at a graceful stop: the
 * web clients and agents reconnect at once, through the load balancer, to another instance). When no socket is left
 * the drain is {@code drained} and {@code can_stop} is true: stopping the process then (SIGTERM) hands the session
 * and node entities it hosts to the other instances (with the Redis ledger the sessions continue there; with the
 * in-memory ledger there is nowhere to hand them). Idempotent; it cannot be undone (start the process again).
 *
 * <p>Lock-free: the phase is one atomic reference, moved forward by timer callbacks.
 */
final class InstanceDrain {
  enum Phase { SERVING, DRAINING, CLOSING, DRAINED }

  private static final Duration POLL = Duration.ofMillis(250);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

  private final ActorSystem<?> system;
  private final Duration grace;
  private final ActorRef<OpenSockets.Command> openSockets;
  private final Admission admission;
  private final IntSupplier sessionsHosted;
  private final LongSupplier wallClock;
  private final AtomicReference<Phase> phase = new AtomicReference<>(Phase.SERVING);
  private volatile long startedAtMs;
  private volatile long drainedAtMs;

  InstanceDrain(ActorSystem<?> system, Duration grace, ActorRef<OpenSockets.Command> openSockets, Admission admission,
                IntSupplier sessionsHosted, LongSupplier wallClock) {
    this.system = system;
    this.grace = grace;
    this.openSockets = openSockets;
    this.admission = admission;
    this.sessionsHosted = sessionsHosted;
    this.wallClock = wallClock;
  }

  /** Starts the drain; true the first time, false when it was already started. */
  boolean start() {
    if (!phase.compareAndSet(Phase.SERVING, Phase.DRAINING)) return false;
    startedAtMs = wallClock.getAsLong();
    system.log().info("instance drain started: no new connections; sockets close once their sessions are done or"
        + " after {}", grace);
    schedule(this::watch);
    return true;
  }

  Phase phase() {
    return phase.get();
  }

  /** True from the drain's start on: new WebSockets are refused and {@code /ready} says {@code draining}. */
  boolean refusing() {
    return phase.get() != Phase.SERVING;
  }

  private void watch() {
    Phase p = phase.get();
    if (p == Phase.DRAINING) {
      boolean quiet = LiveSessions.get(system).size() == 0;
      if (quiet || wallClock.getAsLong() - startedAtMs >= grace.toMillis()) {
        closeSockets();
        return;
      }
    }
    if (p == Phase.CLOSING && openSockets() == 0) {
      drainedAtMs = wallClock.getAsLong();
      phase.set(Phase.DRAINED);
      system.log().info("instance drained: no socket left; it can be stopped");
      return;
    }
    schedule(this::watch);
  }

  private void closeSockets() {
    phase.set(Phase.CLOSING);
    system.log().info("instance drain: closing {} sockets ({} live sessions)", openSockets(), LiveSessions.get(system).size());
    AskPattern.<OpenSockets.Command, OpenSockets.AllClosed>ask(openSockets, OpenSockets.CloseAll::new, CLOSE_TIMEOUT,
        system.scheduler()).whenComplete((ok, ex) -> {
          if (ex != null) system.log().warn("instance drain: sockets still open after {}", CLOSE_TIMEOUT);
        });
    schedule(this::watch);
  }

  private void schedule(Runnable r) {
    system.scheduler().scheduleOnce(POLL, r, system.executionContext());
  }

  private int openSockets() {
    return admission.openSockets(Admission.Kind.SESSION) + admission.openSockets(Admission.Kind.NODE);
  }

  /** The drain's state as the API reports it. */
  ObjectNode status(String instanceId, String store) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    Phase p = phase.get();
    o.put("instance_id", instanceId);
    o.put("state", p.name().toLowerCase(Locale.ROOT));
    o.put("draining", p != Phase.SERVING);
    if (p != Phase.SERVING) o.put("started_at_ms", startedAtMs);
    if (p == Phase.DRAINED) o.put("drained_at_ms", drainedAtMs);
    o.put("grace_ms", grace.toMillis());
    o.put("session_connections", admission.openSockets(Admission.Kind.SESSION));
    o.put("node_connections", admission.openSockets(Admission.Kind.NODE));
    o.put("live_sessions", LiveSessions.get(system).size());
    o.put("sessions_hosted", sessionsHosted.getAsInt());
    o.put("store", store);
    o.put("can_stop", p == Phase.DRAINED && openSockets() == 0);
    o.put("message", switch (p) {
      case SERVING -> "serving";
      case DRAINING -> "refusing new connections; waiting for this instance's sessions to finish";
      case CLOSING -> "closing the remaining sockets; their clients and agents reconnect elsewhere";
      case DRAINED -> "memory".equals(store)
          ? "no socket left: stop it now (the sessions it hosts end with it: the in-memory ledger keeps nothing)"
          : "no socket left: stop it now; the sessions it hosts continue on the other instances";
    });
    return o;
  }
}
