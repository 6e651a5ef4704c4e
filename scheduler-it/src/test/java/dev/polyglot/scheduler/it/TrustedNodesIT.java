package dev.polyglot.scheduler.it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Trusted nodes over real sockets (issue 10): the node credential on {@code /ws/node} (401 before the upgrade
 * without it, accepted as a query parameter or a bearer header), the API token on the observability endpoints, and,
 * without a credential, a live node id that cannot be taken over while its connection heartbeats, but is still
 * handed back to the agent itself when it reconnects.
 */
class TrustedNodesIT {
  static final String NODE_TOKEN = "n0de-secret-7f3a";
  static final String API_TOKEN = "api-secret-91c2";
  static Server trusted;
  static Server untrusted;

  @BeforeAll
  static void start() {
    trusted = Server.start("scheduler.nodes.token = \"" + NODE_TOKEN + "\"\n"
        + "scheduler.http.api-token = \"" + API_TOKEN + "\"\n");
    untrusted = Server.start("scheduler.nodes.takeover-wait = 3s\n");
  }

  @AfterAll
  static void stop() {
    Server.closeAll(untrusted, trusted);
  }

  // ---------------------------------------------------------------- the node credential

  @Test
  void aNodeConnectionWithoutTheTokenIsRefusedWith401BeforeTheUpgrade() throws Exception {
    RawHttp.Response r = RawHttp.upgrade(trusted.port, "/ws/node", Map.of());
    assertEquals(401, r.status());
    assertEquals("UNAUTHORIZED", Peer.JSON.readTree(r.body()).path("error").asText());
    assertEquals("Bearer", r.headers().get("www-authenticate"));
  }

  @Test
  void aWrongTokenIsRefusedWith401AsAQueryParameterAndAsAHeader() throws Exception {
    assertEquals(401, RawHttp.upgrade(trusted.port, "/ws/node?token=" + NODE_TOKEN + "x", Map.of()).status());
    assertEquals(401, RawHttp.upgrade(trusted.port, "/ws/node", Map.of("Authorization", "Bearer nope")).status());
    assertEquals(401, RawHttp.upgrade(trusted.port, "/ws/node", Map.of("Authorization", NODE_TOKEN)).status(),
        "the bearer scheme is required");
  }

  /** The real agent only has a URL. */
  @Test
  void theRightTokenAsAQueryParameterLetsTheAgentRegister() {
    FakeNode n = new FakeNode(Peer.connect(trusted.port, "/ws/node?token=" + NODE_TOKEN));
    assertTrue(n.register(null, List.of("en")).startsWith("node-"));
    n.close();
  }

  @Test
  void theRightTokenAsABearerHeaderLetsTheAgentRegister() {
    FakeNode n = new FakeNode(Peer.connect(trusted.port, "/ws/node", Map.of("Authorization", "Bearer " + NODE_TOKEN)));
    assertTrue(n.register(null, List.of("en")).startsWith("node-"));
    n.close();
  }

  @Test
  void sessionsNeedNoToken() {
    FakeClient c = FakeClient.connect(trusted.port);
    assertTrue(c.initOneWay("zh", "en").startsWith("s-"));
    c.close();
  }

