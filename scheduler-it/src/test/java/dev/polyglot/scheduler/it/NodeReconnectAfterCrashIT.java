package dev.polyglot.scheduler.it;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Without a node credential a live node id is not handed to a second connection at once (issue 10); but when the
 * instance holding the node's connection crashes, the agent reconnecting through another instance must not wait for
 * the takeover wait or the heartbeat timeout. Instance 1 (this JVM) hosts the node entities; the agent first connects
 * to instance 2 (its own JVM), which is killed with {@code kill -9}.
 */
class NodeReconnectAfterCrashIT {
  static Server one;
  static SchedulerProcess two;

  @BeforeAll
  static void start() {
    String common = """
        scheduler.cluster.node-entity-role = "nodes"
        scheduler.nodes.takeover-wait = 60s
        pekko.cluster.failure-detector.acceptable-heartbeat-pause = 3s
        pekko.cluster.split-brain-resolver.stable-after = 120s
        """;
    one = Server.start(common + "pekko.cluster.roles = [\"nodes\"]\n");
    two = SchedulerProcess.start("sched-2", SchedulerProcess.Ports.free(), List.of(
        "scheduler.cluster.node-entity-role=nodes", "scheduler.nodes.takeover-wait=60s",
        "pekko.cluster.seed-nodes.0=" + one.address(),
        "pekko.cluster.failure-detector.acceptable-heartbeat-pause=3s",
        "pekko.cluster.split-brain-resolver.stable-after=120s"));
    Server.await("two instances up", () -> one.runtime.upMembers() == 2 && two.ready() != null,
        java.time.Duration.ofSeconds(90));
  }

  @AfterAll
  static void stop() {
    if (two != null) two.close();
    if (one != null) one.close();
  }

  @Test
  void anAgentWhoseInstanceCrashedGetsItsIdBackThroughAnotherInstanceWithoutWaitingForTheTakeoverWait() {
    FakeNode before = FakeNode.connect(two.httpPort);
    before.register("gpu-crash", List.of("en"));
    before.heartbeat(10, 0);
    before.peer.await("node_status", m -> "ready".equals(m.path("status").asText()));
    assertTrue(one.node("gpu-crash").connected());
    two.kill();
    assertTrue(before.peer.awaitClosed(), "the agent sees its connection end");
    FakeNode after = FakeNode.connect(one.port);
    long t0 = System.nanoTime();
    assertEquals("gpu-crash", after.register("gpu-crash", List.of("en")));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf("agent re-registered through a surviving instance %d ms after its instance was killed"
        + " (takeover wait 60 s, heartbeat timeout 45 s)%n", ms);
    after.heartbeat(10, 0);
    after.peer.await("node_status", m -> "ready".equals(m.path("status").asText()));
    after.close();
  }
}
