package dev.polyglot.scheduler.it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The January and June 2026 agents read job_assign's cut flags differently (spec/BEHAVIOUR.md §7.3): each node gets
 * the flags of the dialect it registered with, over real sockets. The pause and the maximum duration are shortened so
 * a timer cut and a max-duration cut happen quickly; the gap cut, which races with the pause timer over a socket, is
 * covered by NodeSocketTest.
 */
class WireDialectIT {
  static Server server;

  @BeforeAll
  static void start() {
    server = Server.start("""
        scheduler.segmentation.pause = 800ms
        scheduler.segmentation.max-duration = 1000ms
        """);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void theJanuaryAgentGetsTheTimeoutFlagForTimerAndMaxDurationCuts() {
    FakeNode node = FakeNode.readyJanuary(server.port, List.of("ja", "jb"));
    List<String> flags = cutFlags(node, "ja", "jb");
    assertEquals(List.of("is_manual_cut", "is_timeout_triggered", "is_manual_cut", "is_timeout_triggered"), flags);
    assertEquals("2026-01", dialectShown(node.nodeId));
    node.close();
  }

  @Test
  void theJuneAgentGetsTheMaxDurationFlagForAMaxDurationCut() {
    FakeNode node = FakeNode.ready(server.port, List.of("wa", "wb"));
    List<String> flags = cutFlags(node, "wa", "wb");
    assertEquals(List.of("is_manual_cut", "is_max_duration_triggered", "is_manual_cut", "is_timeout_triggered"), flags);
    assertEquals("2026-06", dialectShown(node.nodeId));
    node.close();
  }

  /**
   * A manual cut; a long turn (max-duration cut, then the closing manual cut); a pause-timer cut. Returns the cut
   * flags of the four job_assigns in index order.
   */
  private static List<String> cutFlags(FakeNode node, String src, String tgt) {
    FakeClient client = FakeClient.connect(server.port);
    String sid = client.initOneWay(src, tgt);
    List<String> flags = new ArrayList<>();
    client.speak(sid, 1);
    flags.add(flagOf(answer(node)));
    for (int i = 0; i < 4; i++) client.chunk(sid, FakeClient.opusFrame(10 + i)); // 4 × 260 ms estimated ≥ 1000 ms
    flags.add(flagOf(answer(node)));
    client.speak(sid, 20);
    flags.add(flagOf(answer(node)));
    client.chunk(sid, FakeClient.opusFrame(30)); // then silence: the pause timer cuts
    flags.add(flagOf(answer(node)));
    for (int i = 0; i < 4; i++) client.awaitResult(sid);
    client.close();
    return flags;
  }

  private static JsonNode answer(FakeNode node) {
    JsonNode job = node.awaitJob();
    node.succeed(job, "text", "translation");
    return job;
  }

  /** The one {@code is_…} flag a job_assign carries as true, or {@code none}. */
  private static String flagOf(JsonNode job) {
    String found = "none";
    for (Iterator<String> it = job.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (f.startsWith("is_") && job.path(f).asBoolean()) {
        assertEquals("none", found, "one cut flag at most: " + job);
        found = f;
      }
    }
    return found;
  }

  private static String dialectShown(String nodeId) {
    String[] shown = {null};
    Server.await("the node in /api/v1/cluster", () -> {
      try {
        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.port + "/api/v1/cluster")).build(), HttpResponse.BodyHandlers.ofString()).body();
        for (JsonNode n : Peer.JSON.readTree(body).path("nodes")) {
          if (nodeId.equals(n.path("node_id").asText())) shown[0] = n.path("wire_dialect").asText(null);
        }
      } catch (Exception e) {
        return false;
      }
      return shown[0] != null;
    });
    return shown[0];
  }
}
