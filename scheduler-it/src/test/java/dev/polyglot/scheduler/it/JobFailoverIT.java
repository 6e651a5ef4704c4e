package dev.polyglot.scheduler.it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Timeouts, failover, capacity and result validation over real sockets (dispatched timeout shrunk to 2 s). */
class JobFailoverIT {
  static Server server;

  @BeforeAll
  static void start() {
    server = Server.start("""
        scheduler.jobs.dispatched-timeout = 2s
        scheduler.jobs.pending-timeout = 3s
        scheduler.results.max-hold = 3s
        """);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** Two ready nodes of one pair, a client that spoke one utterance, and which node got its job. */
  private record TwoNodes(FakeNode holder, FakeNode other, FakeClient client, String sid) implements AutoCloseable {
    static TwoNodes speakOnce(String src, String tgt) {
      FakeNode a = FakeNode.ready(server.port, List.of(src, tgt));
      FakeNode b = FakeNode.ready(server.port, List.of(src, tgt));
      FakeClient client = FakeClient.connect(server.port);
      String sid = client.initOneWay(src, tgt);
      client.speak(sid, 1);
      Server.await("a job_assign", () -> !a.peer.all("job_assign").isEmpty() || !b.peer.all("job_assign").isEmpty());
      boolean aHasIt = !a.peer.all("job_assign").isEmpty();
      return new TwoNodes(aHasIt ? a : b, aHasIt ? b : a, client, sid);
    }

    @Override
    public void close() {
      client.close();
      holder.close();
      other.close();
    }
  }

  @Test
  void aNodeClosingMidJobFailsTheJobOverAndTheClientGetsExactlyOneResult() {
    try (TwoNodes t = TwoNodes.speakOnce("c1", "d1")) {
      JsonNode job = t.holder().awaitJob();
      t.holder().close();
      JsonNode retry = t.other().awaitJob();
      assertEquals(job.path("job_id").asText(), retry.path("job_id").asText());
      assertEquals(2, retry.path("attempt_id").asInt());
      t.other().succeed(retry, "hello", "你好");
      t.client().awaitResult(t.sid());
      t.client().peer.expectNone("translation_result", Duration.ofMillis(500));
    }
  }

  @Test
  void aNodeThatNeverAnswersGetsJobCancelAndTheJobFailsOver() {
    try (TwoNodes t = TwoNodes.speakOnce("c2", "d2")) {
      FakeNode silent = t.holder();
      JsonNode job = silent.awaitJob();
      JsonNode cancel = silent.peer.await("job_cancel");
      assertEquals(job.path("job_id").asText(), cancel.path("job_id").asText());
      assertEquals("job_timeout", cancel.path("reason").asText());
      JsonNode retry = t.other().awaitJob();
      assertEquals(2, retry.path("attempt_id").asInt());
      silent.succeed(job, "late", "but valid"); // a late success of attempt 1 still wins
      assertEquals("superseded", t.other().peer.await("job_cancel").path("reason").asText());
      t.client().awaitResult(t.sid());
      t.other().succeed(retry, "second", "ignored");
      t.client().peer.expectNone("translation_result", Duration.ofMillis(500));
    }
  }

  @Test
  void withNoNodeForThePairTheUtteranceFailsAndTheNextOneSucceedsOnceANodeRegisters() {
    FakeClient client = FakeClient.connect(server.port);
    String sid = client.initOneWay("c3", "d3");
    client.speak(sid, 1);
    JsonNode ui = client.peer.await("ui_event", m -> "ERROR".equals(m.path("event").asText()));
    assertEquals("NO_AVAILABLE_NODE", ui.path("error_code").asText());
    JsonNode err = client.peer.await("error");
    assertEquals("NO_AVAILABLE_NODE", err.path("code").asText());
    assertEquals("5b1f0a52-8f7e-4c7b-9d0f-3a1e2b4c5d6e", err.path("trace_id").asText());
    assertEquals(0, err.path("details").path("utterance_index").asInt());
    FakeNode node = FakeNode.ready(server.port, List.of("c3", "d3"));
    Server.await("node placeable", () -> server.directoryView(node.nodeId).map(v -> v.status().name().equals("READY")).orElse(false));
    client.speak(sid, 2);
    JsonNode job = node.awaitJob();
    assertEquals(1, job.path("utterance_index").asInt());
    node.succeed(job, "ok", "ok");
    assertEquals(1, client.awaitResult(sid).path("utterance_index").asInt());
    client.close();
    node.close();
  }

  @Test
  void whenEveryNodeOfThePairIsBusyTheClientGetsBackpressureAndTheJobIsPlacedWhenASlotFrees() {
    FakeNode node = FakeNode.ready(server.port, List.of("c4", "d4"));
    node.heartbeat(10, 4); // the agent reports all four slots in use
    Server.await("full", () -> server.directoryView(node.nodeId).map(v -> v.runningJobs() == 4).orElse(false));
    FakeClient client = FakeClient.connect(server.port);
    String sid = client.initOneWay("c4", "d4");
    client.speak(sid, 1);
    JsonNode bp = client.peer.await("backpressure");
    assertEquals("BUSY", bp.path("action").asText());
    assertEquals(400, bp.path("resume_after_ms").asInt());
    node.peer.expectNone("job_assign", Duration.ofMillis(300));
    node.heartbeat(10, 0);
    JsonNode job = node.awaitJob();
    assertEquals(sid, job.path("session_id").asText());
    client.close();
    node.close();
  }

  @Test
  void aJobThatNeverFindsAFreeSlotFailsWithJobTimeout() {
    FakeNode node = FakeNode.ready(server.port, List.of("c5", "d5"));
    node.heartbeat(10, 4);
    Server.await("full", () -> server.directoryView(node.nodeId).map(v -> v.runningJobs() == 4).orElse(false));
    FakeClient client = FakeClient.connect(server.port);
    String sid = client.initOneWay("c5", "d5");
    client.speak(sid, 1);
    client.peer.await("backpressure");
    JsonNode err = client.peer.await("error");
    assertEquals("JOB_TIMEOUT", err.path("code").asText());
    client.close();
    node.close();
  }

  @Test
  void aNodeSilentOnOneJobButAnsweringALaterOneCompletesItSilentlyWithoutFailover() {
    try (TwoNodes t = TwoNodes.speakOnce("c6", "d6")) {
      FakeNode holder = t.holder();
      FakeClient client = t.client();
      JsonNode parked = holder.awaitJob();
      try {
        Thread.sleep(300);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      client.speak(t.sid(), 2);
      JsonNode later = holder.awaitJob(); // affinity keeps the session on the same node
      assertEquals(1, later.path("utterance_index").asInt());
      holder.succeed(later, "merged text", "merged translation");
      JsonNode r = client.awaitResult(t.sid());
      assertEquals(1, r.path("utterance_index").asInt());
      holder.peer.expectNone("job_cancel", Duration.ofMillis(2500));
      t.other().peer.expectNone("job_assign", Duration.ofMillis(100));
      client.peer.expectNone("translation_result", Duration.ofMillis(100));
      client.peer.expectNone("error", Duration.ofMillis(100));
      assertEquals(parked.path("utterance_index").asInt(), 0);
    }
  }

  @Test
  void aDuplicateResultGivesOneTranslationAndAnEmptyAckSendsNothing() {
    FakeNode node = FakeNode.ready(server.port, List.of("c7", "d7"));
    FakeClient client = FakeClient.connect(server.port);
    String sid = client.initOneWay("c7", "d7");
    client.speak(sid, 1);
    JsonNode job = node.awaitJob();
    node.succeed(job, "a", "b");
    node.succeed(job, "a", "b");
    client.awaitResult(sid);
    client.peer.expectNone("translation_result", Duration.ofMillis(500));
    try {
      Thread.sleep(300);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    client.speak(sid, 2);
    JsonNode empty = node.awaitJob();
    node.empty(empty, "ASR_EMPTY", empty.path("attempt_id").asInt());
    client.peer.expectNone("translation_result", Duration.ofMillis(500));
    client.peer.expectNone("error", Duration.ofMillis(10));
    assertTrue(server.metrics().value("result_dropped_total", "reason", "already_finished") >= 1);
    client.close();
    node.close();
  }
}
