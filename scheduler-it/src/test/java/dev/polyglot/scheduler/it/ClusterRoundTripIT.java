package dev.polyglot.scheduler.it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three scheduler instances in one JVM, joined into one cluster on loopback. Roles pin the entities: node
 * entities on instance 1, session entities on instance 2; the node connects to instance 1 and the client to
 * instance 3, so the audio crosses instances twice (3 → 2 → 1) and the result comes back (1 → 2 → 3).
 */
class ClusterRoundTripIT {
  static final String COMMON = """
      scheduler.cluster.node-entity-role = "nodes"
      scheduler.cluster.session-entity-role = "sessions"
      scheduler.stats.snapshot-interval = 500ms
      """;
  static Server one;
  static Server two;
  static Server three;

  @BeforeAll
  static void start() {
    Server[] c = Server.cluster(COMMON, "\"nodes\"", "\"sessions\"", "");
    one = c[0];
    two = c[1];
    three = c[2];
  }

  @AfterAll
  static void stop() {
    Server.closeAll(three, two, one);
  }

  static JsonNode cluster(Server s) {
    try {
      var r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
          java.net.URI.create("http://127.0.0.1:" + s.port + "/api/v1/cluster")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode());
      return Peer.JSON.readTree(r.body());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /**
   * Issue 14: the client's socket on instance 3, its session entity on 2, the node's entity on 1: every instance's
   * admin API finds the job, the session and the node, and the stats count the session wherever they are asked.
   */
  @Test
  void theAdminApiAndTheStatsAnswerForEntitiesOnOtherInstances() {
    FakeNode node = FakeNode.ready(one.port, List.of("k1", "k2"));
    node.keepHeartbeating(300);
    FakeClient client = FakeClient.connect(three.port);
    String sid = client.initOneWay("k1", "k2");
    client.speak(sid, 1);
    JsonNode job = node.awaitJob();
    node.succeed(job, "hi", "hallo");
    client.awaitResult(sid);
    String jobId = job.path("job_id").asText();
    Server.await("the job found from instance 3 (its session lives on 2)",
        () -> Api.get(three.port, "/api/v1/jobs/" + jobId).status() == 200);
    JsonNode j = Api.json(three.port, "/api/v1/jobs/" + jobId);
    assertEquals(sid, j.path("session_id").asText());
    assertEquals("completed", j.path("state").asText());
    assertEquals(node.nodeId, j.path("attempts").get(0).path("node_id").asText());
    assertEquals("active", Api.json(one.port, "/api/v1/sessions/" + sid).path("state").asText());
    assertEquals(200, Api.get(two.port, "/api/v1/nodes/" + node.nodeId).status());
    Api.Response drained = Api.post(three.port, "/api/v1/nodes/" + node.nodeId + "/drain", null);
    assertEquals(200, drained.status(), drained.body());
    assertTrue(drained.json().path("draining").asBoolean());
    assertEquals(200, Api.post(two.port, "/api/v1/nodes/" + node.nodeId + "/undrain", null).status());
    Server.await("the session counted by the stats of instance 1", () -> {
      JsonNode stats = Api.json(one.port, "/api/v1/stats");
      return stats.path("web_clients").path("active_users").asInt() == 1
          && Api.json(one.port, "/api/v1/sessions").toString().contains(sid)
          && Api.json(one.port, "/api/v1/metrics").path("scheduler").path("instances").size() == 3;
    });
    client.close();
    node.close();
  }

  @Test
  void apiClusterShowsEveryInstanceAndNodeInLinguasShapeFromAnyInstance() {
    FakeNode node = FakeNode.ready(one.port, List.of("g2", "h2"));
    Server.await("the node and all three instances in /api/v1/cluster of instance 3", () -> {
      JsonNode c = cluster(three);
      if (c.path("total_instances").asInt() != 3) return false;
      for (JsonNode n : c.path("nodes")) {
        if (n.path("node_id").asText().equals(node.nodeId) && "Ready".equals(n.path("status").asText())) return true;
      }
      return false;
    });
    JsonNode c = cluster(three);
    assertEquals(3, c.path("total_instances").asInt());
    assertEquals(3, c.path("online_instances").asInt());
    assertEquals("lingua", c.path("redis_key_prefix").asText());
    JsonNode n = null;
    for (JsonNode x : c.path("nodes")) if (x.path("node_id").asText().equals(node.nodeId)) n = x;
    assertNotNull(n);
    assertTrue(n.path("online").asBoolean());
    assertEquals(4, n.path("max_concurrent_jobs").asInt());
    assertEquals("linux", n.path("platform").asText());
    assertEquals(41.0, n.path("gpu_usage").asDouble());
    assertEquals("Asr", n.path("services").get(0).path("service_type").asText());
    assertEquals("Running", n.path("services").get(0).path("status").asText());
    boolean lexicon = false;
    for (JsonNode cap : n.path("capabilities")) {
      if ("Lexicon".equals(cap.path("service_type").asText())) lexicon = !cap.path("ready").asBoolean();
    }
    assertTrue(lexicon, "capabilities mirror capability_by_type, lexicon not ready");
    int owned = 0;
    for (JsonNode i : c.path("instances")) {
      owned += i.path("nodes_owned").asInt();
      assertTrue(i.path("is_online").asBoolean());
      assertFalse(i.path("instance_id").asText().isEmpty());
    }
    assertTrue(owned >= 1);
    node.close();
  }

  @Test
  void aFiveHundredKibibyteUtteranceCrossesThreeInstancesIntactAndItsResultComesBack() {
    FakeNode node = FakeNode.ready(one.port, List.of("g1", "h1"));
    Server.await("node known to the session's instance", () -> two.directoryView(node.nodeId)
        .map(v -> v.status().name().equals("READY")).orElse(false));
    FakeClient client = FakeClient.connect(three.port);
    String sid = client.initOneWay("g1", "h1");
    byte[] audio = new byte[512_000];
    new Random(11).nextBytes(audio);
    client.peer.send("{\"type\":\"utterance\",\"session_id\":\"" + sid + "\",\"utterance_index\":0,\"manual_cut\":true,"
        + "\"src_lang\":\"g1\",\"tgt_lang\":\"h1\",\"audio\":\"" + Base64.getEncoder().encodeToString(audio)
        + "\",\"audio_format\":\"opus\",\"sample_rate\":16000,\"pipeline\":{\"use_asr\":true,\"use_nmt\":true,\"use_tts\":false}}");
    JsonNode job = node.awaitJob();
    assertArrayEquals(audio, Base64.getDecoder().decode(job.path("audio").asText()));
    assertTrue(job.path("is_manual_cut").asBoolean());
    assertFalse(job.path("pipeline").path("use_tts").asBoolean(), "the utterance's pipeline reaches the node");
    node.succeed(job, "across", "the cluster");
    JsonNode r = client.awaitResult(sid);
    assertEquals("the cluster", r.path("text_translated").asText());
    client.close();
    node.close();
  }

  /** Issue 11: a result with more TTS audio than Artery's ordinary 2 MiB frame crosses instances twice, intact. */
  @Test
  void aResultWithThreeMebibytesOfTtsAudioCrossesTwoInstancesIntact() {
    FakeNode node = FakeNode.ready(one.port, List.of("g3", "h3"));
    Server.await("node known to the session's instance", () -> two.directoryView(node.nodeId)
        .map(v -> v.status().name().equals("READY")).orElse(false));
    FakeClient client = FakeClient.connect(three.port);
    String sid = client.initOneWay("g3", "h3");
    client.speak(sid, 3);
    JsonNode job = node.awaitJob();
    byte[] tts = new byte[3 * 1024 * 1024];
    new Random(13).nextBytes(tts);
    String b64 = Base64.getEncoder().encodeToString(tts);
    node.peer.send("{\"type\":\"job_result\",\"job_id\":\"" + job.path("job_id").asText() + "\",\"attempt_id\":"
        + job.path("attempt_id").asInt() + ",\"node_id\":\"" + node.nodeId + "\",\"session_id\":\"" + sid
        + "\",\"utterance_index\":" + job.path("utterance_index").asInt() + ",\"success\":true,\"text_asr\":\"big\","
        + "\"text_translated\":\"audio\",\"tts_audio\":\"" + b64 + "\",\"tts_format\":\"opus\",\"processing_time_ms\":9}");
    JsonNode r = client.awaitResult(sid);
    assertArrayEquals(tts, Base64.getDecoder().decode(r.path("tts_audio").asText()), "the TTS audio arrives intact");
    client.close();
    node.close();
  }
}
