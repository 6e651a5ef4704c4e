package dev.polyglot.scheduler.it;

import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.store.RedisServerProcess;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Redis slowed by a TCP fault proxy (200 ms added each way): dispatch goes on, held by at most
 * {@code jobs.durable-wait} per new job. Prints the dispatch latency with a healthy and a slow Redis; asserts
 * only that every utterance was placed and that the bound, not Redis, decided the slow ones.
 */
class RedisSlowIT {
  static RedisServerProcess redis;
  static FaultProxy proxy;
  static Server server;

  @BeforeAll
  static void start() throws Exception {
    redis = RedisServerProcess.start();
    proxy = new FaultProxy(redis.port());
    server = Server.start("""
        scheduler.store = redis
        scheduler.redis.command-timeout = 2s
        scheduler.segmentation.hangover-auto = 0ms
        scheduler.segmentation.hangover-manual = 0ms
        scheduler.redis.uri = "redis://127.0.0.1:""" + proxy.port() + "\"\n");
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
    if (proxy != null) proxy.close();
    if (redis != null) redis.close();
  }

  /**
   * With the default hangovers an utterance is written to the ledger when it is sealed, during its hangover, so a
   * Redis slower by 100 ms round trip does not touch dispatch at all.
   */
  @Test
  void withTheDefaultHangoversASlowRedisDoesNotTouchDispatch() {
    try (Server defaults = Server.start("scheduler.store = redis\nscheduler.redis.command-timeout = 2s\n"
        + "scheduler.redis.uri = \"redis://127.0.0.1:" + proxy.port() + "\"\n")) {
      FakeNode node = FakeNode.ready(defaults.port, List.of("r2", "s2"));
      FakeClient client = FakeClient.connect(defaults.port);
      String sid = client.initOneWay("r2", "s2");
      proxy.latency(0);
      List<Long> healthy = dispatchLatencies(client, sid, node, 10);
      long exceededBefore = defaults.metrics().value("ledger_durable_wait_exceeded_total");
      proxy.latency(50);
      List<Long> slow = dispatchLatencies(client, sid, node, 10);
      proxy.latency(0);
      System.out.printf("dispatch latency with the 200 ms manual hangover, healthy Redis: p50 %d ms, max %d ms; "
          + "Redis +50 ms each way: p50 %d ms, max %d ms%n", healthy.get(5), healthy.get(9), slow.get(5), slow.get(9));
      assertEquals(exceededBefore, defaults.metrics().value("ledger_durable_wait_exceeded_total"),
          "every utterance was durable before its job was created: no placement waited for Redis");
      client.close();
      node.close();
    }
  }

  /** Final chunk sent → job_assign received, for {@code n} utterances; returns sorted milliseconds. */
  static List<Long> dispatchLatencies(FakeClient client, String sid, FakeNode node, int n) {
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      try {
        Thread.sleep(250); // past the previous manual cut's hangover
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      client.chunk(sid, FakeClient.opusFrame(i));
      long t0 = System.nanoTime();
      client.finalChunk(sid);
      var job = node.awaitJob();
      out.add((System.nanoTime() - t0) / 1_000_000);
      node.succeed(job, "a", "b");
      client.awaitResult(sid);
    }
    Collections.sort(out);
    return out;
  }



  @Test
  void aSlowRedisDoesNotHoldDispatchBeyondTheDurableWait() {
    FakeNode node = FakeNode.ready(server.port, List.of("r1", "s1"));
    FakeClient client = FakeClient.connect(server.port);
    String sid = client.initOneWay("r1", "s1");
    List<Long> healthy = dispatchLatencies(client, sid, node, 20);
    long exceededBefore = server.metrics().value("ledger_durable_wait_exceeded_total");
    proxy.latency(200);
    List<Long> slow = dispatchLatencies(client, sid, node, 20);
    System.out.printf("dispatch latency, healthy Redis: p50 %d ms, max %d ms; Redis +200 ms each way: p50 %d ms, max %d ms%n",
        healthy.get(10), healthy.get(19), slow.get(10), slow.get(19));
    assertEquals(20, slow.size());
    assertTrue(server.metrics().value("ledger_durable_wait_exceeded_total") > exceededBefore,
        "with a slow Redis the durable wait, not Redis, released the placements");
    proxy.latency(0);
    client.close();
    node.close();
  }
}
