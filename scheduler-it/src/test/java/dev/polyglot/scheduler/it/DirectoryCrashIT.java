package dev.polyglot.scheduler.it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three scheduler JVMs; instance 1 (the oldest) hosts only the PoolDirectory singleton, node and session
 * entities live on instances 2 and 3, where nodes and clients connect. Instance 1 is killed with
 * {@code kill -9}: dispatchers keep placing from their last view, the directory restarts on a survivor with a
 * new epoch once the Split Brain Resolver has downed the dead member, and the nodes re-announce. Prints the
 * longest gap between two placements and the time until the new directory knows the nodes.
 */
class DirectoryCrashIT {
  static SchedulerProcess one;
  static SchedulerProcess two;
  static SchedulerProcess three;

  static List<String> settings(String role, String seed) {
    return List.of("scheduler.cluster.node-entity-role=entities", "scheduler.cluster.session-entity-role=entities",
        "scheduler.segmentation.hangover-auto=0ms", "scheduler.segmentation.hangover-manual=0ms",
        "scheduler.stats.snapshot-interval=500ms",
        "pekko.cluster.roles.0=" + role, "pekko.cluster.seed-nodes.0=" + seed);
  }

  @BeforeAll
  static void start() {
    SchedulerProcess.Ports p1 = SchedulerProcess.Ports.free();
    one = SchedulerProcess.start("dir-1", p1, settings("directory", p1.address()));
    Server.await("instance 1 ready", () -> one.ready() != null, Duration.ofSeconds(60));
    two = SchedulerProcess.start("dir-2", SchedulerProcess.Ports.free(), settings("entities", p1.address()));
    three = SchedulerProcess.start("dir-3", SchedulerProcess.Ports.free(), settings("entities", p1.address()));
    SchedulerProcess.awaitCluster(java.time.Duration.ofSeconds(90), one, two, three);
  }

  @AfterAll
  static void stop() {
    for (SchedulerProcess p : new SchedulerProcess[] {one, two, three}) {
      if (p != null) p.close();
    }
  }

  @Test
  void placementsGoOnWhenTheDirectorysInstanceIsKilled() throws Exception {
    FakeNode node = FakeNode.ready(three.httpPort, List.of("t1", "u1"));
    FakeClient client = FakeClient.connect(three.httpPort);
    String sid = client.initOneWay("t1", "u1");
    Server.await("the node is placeable from instance 3", () -> {
      client.chunk(sid, FakeClient.opusFrame(99));
      client.finalChunk(sid);
      try {
        Thread.sleep(300);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return !node.peer.all("job_assign").isEmpty();
    }, Duration.ofSeconds(30));
    node.succeed(node.awaitJob(), "warm", "up");
    client.awaitResult(sid);
    List<Long> placedAt = new ArrayList<>();
    long killedAt = 0;
    for (int i = 0; i < 60; i++) {
      if (i == 10) {
        killedAt = System.nanoTime();
        one.kill();
      }
      client.chunk(sid, FakeClient.opusFrame(i));
      client.finalChunk(sid);
      JsonNode job = node.awaitJob();
      placedAt.add(System.nanoTime());
      node.succeed(job, "t", "u");
      client.awaitResult(sid);
      Thread.sleep(150);
    }
    long maxGap = 0;
    for (int i = 1; i < placedAt.size(); i++) maxGap = Math.max(maxGap, (placedAt.get(i) - placedAt.get(i - 1)) / 1_000_000);
    Server.await("a new directory incarnation on a survivor", () -> two.logged("pool directory started with epoch")
        || three.logged("pool directory started with epoch"), Duration.ofSeconds(60));
    System.out.printf("directory host killed: %d placements in %d ms after the kill, the longest gap between two "
        + "placements %d ms (150 ms of it the client's pause)%n", placedAt.size() - 10,
        (placedAt.get(placedAt.size() - 1) - killedAt) / 1_000_000, maxGap);
    // a generous bound: the point is that placement never waits for the new directory (measured 0.7 s alone, 3.2 s
    // once on a loaded machine); the figure printed above is the one to read, and BENCHMARKS.md has the tight one
    assertTrue(maxGap < 10_000, "placements go on while the directory moves, the longest gap was " + maxGap + " ms");
    client.close();
    node.close();
  }
}
