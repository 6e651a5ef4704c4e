package dev.polyglot.scheduler.it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The instance hosting the PoolDirectory (the oldest) leaves: the singleton starts on a survivor with a new
 * epoch, the dispatchers ask the nodes they know to re-announce, and placement goes on. Node and session
 * entities live on the survivors (role "entities") so the test isolates the directory's move.
 */
class DirectoryFailoverIT {
  static final String COMMON = """
      scheduler.cluster.node-entity-role = "entities"
      scheduler.cluster.session-entity-role = "entities"
      """;
  static Server one;
  static Server two;
  static Server three;

  @BeforeAll
  static void start() {
    Server[] c = Server.cluster(COMMON, "", "\"entities\"", "\"entities\"");
    one = c[0];
    two = c[1];
    three = c[2];
  }

  @AfterAll
  static void stop() {
    Server.closeAll(three, two, one);
  }


  @Test
  void placementsGoOnWhenTheInstanceHostingThePoolDirectoryLeaves() {
    FakeNode node = FakeNode.ready(three.port, List.of("k1", "l1"));
    FakeClient client = FakeClient.connect(three.port);
    String sid = client.initOneWay("k1", "l1");
    Server.await("node placeable", () -> three.directoryView(node.nodeId).map(v -> v.status().name().equals("READY")).orElse(false));
    client.speak(sid, 1);
    node.succeed(node.awaitJob(), "before", "before");
    client.awaitResult(sid);

    long leftAt = System.nanoTime();
    one.close(); // the oldest member: it hosted the PoolDirectory
    one = null;
    Server.await("the directory answers from a survivor with the node re-announced", () -> {
      try {
        return three.directoryView(node.nodeId).isPresent();
      } catch (RuntimeException e) {
        return false;
      }
    });
    client.speak(sid, 2);
    JsonNode job = node.awaitJob();
    System.out.printf("placement resumed %d ms after the directory's instance left%n",
        (System.nanoTime() - leftAt) / 1_000_000);
    node.succeed(job, "after", "after");
    assertEquals(1, client.awaitResult(sid).path("utterance_index").asInt());

    FakeNode late = FakeNode.ready(two.port, List.of("k2", "l2"));
    FakeClient other = FakeClient.connect(two.port);
    String sid2 = other.initOneWay("k2", "l2");
    Server.await("a node registered after the move is placeable", () -> two.directoryView(late.nodeId).isPresent());
    other.speak(sid2, 3);
    assertEquals(sid2, late.awaitJob().path("session_id").asText());
    client.close();
    other.close();
    node.close();
    late.close();
  }
}
