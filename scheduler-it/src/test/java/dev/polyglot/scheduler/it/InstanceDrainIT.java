package dev.polyglot.scheduler.it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /api/v1/instance/drain} for a rolling update: no new sockets, the instance's sessions finish, every
 * socket left is closed normally, and the status says when the instance can be stopped.
 */
class InstanceDrainIT {

  @Test
  void aDrainingInstanceRefusesNewSocketsLetsItsSessionFinishThenClosesItsSocketsAndCanBeStopped() throws Exception {
    try (Server server = Server.start("""
        scheduler.stats.snapshot-interval = 200ms
        scheduler.admin.instance-drain-grace = 60s
        """)) {
      FakeNode node = FakeNode.ready(server.port, List.of("r1", "r2"));
      node.autoRespond(0);
      FakeClient client = FakeClient.connect(server.port);
      String sid = client.initOneWay("r1", "r2");

      Api.Response started = Api.post(server.port, "/api/v1/instance/drain", null);
      assertEquals(202, started.status(), started.body());
      assertEquals("draining", started.json().path("state").asText());
      assertFalse(started.json().path("can_stop").asBoolean());
      assertEquals(202, Api.post(server.port, "/api/v1/instance/drain", null).status(), "idempotent");

      Api.Response ready = Api.get(server.port, "/ready");
      assertEquals(503, ready.status(), "the load balancer takes the instance out");
      assertEquals("draining", ready.json().path("status").asText());
      RawHttp.Response refused = RawHttp.upgrade(server.port, "/ws/session", Map.of());
      assertEquals(503, refused.status(), refused.body());
      assertTrue(refused.body().contains("INSTANCE_DRAINING"), refused.body());

      client.speak(sid, 1); // the live session goes on while the instance drains
      assertEquals("text 0", client.awaitResult(sid).path("text_asr").asText());
      assertFalse(node.peer.closed.isDone(), "the node stays while a session of this instance is live");

      client.close(); // its last session is over: the remaining sockets are closed, the node's agent reconnects elsewhere
      assertTrue(node.peer.awaitClosed(), "the node's socket was closed");
      Server.await("the drain is over", () -> Api.json(server.port, "/api/v1/instance/drain").path("can_stop").asBoolean());
      JsonNode status = Api.json(server.port, "/api/v1/instance");
      assertEquals("drained", status.path("state").asText());
      assertEquals(0, status.path("session_connections").asInt());
      assertEquals(0, status.path("node_connections").asInt());
      assertTrue(Api.get(server.port, "/metrics").body().contains("scheduler_instance_draining 1.0"));
    }
  }

  @Test
  void sessionsThatGoOnPastTheGraceHaveTheirSocketClosedNormallySoTheClientReconnectsElsewhere() throws Exception {
    String token = "ops-token";
    try (Server server = Server.start("""
        scheduler.stats.snapshot-interval = 200ms
        scheduler.admin.instance-drain-grace = 500ms
        scheduler.admin.token = "ops-token"
        """)) {
      FakeClient client = FakeClient.connect(server.port);
      client.initOneWay("r3", "r4");
      assertEquals(401, Api.post(server.port, "/api/v1/instance/drain", null).status(), "the admin token is needed");
      assertEquals("serving", Api.json(server.port, "/api/v1/instance").path("state").asText());
      assertEquals(202, Api.post(server.port, "/api/v1/instance/drain", token).status());
      assertTrue(client.peer.awaitClosed(), "the client's socket was closed after the grace");
      assertEquals(1000, client.peer.closed.get(), "a normal close");
      assertTrue(client.peer.all("error").isEmpty(), "no error frame (the web client shows a dialog for each)");
      Server.await("the drain is over", () -> Api.json(server.port, "/api/v1/instance").path("can_stop").asBoolean());
    }
  }
}
