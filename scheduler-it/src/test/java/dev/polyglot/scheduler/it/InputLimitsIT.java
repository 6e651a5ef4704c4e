package dev.polyglot.scheduler.it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Field caps (README "Input limits") over real sockets, on the default frame limits: a field over its cap gets
 * {@code error INVALID_MESSAGE} naming it, nothing of the message is kept, and the connection stays open.
 */
class InputLimitsIT {
  static Server server;

  @BeforeAll
  static void start() {
    server = Server.start("scheduler.nodes.require-gpu = false");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void aSessionInitWithAMegabyteTraceIdIsRefusedNamingTheFieldAndCreatesNoSession() {
    FakeClient c = FakeClient.connect(server.port);
    long created = server.metrics().value("sessions_created_total");
    String trace = "t".repeat(1_000_000);
    c.peer.send("{\"type\":\"session_init\",\"client_version\":\"web-client-v1.0\",\"platform\":\"web\",\"src_lang\":\"zh\","
        + "\"tgt_lang\":\"en\",\"mode\":\"one_way\",\"trace_id\":\"" + trace + "\",\"tenant_id\":null}");
    JsonNode e = c.peer.await("error");
    assertEquals("INVALID_MESSAGE", e.path("code").asText());
    assertEquals("Invalid message format: field trace_id: longer than 128 characters", e.path("message").asText());
    c.peer.expectNone("session_init_ack", Duration.ofMillis(500));
    assertEquals(created, server.metrics().value("sessions_created_total"), "no session was created");
    String sid = c.initOneWay("zh", "en"); // the connection is kept and serves a valid init
    assertTrue(sid.matches("s-[0-9A-F]{32}"), sid);
    assertEquals(created + 1, server.metrics().value("sessions_created_total"));
    c.close();
  }

  @Test
  void anUtteranceOverTheUtteranceBufferIsRefusedAndCreatesNoJob() {
    FakeClient c = FakeClient.connect(server.port);
    String sid = c.initOneWay("zh", "en");
    long jobs = server.metrics().value("jobs_created_total", "path", "utterance");
    String audio = Base64.getEncoder().encodeToString(new byte[2_000_000]);
    c.peer.send("{\"type\":\"utterance\",\"session_id\":\"" + sid + "\",\"utterance_index\":0,\"audio\":\"" + audio + "\"}");
    JsonNode e = c.peer.await("error");
    assertEquals("Invalid message format: field audio: larger than 512000 bytes", e.path("message").asText());
    c.heartbeat(sid);
    c.peer.await("server_heartbeat"); // handled after the utterance: it would have been claimed by now
    assertEquals(jobs, server.metrics().value("jobs_created_total", "path", "utterance"));
    c.close();
  }

  @Test
  void aNodeIdWithANewlineIsRefusedAndTheNodeIsNotRegistered() {
    FakeNode n = FakeNode.connect(server.port);
    long registered = server.metrics().value("node_registrations_total");
    n.peer.send(FakeNode.registerJson("gpu-evil", List.of("zh", "en"), true)
        .replace("\"gpu-evil\"", "\"gpu-7\\nINFO forged log line\""));
    JsonNode e = n.peer.await("error");
    assertEquals("INVALID_MESSAGE", e.path("code").asText());
    assertEquals("Invalid message format: field node_id: contains a character outside [A-Za-z0-9._:@/+=~-]",
        e.path("message").asText());
    n.peer.expectNone("node_register_ack", Duration.ofMillis(500));
    assertEquals(registered, server.metrics().value("node_registrations_total"));
    assertFalse(n.peer.closed.isDone(), "the connection stays open for a valid registration");
    assertEquals("gpu-7", n.register("gpu-7", List.of("zh", "en")));
    n.close();
  }

  @Test
  void aHeartbeatWithAnInfiniteCpuPercentIsRefusedAndTheClusterApiNeverShowsInfinity() throws Exception {
    FakeNode n = FakeNode.ready(server.port, List.of("zh", "en"));
    n.peer.send("{\"type\":\"node_heartbeat\",\"node_id\":\"" + n.nodeId + "\",\"resource_usage\":{\"cpu_percent\":1e400,"
        + "\"gpu_percent\":0,\"mem_percent\":48.1,\"running_jobs\":0}}");
    JsonNode e = n.peer.await("error");
    assertEquals("Invalid message format: field resource_usage.cpu_percent: must be a finite number",
        e.path("message").asText());
    n.heartbeat(12.5, 0); // a valid one afterwards is served
    String[] body = {null};
    Server.await("the node in /api/v1/cluster", () -> {
      try {
        body[0] = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.port + "/api/v1/cluster")).build(), HttpResponse.BodyHandlers.ofString()).body();
        return body[0].contains(n.nodeId);
      } catch (Exception x) {
        return false;
      }
    });
    assertFalse(body[0].contains("Infinity"), body[0]);
    assertFalse(body[0].contains("NaN"), body[0]);
    n.close();
  }
}
