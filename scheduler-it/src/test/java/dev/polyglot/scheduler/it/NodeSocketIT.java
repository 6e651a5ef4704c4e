package dev.polyglot.scheduler.it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.polyglot.scheduler.api.NodeStatus;
import dev.polyglot.scheduler.pool.NodeView;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The node socket over real WebSockets: registration, health, pools, takeover, close and bad input. */
class NodeSocketIT {
  static Server server;

  @BeforeAll
  static void start() {
    server = Server.start("""
        scheduler.websocket.node-max-message = 64KiB
        scheduler.nodes.takeover-wait = 1s
        scheduler.stats.snapshot-interval = 200ms
        """);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void theRealAgentRegistersGetsAGeneratedIdAndIsReadyAfterItsFirstHeartbeat() {
    FakeNode n = FakeNode.connect(server.port);
    n.peer.send(FakeNode.registerJson(null, List.of("zh", "en"), true));
    JsonNode ack = n.peer.await("node_register_ack");
    assertTrue(ack.path("node_id").asText().matches("node-[0-9A-F]{8}"), ack.toString());
    assertEquals("Node registered successfully", ack.path("message").asText());
    assertEquals("registering", ack.path("status").asText());
    n.nodeId = ack.path("node_id").asText();
    n.heartbeat(10, 0);
    n.peer.await("node_status", m -> "ready".equals(m.path("status").asText()));
    assertEquals(NodeStatus.READY, server.node(n.nodeId).status());
    Server.await("node in its pools", () -> server.directoryView(n.nodeId)
        .map(v -> v.status() == NodeStatus.READY && v.pools().equals(Set.of("zh:zh", "zh:en", "en:zh", "en:en"))).orElse(false));
    n.close();
  }

  @Test
  void aSeedEraNodeJoinsThePoolsOfItsExplicitPairs() {
    FakeNode n = FakeNode.connect(server.port);
    String json = FakeNode.registerJson("seed-node-1", List.of("zh", "en"), true)
        .replace("\"semantic_core_ready\":true}", "\"semantic_core_ready\":true,\"supported_language_pairs\":[{\"src\":\"zh\",\"tgt\":\"ja\"}]}");
    n.peer.send(json);
    assertEquals("seed-node-1", n.peer.await("node_register_ack").path("node_id").asText());
    n.nodeId = "seed-node-1";
    n.heartbeat(10, 0);
    Server.await("seed node pools", () -> server.directoryView("seed-node-1")
        .map(v -> v.pools().equals(Set.of("zh:ja"))).orElse(false));
    n.close();
  }

  @Test
  void aNodeWithoutAGpuIsRefusedAndClosed() {
    FakeNode n = FakeNode.connect(server.port);
    n.peer.send(FakeNode.registerJson(null, List.of("en"), false));
    assertEquals("NO_GPU_AVAILABLE", n.peer.await("error").path("code").asText());
    assertTrue(n.peer.awaitClosed(), "the socket must be closed after the rejection");
  }

  @Test
  void aSchemaVersionOtherThanTwoIsRefused() {
    FakeNode n = FakeNode.connect(server.port);
    n.peer.send(FakeNode.registerJson(null, List.of("en"), true).replace("\"capability_schema_version\":\"2.0\"",
        "\"capability_schema_version\":\"1.0\""));
    assertEquals("INVALID_CAPABILITY_SCHEMA", n.peer.await("error").path("code").asText());
    assertTrue(n.peer.awaitClosed());
  }

  /** The agent reconnected while its old connection was dead but not closed: it waits out the takeover wait (1 s here). */
  @Test
  void aReconnectWithTheSameIdTakesOverFromASilentConnectionAndTheOldSocketIsClosed() {
    FakeNode first = FakeNode.ready(server.port, List.of("en"));
    FakeNode second = FakeNode.connect(server.port);
    assertEquals(first.nodeId, second.register(first.nodeId, List.of("en")));
    assertEquals("NODE_CONNECTION_REPLACED", first.peer.await("error").path("code").asText());
    assertTrue(first.peer.awaitClosed());
    second.heartbeat(10, 0);
    second.peer.await("node_status", m -> "ready".equals(m.path("status").asText()));
    assertTrue(server.node(first.nodeId).connected(), "the old socket closing must not take the node offline");
    second.close();
  }

  @Test
  void aNodeClosingItsSocketIsOfflineAtOnceAndLeavesItsPools() {
    FakeNode n = FakeNode.ready(server.port, List.of("zh", "en"));
    Server.await("in pools", () -> server.directoryView(n.nodeId).map(NodeView::connected).orElse(false));
    n.close();
    Server.await("offline", () -> server.node(n.nodeId).status() == NodeStatus.OFFLINE);
    Server.await("left pools", () -> server.directoryView(n.nodeId).map(v -> !v.connected()).orElse(false));
  }

  @Test
  void malformedJsonGetsAnErrorFrameAndTheConnectionStaysOpen() {
    FakeNode n = FakeNode.ready(server.port, List.of("en"));
    long before = server.metrics().value("invalid_message_total", "socket", "node", "code", "INVALID_MESSAGE");
    n.peer.send("{\"type\":\"node_heartbeat\", oops");
    JsonNode e = n.peer.await("error");
    assertEquals("INVALID_MESSAGE", e.path("code").asText());
    assertTrue(e.path("message").asText().startsWith("Invalid message format"), e.toString());
    assertEquals(before + 1, server.metrics().value("invalid_message_total", "socket", "node", "code", "INVALID_MESSAGE"));
    n.heartbeat(10, 0); // still open and served
    assertFalse(n.peer.closed.isDone());
    n.close();
  }

  @Test
  void repeatedBadInputWithinASecondGetsOnlyOneErrorFrame() {
    FakeNode n = FakeNode.ready(server.port, List.of("en"));
    n.peer.send("{\"type\":\"frobnicate\"}");
    assertTrue(n.peer.await("error").path("message").asText().contains("unknown message type: frobnicate"));
    n.peer.send("{\"type\":\"frobnicate\"}");
    n.peer.send("{}");
    n.peer.expectNone("error", Duration.ofMillis(500));
    n.close();
  }

  @Test
  void aRequiredFieldMissingOrWronglyTypedIsNamedInTheError() {
    FakeNode n = FakeNode.ready(server.port, List.of("en"));
    n.peer.send("{\"type\":\"node_heartbeat\",\"node_id\":\"" + n.nodeId + "\"}");
    assertTrue(n.peer.await("error").path("message").asText().contains("resource_usage"));
    assertEquals(NodeStatus.READY, server.node(n.nodeId).status(), "a rejected message changes nothing");
    n.close();
  }

  @Test
  void aHeartbeatBeforeRegistrationIsRefused() {
    FakeNode n = FakeNode.connect(server.port);
    n.nodeId = "node-unregistered";
    n.heartbeat(10, 0);
    assertEquals("NODE_NOT_REGISTERED", n.peer.await("error").path("code").asText());
    assertFalse(n.peer.closed.isDone());
    n.close();
  }

  @Test
  void aHeartbeatForAnotherNodesIdIsRefusedAndIgnored() {
    FakeNode n = FakeNode.ready(server.port, List.of("en"));
    n.peer.send("{\"type\":\"node_heartbeat\",\"node_id\":\"someone-else\",\"resource_usage\":{\"cpu_percent\":99,"
        + "\"gpu_percent\":99,\"mem_percent\":99,\"running_jobs\":4}}");
    assertEquals("INVALID_MESSAGE", n.peer.await("error").path("code").asText());
    assertFalse(server.node(n.nodeId).overThreshold(), "the foreign heartbeat must be ignored");
    n.close();
  }

  @Test
  void aMessageOverTheLimitClosesTheConnectionWithMessageTooBig() {
    FakeNode n = FakeNode.ready(server.port, List.of("en"));
    String big = "{\"type\":\"node_heartbeat\",\"pad\":\"" + "x".repeat(100 * 1024) + "\"}";
    n.peer.sendFragmented(big, 20);
    assertEquals("MESSAGE_TOO_BIG", n.peer.await("error").path("code").asText());
    assertTrue(n.peer.awaitClosed());
  }

  @Test
  void binaryFramesAreAnsweredWithAnError() {
    FakeNode n = FakeNode.ready(server.port, List.of("en"));
    n.peer.sendBinary(new byte[] {1, 2, 3});
    assertTrue(n.peer.await("error").path("message").asText().contains("binary"));
    n.close();
  }

  @Test
  void metricsCountBadInputInThePrometheusTextFormat() throws Exception {
    FakeNode n = FakeNode.ready(server.port, List.of("en"));
    n.peer.send("{\"type\":\"not_a_type\"}");
    n.peer.await("error");
    // the Prometheus client writes labels sorted by name
    String series = "scheduler_invalid_message_total{code=\"INVALID_MESSAGE\",socket=\"node\"}";
    java.util.concurrent.atomic.AtomicReference<java.net.http.HttpResponse<String>> last = new java.util.concurrent.atomic.AtomicReference<>();
    Server.await("the counter in /metrics (refreshed every 200 ms)", () -> {
      try {
        last.set(java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://127.0.0.1:" + server.port + "/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()));
        return last.get().body().contains(series);
      } catch (Exception e) {
        return false;
      }
    });
    var r = last.get();
    assertEquals(200, r.statusCode());
    assertTrue(r.body().contains("# TYPE scheduler_invalid_message_total counter"), r.body());
    assertTrue(r.body().contains("scheduler_invalid_message_total{code=\"INVALID_MESSAGE\",socket=\"node\"}"), r.body());
    n.close();
  }

  @Test
  void healthAnswersOkAndReadyAnswersItsJson() throws Exception {
    var client = java.net.http.HttpClient.newHttpClient();
    var health = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + server.port + "/health")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(200, health.statusCode());
    assertEquals("OK", health.body());
    assertTrue(health.headers().firstValue("content-type").orElse("").startsWith("text/plain"));
    var ready = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + server.port + "/ready")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(200, ready.statusCode());
    JsonNode body = Peer.JSON.readTree(ready.body());
    assertEquals("ready", body.path("status").asText());
    assertEquals("memory", body.path("store").asText());
    assertEquals("n/a", body.path("redis").asText());
    assertEquals(1, body.path("cluster_members").asInt());
  }
}
