package dev.polyglot.scheduler.it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.polyglot.scheduler.store.RedisLedger;
import dev.polyglot.scheduler.store.RedisServerProcess;
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
 * The scheduler with {@code scheduler.store = redis} against a real redis-server child process: the ledger is
 * written, Redis dying never stops dispatch and {@code /ready} reports the degraded state, and when Redis
 * returns (empty) the sessions write their live state again.
 */
class RedisStoreIT {
  static RedisServerProcess redis;
  static Server server;
  static RedisLedger reader;

  @BeforeAll
  static void start() {
    redis = RedisServerProcess.start();
    server = Server.start("scheduler.store = redis\nscheduler.sessions.sweep-interval = 1s\n"
        + "scheduler.redis.uri = \"" + redis.uri() + "\"\n");
    reader = RedisLedger.connect(new RedisLedger.Settings(redis.uri(), Duration.ofSeconds(2), "lingua"));
  }

  @AfterAll
  static void stop() {
    if (reader != null) reader.close();
    if (server != null) server.close();
    if (redis != null) redis.close();
  }

  static JsonNode ready() throws Exception {
    var r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port + "/ready"))
        .build(), HttpResponse.BodyHandlers.ofString());
    return Peer.JSON.readTree(r.body());
  }


  @Test
  void theLedgerIsWrittenDispatchSurvivesARedisOutageAndTheLiveStateIsWrittenAgain() throws Exception {
    assertEquals("redis", ready().path("store").asText());
    assertEquals("up", ready().path("redis").asText());
    FakeNode node = FakeNode.ready(server.port, List.of("m1", "n1"));
    FakeClient client = FakeClient.connect(server.port);
    String sid = client.initOneWay("m1", "n1");
    client.speak(sid, 1);
    JsonNode first = node.awaitJob();
    assertEquals(1, reader.unfinishedJobs(sid).toCompletableFuture().join().size(), "the job is durable while it runs");
    node.succeed(first, "a", "b");
    client.awaitResult(sid);
    Server.await("finished job leaves the ledger", () -> reader.unfinishedJobs(sid).toCompletableFuture().join().isEmpty());

    int port = redis.port();
    redis.kill();
    Server.await("/ready degraded", () -> {
      try {
        JsonNode r = ready();
        return "degraded".equals(r.path("status").asText()) && "down".equals(r.path("redis").asText());
      } catch (Exception e) {
        return false;
      }
    });
    long t0 = System.nanoTime();
    client.speak(sid, 2);
    JsonNode second = node.awaitJob();
    System.out.printf("dispatch with Redis down: final chunk to job_assign in %d ms (hangover 200 ms included)%n",
        (System.nanoTime() - t0) / 1_000_000);
    assertEquals(1, second.path("utterance_index").asInt());

    redis = RedisServerProcess.start(port); // back, and empty
    Server.await("/ready ready again", () -> {
      try {
        return "ready".equals(ready().path("status").asText());
      } catch (Exception e) {
        return false;
      }
    });
    Server.await("the session wrote its live state again", () -> {
      try {
        return reader.loadSession(sid).toCompletableFuture().join().isPresent()
            && reader.unfinishedJobs(sid).toCompletableFuture().join().size() == 1;
      } catch (RuntimeException e) {
        return false;
      }
    }, Duration.ofSeconds(15));
    node.succeed(second, "c", "d");
    assertEquals(1, client.awaitResult(sid).path("utterance_index").asInt());
    client.close();
    node.close();
  }
}