  @Test
  void aConnectionWithTheCredentialTakesOverALiveNodeIdAtOnce() {
    FakeNode first = new FakeNode(Peer.connect(trusted.port, "/ws/node?token=" + NODE_TOKEN));
    first.register("gpu-trusted-1", List.of("en"));
    first.heartbeat(10, 0);
    FakeNode second = new FakeNode(Peer.connect(trusted.port, "/ws/node?token=" + NODE_TOKEN));
    long t0 = System.nanoTime();
    assertEquals("gpu-trusted-1", second.register("gpu-trusted-1", List.of("en")));
    System.out.printf("trusted takeover acknowledged after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    assertEquals("NODE_CONNECTION_REPLACED", first.peer.await("error").path("code").asText());
    assertTrue(first.peer.awaitClosed());
    second.close();
  }

  // ---------------------------------------------------------------- the API token

  @Test
  void theObservabilityEndpointsNeedTheApiTokenAndHealthAndReadyDoNot() throws Exception {
    for (String path : List.of("/api/v1/cluster", "/metrics")) {
      HttpResponse<String> without = get(trusted, path, null);
      assertEquals(401, without.statusCode(), path);
      assertEquals("UNAUTHORIZED", Peer.JSON.readTree(without.body()).path("error").asText());
      assertEquals(401, get(trusted, path, "Bearer wrong").statusCode(), path);
      assertEquals(200, get(trusted, path, "Bearer " + API_TOKEN).statusCode(), path);
    }
    assertEquals(200, get(trusted, "/health", null).statusCode());
    assertEquals(200, get(trusted, "/ready", null).statusCode());
    assertEquals(200, get(untrusted, "/api/v1/cluster", null).statusCode(), "no api-token configured: open");
  }

  private static HttpResponse<String> get(Server s, String path, String authorization) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port + path));
    if (authorization != null) b.header("Authorization", authorization);
    return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  // ---------------------------------------------------------------- without a credential: takeovers

  /** Issue 10: an id read from /api/v1/cluster was enough to take a live node over and receive users' audio. */
  @Test
  void withoutACredentialALiveHeartbeatingNodeIdCannotBeTakenOver() throws Exception {
    FakeNode real = FakeNode.connect(untrusted.port);
    real.register("gpu-victim", List.of("en"));
    Thread heartbeats = new Thread(() -> {
      while (!real.peer.closed.isDone()) {
        real.heartbeat(10, 0);
        try {
          Thread.sleep(500);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "victim-heartbeats");
    heartbeats.setDaemon(true);
    heartbeats.start();
    try {
      FakeNode attacker = FakeNode.connect(untrusted.port);
      long t0 = System.nanoTime();
      attacker.peer.send(FakeNode.registerJson("gpu-victim", List.of("en"), true));
      JsonNode e = attacker.peer.await("error");
      assertEquals("NODE_ID_CONFLICT", e.path("code").asText());
      assertTrue(attacker.peer.awaitClosed(), "the claimant is closed");
      System.out.printf("takeover of a heartbeating node refused after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
      assertTrue(attacker.peer.all("node_register_ack").isEmpty(), "never registered");
      assertTrue(attacker.peer.all("job_assign").isEmpty());
      real.peer.expectNone("error", Duration.ofSeconds(4)); // past the takeover wait: nothing happens to the real node
      assertFalse(real.peer.closed.isDone());
      assertTrue(untrusted.node("gpu-victim").connected());
    } finally {
      heartbeats.interrupt();
      real.close();
    }
  }

  /** The agent's usual reconnect: its old connection closed, it registers its id again and gets it at once. */
  @Test
  void withoutACredentialTheSameAgentReconnectingAfterItsSocketClosedGetsItsIdBackAtOnce() {
    FakeNode before = FakeNode.connect(untrusted.port);
    before.register("gpu-reconnect", List.of("en"));
    before.heartbeat(10, 0);
    before.close();
    Server.await("the old socket seen closed", () -> !untrusted.node("gpu-reconnect").connected());
    FakeNode after = FakeNode.connect(untrusted.port);
    long t0 = System.nanoTime();
    assertEquals("gpu-reconnect", after.register("gpu-reconnect", List.of("en")));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf("reconnect after a closed socket acknowledged after %d ms%n", ms);
    assertTrue(ms < 2_000, "no takeover wait for a node whose socket closed: " + ms + " ms");
    after.close();
  }

  /** Its old connection is dead but not closed (no FIN): it stops heartbeating, and the id goes to the new one. */
  @Test
  void withoutACredentialTheSameAgentReconnectingWhileItsOldConnectionIsSilentGetsItsIdAfterTheTakeoverWait() {
    FakeNode before = FakeNode.connect(untrusted.port);
    before.register("gpu-half-open", List.of("en"));
    before.heartbeat(10, 0);
    FakeNode after = FakeNode.connect(untrusted.port);
    long t0 = System.nanoTime();
    assertEquals("gpu-half-open", after.register("gpu-half-open", List.of("en")));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf("reconnect while the old connection was silent acknowledged after %d ms (takeover wait 3 s)%n", ms);
    assertTrue(ms >= 2_500, "not before the takeover wait: " + ms + " ms");
    assertEquals("NODE_CONNECTION_REPLACED", before.peer.await("error").path("code").asText());
    after.heartbeat(10, 0);
    after.peer.await("node_status", m -> "ready".equals(m.path("status").asText()));
    after.close();
  }
}
