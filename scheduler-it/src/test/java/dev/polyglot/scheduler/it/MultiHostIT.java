package dev.polyglot.scheduler.it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three scheduler JVMs, each on its own address (127.0.0.1, 127.0.0.2, 127.0.0.3), configured the way the README says
 * for separate hosts: {@code SCHEDULER_HOST} names the address an instance announces to the cluster, the seeds name the
 * others by address. They form one cluster, and an utterance from a client on one address reaches a node on another.
 */
class MultiHostIT {
  static SchedulerProcess one;
  static SchedulerProcess two;
  static SchedulerProcess three;

  @BeforeAll
  static void start() {
    SchedulerProcess.Ports p1 = SchedulerProcess.Ports.on("127.0.0.1");
    SchedulerProcess.Ports p2 = SchedulerProcess.Ports.on("127.0.0.2");
    SchedulerProcess.Ports p3 = SchedulerProcess.Ports.on("127.0.0.3");
    List<String> seeds = List.of("pekko.cluster.seed-nodes.0=" + p1.address(), "pekko.cluster.seed-nodes.1=" + p2.address());
    one = SchedulerProcess.start("host-1", p1, seeds);
    two = SchedulerProcess.start("host-2", p2, seeds);
    three = SchedulerProcess.start("host-3", p3, seeds);
    SchedulerProcess.awaitCluster(java.time.Duration.ofSeconds(90), one, two, three);
  }

  @AfterAll
  static void stop() {
    for (SchedulerProcess p : new SchedulerProcess[] {three, two, one}) {
      if (p != null) p.close();
    }
  }

  @Test
  void instancesOnThreeAddressesFormOneClusterAndAJobCrossesThem() throws Exception {
    FakeNode node = FakeNode.connect(two.host, two.httpPort);
    node.register(null, List.of("m1", "n1"));
    node.heartbeat(10, 0);
    node.peer.await("node_status", m -> "ready".equals(m.path("status").asText()));
    node.autoRespond(20);
    FakeClient client = FakeClient.connect(three.host, three.httpPort);
    String sid = client.initOneWay("m1", "n1");
    JsonNode[] result = {null};
    Server.await("a result across the addresses", () -> {
      client.speak(sid, 7); // the view may still be on its way to the session's instance: speak until placed
      try {
        result[0] = client.peer.await("translation_result");
        return true;
      } catch (AssertionError notYet) {
        return false;
      }
    }, Duration.ofSeconds(60));
    assertEquals(sid, result[0].path("session_id").asText());
    HttpResponse<String> c = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://" + one.host + ":" + one.httpPort + "/api/v1/cluster")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, c.statusCode());
    String body = c.body();
    for (String address : List.of("127.0.0.1", "127.0.0.2", "127.0.0.3")) {
      assertTrue(one.logged(address) || body.contains(address) || two.logged(address), address);
    }
    assertTrue(two.logged("Cluster Node [pekko://scheduler@127.0.0.2:"), "instance 2 announces its own address");
    assertTrue(three.logged("Cluster Node [pekko://scheduler@127.0.0.3:"), "instance 3 announces its own address");
    client.close();
    node.close();
  }
}
