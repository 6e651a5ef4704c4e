package dev.polyglot.scheduler.it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The admin API (spec/BEHAVIOUR.md §14) as an operator uses it, against one real instance. */
class AdminApiIT {
  static final String TOKEN = "admin-secret";
  static Server server;

  @BeforeAll
  static void start() {
    server = Server.start("scheduler.stats.snapshot-interval = 200ms\nscheduler.admin.token = \"" + TOKEN + "\"\n");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void drainStopsNewAttemptsOnTheNodeWhileItsInFlightAttemptFinishesAndUndrainGivesItJobsAgain() {
    FakeNode a = FakeNode.ready(server.port, List.of("a1", "a2"));
    FakeClient client = FakeClient.connect(server.port);
    String sid = client.initOneWay("a1", "a2");
    client.speak(sid, 1);
    JsonNode inFlight = a.awaitJob(); // only a serves a1:a2 so far

    assertEquals(401, Api.post(server.port, "/api/v1/nodes/" + a.nodeId + "/drain", null).status(), "no token");
    assertEquals(401, Api.post(server.port, "/api/v1/nodes/" + a.nodeId + "/drain", "wrong").status(), "wrong token");
    Api.Response drained = Api.post(server.port, "/api/v1/nodes/" + a.nodeId + "/drain", TOKEN);
    assertEquals(200, drained.status(), drained.body());
    assertTrue(drained.json().path("draining").asBoolean());
    assertEquals("draining", drained.json().path("status").asText());
    Api.Response again = Api.post(server.port, "/api/v1/nodes/" + a.nodeId + "/drain", TOKEN);
    assertEquals(200, again.status(), "drain is idempotent");
    assertTrue(again.json().path("draining").asBoolean());

    FakeNode b = FakeNode.ready(server.port, List.of("a1", "a2"));
    client.speak(sid, 2);
    JsonNode second = b.awaitJob();
    b.succeed(second, "two", "zwei");
    a.succeed(inFlight, "one", "eins"); // the drained node's running attempt finishes and its result counts
    assertEquals("one", client.awaitResult(sid).path("text_asr").asText());
    assertEquals("two", client.awaitResult(sid).path("text_asr").asText());
    client.speak(sid, 3);
    b.succeed(b.awaitJob(), "three", "drei");
    client.awaitResult(sid);
    a.peer.expectNone("job_assign", Duration.ofMillis(300));

    JsonNode detail = Api.json(server.port, "/api/v1/nodes/" + a.nodeId);
    assertTrue(detail.path("draining").asBoolean());
    assertTrue(detail.path("status_history").toString().contains("\"to\":\"draining\""), detail.toString());

    Api.Response undrained = Api.post(server.port, "/api/v1/nodes/" + a.nodeId + "/undrain", TOKEN);
    assertEquals(200, undrained.status());
    assertFalse(undrained.json().path("draining").asBoolean());
    assertEquals(200, Api.post(server.port, "/api/v1/nodes/" + b.nodeId + "/drain", TOKEN).status());
    client.speak(sid, 4);
    a.succeed(a.awaitJob(), "four", "vier");
    assertEquals("four", client.awaitResult(sid).path("text_asr").asText());
    Api.post(server.port, "/api/v1/nodes/" + b.nodeId + "/undrain", TOKEN);
    client.close();
    a.close();
    b.close();
  }

  @Test
  void nodesAreListedSortedWithTheirSummaryAndTheDetailAddsWhatTheNodeReported() {
    FakeNode n = FakeNode.ready(server.port, List.of("b1", "b2"));
    n.keepHeartbeating(300); // as a real agent: the node's entity reports itself while it hears from it
    Server.await("the node in /api/v1/nodes", () -> Api.json(server.port, "/api/v1/nodes").toString().contains(n.nodeId));
    JsonNode nodes = Api.json(server.port, "/api/v1/nodes").path("nodes");
    List<String> ids = new java.util.ArrayList<>();
    nodes.forEach(x -> ids.add(x.path("node_id").asText()));
    assertEquals(ids.stream().sorted().toList(), ids, "sorted by node_id");
    JsonNode summary = null;
    for (JsonNode x : nodes) if (x.path("node_id").asText().equals(n.nodeId)) summary = x;
    assertNotNull(summary);
    for (String field : new String[] {"status", "connected", "draining", "platform", "version", "registered_at_ms",
        "last_heartbeat_ms", "gpu_count", "usage", "running_jobs", "reservations", "effective_load",
        "max_concurrent_jobs", "free_slots", "over_threshold", "pools", "ready_types"}) {
      assertTrue(summary.has(field), "NodeSummary has " + field + ": " + summary);
    }
    assertEquals("ready", summary.path("status").asText());
    assertEquals(4, summary.path("free_slots").asInt());
    assertEquals(1, summary.path("gpu_count").asInt());
    assertTrue(summary.path("pools").toString().contains("b1:b2"));

    JsonNode detail = Api.json(server.port, "/api/v1/nodes/" + n.nodeId);
    assertEquals(16, detail.path("hardware").path("cpu_cores").asInt(), detail.toString());
    assertTrue(detail.path("installed_services").size() > 0);
    assertTrue(detail.path("capability_by_type").size() > 0);
    assertTrue(detail.path("language_capabilities").path("asr_languages").toString().contains("b1"));
    assertTrue(detail.path("health").path("healthy").asBoolean());
    assertEquals("ready", detail.path("status_history").get(detail.path("status_history").size() - 1).path("to").asText());
    assertTrue(detail.path("metrics").path("processing_metrics").has("serviceEfficiencies"));
    n.close();
  }

  @Test
  void unknownIdsAreAnswered404WithoutCreatingAnything() {
    Api.Response node = Api.get(server.port, "/api/v1/nodes/node-NOPE");
    assertEquals(404, node.status());
    assertEquals("NOT_FOUND", node.json().path("error").asText());
    assertEquals(404, Api.post(server.port, "/api/v1/nodes/node-NOPE/drain", TOKEN).status());
    assertEquals(404, Api.get(server.port, "/api/v1/sessions/s-NOPE").status());
    assertEquals(404, Api.get(server.port, "/api/v1/jobs/job-" + java.util.UUID.randomUUID()).status());
    assertEquals(404, Api.get(server.port, "/api/v1/nodes/bad%20id").status());
    assertFalse(Api.json(server.port, "/api/v1/nodes").toString().contains("node-NOPE"), "no node was created");
  }

  @Test
  void aSessionAndItsJobsAreShownWithTheirStateAttemptsAndTimings() {
    FakeNode n = FakeNode.ready(server.port, List.of("c1", "c2"));
    FakeClient client = FakeClient.connect(server.port);
    String sid = client.initOneWay("c1", "c2");
    client.speak(sid, 1);
    JsonNode job = n.awaitJob();
    String jobId = job.path("job_id").asText();

    JsonNode live = Api.json(server.port, "/api/v1/jobs/" + jobId);
    assertEquals("dispatched", live.path("state").asText(), live.toString());
    n.succeed(job, "hello", "hallo");
    client.awaitResult(sid);

    JsonNode session = Api.json(server.port, "/api/v1/sessions/" + sid);
    assertEquals(sid, session.path("session_id").asText());
    assertEquals("active", session.path("state").asText());
    assertEquals("c1", session.path("src_lang").asText());
    assertEquals("c2", session.path("tgt_lang").asText());
    assertEquals(n.nodeId, session.path("affinity_node_id").asText());
    assertTrue(session.path("created_at_ms").asLong() > 0);
    assertEquals(1, session.path("collecting").path("index").asInt(), session.toString());
    assertEquals(jobId, session.path("jobs").get(0).path("job_id").asText());
    assertEquals("completed", session.path("jobs").get(0).path("state").asText());

    JsonNode done = Api.json(server.port, "/api/v1/jobs/" + jobId);
    assertEquals(sid, done.path("session_id").asText());
    assertEquals("completed", done.path("state").asText());
    assertEquals("c1:c2", done.path("pool").asText());
    assertEquals(n.nodeId, done.path("attempts").get(0).path("node_id").asText());
    assertEquals("completed", done.path("attempts").get(0).path("state").asText());
    assertTrue(done.path("attempts").get(0).path("dispatched_at_ms").asLong() > 0);
    assertTrue(done.path("finished_at_ms").asLong() >= done.path("created_at_ms").asLong());
    assertTrue(done.path("timings").has("queue_ms") && done.path("timings").has("processing_ms")
        && done.path("timings").has("total_ms"), done.toString());
    assertEquals("manual", done.path("flags").path("cut").asText());

    Server.await("the session in /api/v1/sessions",
        () -> Api.json(server.port, "/api/v1/sessions").toString().contains(sid));
    client.close();
    Server.await("the session gone from /api/v1/sessions/{id}",
        () -> Api.get(server.port, "/api/v1/sessions/" + sid).status() == 404);
    n.close();
  }

  @Test
  void poolsShowTheirNodesEligibleAndSelectableOnesAndFreeSlots() {
    FakeNode one = FakeNode.ready(server.port, List.of("p1", "p2"));
    FakeNode two = FakeNode.ready(server.port, List.of("p1", "p2"));
    assertEquals(200, Api.post(server.port, "/api/v1/nodes/" + two.nodeId + "/drain", TOKEN).status());
    Server.await("pool p1:p2 with one eligible of two nodes", () -> {
      JsonNode pool = pool("p1:p2");
      return pool != null && pool.path("nodes").asInt() == 2 && pool.path("eligible_nodes").asInt() == 1;
    });
    JsonNode pool = pool("p1:p2");
    assertEquals("p1", pool.path("src").asText());
    assertEquals("p2", pool.path("tgt").asText());
    assertEquals(1, pool.path("selectable_nodes").asInt());
    assertEquals(4, pool.path("free_slots").asInt(), "the free slots of the eligible node");
    assertEquals(0, pool.path("pending_jobs").asInt());
    assertTrue(pool.path("node_ids").toString().contains(one.nodeId) && pool.path("node_ids").toString().contains(two.nodeId));
    one.close();
    two.close();
  }

  private static JsonNode pool(String pair) {
    for (JsonNode p : Api.json(server.port, "/api/v1/pools").path("pools")) {
      if (p.path("pair").asText().equals(pair)) return p;
    }
    return null;
  }
}
