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


  /** Which of two nodes received the next job; waits for it. */
  static FakeNode holderOf(FakeNode a, FakeNode b) {
    Server.await("a job_assign", () -> !a.peer.all("job_assign").isEmpty() || !b.peer.all("job_assign").isEmpty());
    return a.peer.all("job_assign").isEmpty() ? b : a;
  }

  @Test
  void aNodeClosingMidJobFailsTheJobOverAndTheClientGetsExactlyOneResult() {
    FakeNode a = FakeNode.ready(server.port, List.of("c1", "d1"));
    FakeNode b = FakeNode.ready(server.port, List.of("c1", "d1"));
    FakeClient client = FakeClient.connect(server.port);
    String sid = client.initOneWay("c1", "d1");
    client.speak(sid, 1);
    FakeNode first = holderOf(a, b);
    FakeNode other = first == a ? b : a;
    JsonNode job = first.awaitJob();
    first.close();
    JsonNode retry = other.awaitJob();
    assertEquals(job.path("job_id").asText(), retry.path("job_id").asText());
    assertEquals(2, retry.path("attempt_id").asInt());
    other.succeed(retry, "hello", "你好");
    client.awaitResult(sid);
    client.peer.expectNone("translation_result", Duration.ofMillis(500));
    client.close();
    other.close();
  }

  @Test
  void aNodeThatNeverAnswersGetsJobCancelAndTheJobFailsOver() {
    FakeNode a = FakeNode.ready(server.port, List.of("c2", "d2"));
    FakeNode b = FakeNode.ready(server.port, List.of("c2", "d2"));
    FakeClient client = FakeClient.connect(server.port);
    String sid = client.initOneWay("c2", "d2");
    client.speak(sid, 1);
    FakeNode silent = holderOf(a, b);
    FakeNode other = silent == a ? b : a;
    JsonNode job = silent.awaitJob();
    JsonNode cancel = silent.peer.await("job_cancel");
    assertEquals(job.path("job_id").asText(), cancel.path("job_id").asText());
    assertEquals("job_timeout", cancel.path("reason").asText());
    JsonNode retry = other.awaitJob();
    assertEquals(2, retry.path("attempt_id").asInt());
    silent.succeed(job, "late", "but valid"); // a late success of attempt 1 still wins
    assertEquals("superseded", other.peer.await("job_cancel").path("reason").asText());
    client.awaitResult(sid);
    other.succeed(retry, "second", "ignored");
    client.peer.expectNone("translation_result", Duration.ofMillis(500));
    client.close();
    a.close();
    b.close();
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
    assertEquals(2000, bp.path("resume_after_ms").asInt());
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
    FakeNode a = FakeNode.ready(server.port, List.of("c6", "d6"));
    FakeNode b = FakeNode.ready(server.port, List.of("c6", "d6"));
    FakeClient client = FakeClient.connect(server.port);
    String sid = client.initOneWay("c6", "d6");
    client.speak(sid, 1);
    FakeNode holder = holderOf(a, b);
    FakeNode other = holder == a ? b : a;
    JsonNode parked = holder.awaitJob();
    try {
      Thread.sleep(300);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    client.speak(sid, 2);
    JsonNode later = holder.awaitJob(); // affinity keeps the session on the same node
    assertEquals(1, later.path("utterance_index").asInt());
    holder.succeed(later, "merged text", "merged translation");
    JsonNode r = client.awaitResult(sid);
    assertEquals(1, r.path("utterance_index").asInt());
    holder.peer.expectNone("job_cancel", Duration.ofMillis(2500));
    other.peer.expectNone("job_assign", Duration.ofMillis(100));
    client.peer.expectNone("translation_result", Duration.ofMillis(100));
    client.peer.expectNone("error", Duration.ofMillis(100));
    assertEquals(parked.path("utterance_index").asInt(), 0);
    client.close();
    a.close();
    b.close();
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
