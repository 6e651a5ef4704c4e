package dev.polyglot.scheduler.it;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM of the instance hosting the sessions under load: coordinated shutdown hands them over, zero lost jobs,
 * and every WebSocket of the stopped instance ends with a close frame (issue 9), so its peers reconnect at once.
 */
class GracefulStopIT extends InstanceLossScenario {
  /** The scenario's peers are connected to instance 1; these are connected to the stopped instance itself. */
  private final Map<String, Peer> victimPeers = new LinkedHashMap<>();
  private String victimNodeId;
  private String victimSessionId;

  @Override
  void lose(SchedulerProcess victim) {
    victim.terminate();
  }

  @Override
  String how() {
    return "SIGTERM";
  }

  /** A node and a client on the victim, each proven live by one job end to end; no talker uses their languages. */
  @Override
  void beforeLoss(SchedulerProcess victim) {
    FakeNode node = FakeNode.ready(victim.httpPort, List.of("v1", "w1"));
    node.autoRespond(50);
    FakeClient client = FakeClient.connect(victim.httpPort);
    String sid = client.initOneWay("v1", "w1");
    client.speak(sid, 1);
    client.awaitResult(sid);
    victimPeers.put("node " + node.nodeId, node.peer);
    victimPeers.put("client of " + sid, client.peer);
    victimNodeId = node.nodeId;
    victimSessionId = sid;
  }

  /**
   * Every peer of the stopped instance saw a close frame 1000 and no {@code error} frame, and every entity behind
   * those sockets heard that they closed. The close frame carries no reason text: Pekko HTTP's public WebSocket
   * API ends a connection only by completing it (PROTOCOL.md §1), so the reason is printed, not asserted.
   */
  @Override
  void afterLoss(SchedulerProcess victim, long lostAtNanos) {
    Server.await(victim.name + " logged that its websockets closed", () -> victim.logged("all websockets closed"),
        Duration.ofSeconds(10));
    victim.log.stream().filter(l -> l.contains("CoordinatedShutdown") || l.contains("websockets"))
        .forEach(l -> System.out.println(victim.name + ": " + l));
    for (Map.Entry<String, Peer> e : victimPeers.entrySet()) {
      Peer p = e.getValue();
      assertTrue(p.awaitClosed(), e.getKey() + " on " + victim.name + " saw no close at all");
      int status = p.closed.join();
      System.out.printf("%s on %s: close %d, reason \"%s\", %d ms after SIGTERM%s%n", e.getKey(), victim.name,
          status, p.closeReason, (p.closedAtNanos - lostAtNanos) / 1_000_000,
          p.dropped == null ? "" : "; dropped: " + p.dropped);
      // -1: the connection ended without a close frame (the JDK client's onError; a browser reports 1006)
      assertEquals(1000, status, e.getKey() + " must see a close frame 1000, not a dropped connection");
      assertEquals(List.of(), p.all("error"), e.getKey() + " must get no error frame for an instance stop");
    }
    // the sockets closed while this instance's shard regions still ran, so the entities behind them heard it
    awaitLine("the node entity of " + victimNodeId + " went offline", List.of(one),
        l -> l.contains(victimNodeId) && l.contains("(socket closed)"));
    awaitLine("session " + victimSessionId + " ended", List.of(one, two, three),
        l -> l.contains("session " + victimSessionId + " ended with its socket"));
  }

  private static void awaitLine(String what, List<SchedulerProcess> where, Predicate<String> line) {
    Server.await(what, () -> where.stream().anyMatch(s -> s.log.stream().anyMatch(line)), Duration.ofSeconds(20));
    for (SchedulerProcess s : where) s.log.stream().filter(line).forEach(l -> System.out.println(s.name + ": " + l));
  }

  @Test
  void stoppingTheInstanceHostingTheSessionsGracefullyLosesNoJobAndClosesItsSockets() throws Exception {
    runScenario();
  }
}
