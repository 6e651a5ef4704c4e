package dev.polyglot.scheduler.node;

import dev.polyglot.scheduler.api.NodeFacts;
import dev.polyglot.scheduler.api.NodeStatus;

import static dev.polyglot.scheduler.testkit.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.api.InstalledService;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NodeStateTest {
  private static final Set<String> CORE = Set.of("asr", "nmt", "tts");

  private static NodeState reserve(NodeState s, String job) {
    NodeState.ReserveDecision d = s.reserve(job, 1, "s-1", 0, CORE, Set.of());
    return ((NodeState.ReserveDecision.Granted) d).next();
  }

  private static String refusal(NodeState s) {
    NodeState.ReserveDecision d = s.reserve("job-x", 1, "s-1", 0, CORE, Set.of());
    return d instanceof NodeState.ReserveDecision.Refused r ? r.reason() : "granted";
  }

  @Test
  void registrationStartsRegisteringAndAHealthyHeartbeatMakesItReady() {
    NodeFacts f = agentFacts(List.of("zh", "en"));
    NodeState s = NodeState.unknown("node-1", LIMITS).register(f, 0);
    assertEquals(NodeStatus.REGISTERING, s.status());
    s = s.heartbeat(usage(10, 0), f, 1);
    assertEquals(NodeStatus.READY, s.status());
    assertEquals(Set.of("zh:zh", "zh:en", "en:zh", "en:en"), s.pools());
  }

  @Test
  void threeConsecutiveUnhealthyHeartbeatsDegradeAndOneHealthyRestores() {
    NodeState s = readyNode("node-1", List.of("zh", "en"));
    NodeFacts sick = s.facts().withHeartbeat(List.of(service("asr"), service("nmt")), null, null, null, null);
    s = s.heartbeat(usage(10, 0), sick, 2).heartbeat(usage(10, 0), sick, 3);
    assertEquals(NodeStatus.READY, s.status(), "two unhealthy heartbeats are not enough");
    s = s.heartbeat(usage(10, 0), sick, 4);
    assertEquals(NodeStatus.DEGRADED, s.status());
    assertTrue(s.healthReasons().contains("no running tts service"));
    s = s.heartbeat(usage(10, 0), agentFacts(List.of("zh", "en")), 5);
    assertEquals(NodeStatus.READY, s.status());
    assertEquals(0, s.consecutiveUnhealthy());
  }

  @Test
  void warmupExpiryDegradesOnlyANodeStillRegistering() {
    NodeFacts f = agentFacts(List.of("en"));
    NodeState registering = NodeState.unknown("n", LIMITS).register(f, 0);
    assertEquals(NodeStatus.DEGRADED, registering.warmupExpired(60_000).status());
    assertEquals(NodeStatus.READY, readyNode("n", List.of("en")).warmupExpired(60_000).status());
  }

  @Test
  void gpuPercentOutOfRangeIsUnhealthy() {
    NodeState s = readyNode("n", List.of("en"));
    var bad = new dev.polyglot.scheduler.api.ResourceUsage(10, 10, 0, 140.0, null, null);
    assertTrue(s.heartbeat(bad, s.facts(), 2).healthReasons().contains("gpu_percent out of range"));
  }

  @Test
  void reservationsStopAtTheSlotCountAndHeartbeatsNeverFreeThem() {
    NodeState s = readyNode("n", List.of("en"));
    for (int i = 0; i < 4; i++) s = reserve(s, "job-" + i);
    assertEquals("full", refusal(s));
    s = s.heartbeat(usage(10, 0), s.facts(), 9);
    assertEquals(4, s.reservations().size(), "a heartbeat with running_jobs 0 must not free reserved slots");
    assertEquals("full", refusal(s));
    assertEquals(4, s.reservationSeq());
    s = s.release("job-0", 1);
    assertEquals("granted", refusal(s));
  }

  @Test
  void runningJobsFromTheHeartbeatCountAgainstTheSlots() {
    NodeState s = readyNode("n", List.of("en"));
    s = s.heartbeat(usage(10, 4), s.facts(), 2);
    assertEquals("full", refusal(s));
  }

  @Test
  void refusalsFollowTheOrderOfTheChecks() {
    NodeFacts f = agentFacts(List.of("en"));
    assertEquals("not_ready", refusal(NodeState.unknown("n", LIMITS).register(f, 0)));
    assertEquals("not_ready", refusal(readyNode("n", List.of("en")).disconnect("closed", 3)));
    assertEquals("draining", refusal(readyNode("n", List.of("en")).drain(2)));
    NodeState noTts = readyNode("n", List.of("en"));
    noTts = noTts.heartbeat(usage(10, 0), noTts.facts().withHeartbeat(null,
        List.of(ready("asr"), ready("nmt")), null, null, null), 2);
    assertEquals("capability_not_ready", refusal(noTts));
    NodeState busy = readyNode("n", List.of("en"));
    assertEquals("over_threshold", refusal(busy.heartbeat(usage(85, 0), busy.facts(), 2)));
    assertEquals("granted", refusal(busy.heartbeat(usage(84, 0), busy.facts(), 2)));
    NodeState.ReserveDecision d = readyNode("n", List.of("en")).reserve("j", 1, "s", 0, CORE, Set.of("n"));
    assertEquals("excluded", ((NodeState.ReserveDecision.Refused) d).reason());
  }

  @Test
  void goingOfflineDropsReservationsAndHandsBackDispatchedAttempts() {
    NodeState s = reserve(reserve(readyNode("n", List.of("en")), "job-a"), "job-b");
    s = s.dispatch("job-a", 1, 5).orElseThrow();
    assertEquals(1, s.dispatchedAttempts().size());
    NodeState off = s.disconnect("socket closed", 6);
    assertEquals(NodeStatus.OFFLINE, off.status());
    assertTrue(off.reservations().isEmpty());
    assertFalse(off.view(1).connected());
    assertTrue(off.dispatch("job-b", 1, 7).isEmpty(), "a reservation dropped by going offline cannot be dispatched");
  }

  @Test
  void takeoverKeepsReservationsAndGivenJobs() {
    NodeState s = reserve(readyNode("n", List.of("en")), "job-a").dispatch("job-a", 1, 5).orElseThrow();
    NodeState again = s.register(agentFacts(List.of("en")), 10);
    assertEquals(1, again.reservations().size());
    assertTrue(again.given("job-a").isPresent());
    assertEquals(NodeStatus.REGISTERING, again.status());
  }

  @Test
  void undrainReturnsToWhatTheLastHeartbeatSaid() {
    NodeState ready = readyNode("n", List.of("en"));
    assertEquals(NodeStatus.DRAINING, ready.drain(2).status());
    assertEquals(NodeStatus.READY, ready.drain(2).undrain(3).status());
    NodeFacts f = agentFacts(List.of("en"));
    NodeState neverBeat = NodeState.unknown("n", LIMITS).register(f, 0).drain(1);
    assertEquals(NodeStatus.REGISTERING, neverBeat.undrain(2).status());
    NodeState sick = ready.heartbeat(usage(10, 0), f.withHeartbeat(List.<InstalledService>of(), null, null, null, null), 2);
    assertEquals(NodeStatus.DEGRADED, sick.drain(3).undrain(4).status());
  }

  @Test
  void statusHistoryKeepsTheLastTwentyTransitions() {
    NodeState s = readyNode("n", List.of("en"));
    for (int i = 0; i < 30; i++) s = s.drain(i).undrain(i);
    assertEquals(20, s.history().size());
  }
}
