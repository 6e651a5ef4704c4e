package dev.polyglot.scheduler.it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Utterances longer than the maximum duration, with nodes that behave as the June 2026 agent (issue 15): it buffers
 * a max-duration job's audio, merges it into the turn's closing job and never answers the earlier one. The maximum
 * duration is shortened to 1 s (four recorder frames) and the ordering hold raised to 30 s, so a result held behind
 * the unanswered job would be unmistakable.
 */
class LongUtteranceIT {
  static Server server;

  @BeforeAll
  static void start() {
    server = Server.start("""
        scheduler.segmentation.max-duration = 1000ms
        scheduler.results.max-hold = 30s
        scheduler.jobs.pending-timeout = 20s
        """);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** Four 260 ms frames: the maximum duration cuts job 0 and keeps the turn open. */
  private static void speakPastTheMaximum(FakeClient client, String sid) {
    for (int i = 0; i < 4; i++) client.chunk(sid, FakeClient.opusFrame(i));
  }

  @Test
  void theClosingResultOfAMergedTurnReachesTheClientWithoutTheHoldAndFreesTheNode() {
    FakeNode node = FakeNode.ready(server.port, List.of("la", "lb"));
    FakeClient client = FakeClient.connect(server.port);
    String sid = client.initOneWay("la", "lb");
    speakPastTheMaximum(client, sid);
    JsonNode first = node.awaitJob();
    assertTrue(first.path("is_max_duration_triggered").asBoolean(), first.toString());
    client.speak(sid, 9);
    JsonNode closing = node.awaitJob();
    assertEquals(first.path("turn_id").asText(), closing.path("turn_id").asText(), "one turn");
    // the agent answers the closing job with the text of the whole turn and never answers job 0
    long t0 = System.nanoTime();
    node.succeed(closing, "the whole long sentence", "la phrase entière");
    JsonNode result = client.peer.await("translation_result");
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    System.out.printf("closing result of a merged turn reached the client %d ms after the node answered%n", ms);
    assertEquals(closing.path("utterance_index").asInt(), result.path("utterance_index").asInt());
    assertTrue(ms < 15_000, "released without waiting the 30 s hold behind the merged job (took " + ms + " ms)");
    Server.await("the node's slots free", () -> server.node(node.nodeId).effectiveLoad() == 0, Duration.ofSeconds(20));
    node.peer.expectNone("job_cancel", Duration.ofMillis(300));
    assertTrue(client.peer.all("error").isEmpty(), "nothing but the result reaches the client");
    // the agent's late NO_TEXT_ASSIGNED for the merged job is dropped as already finished
    node.empty(first, "NO_TEXT_ASSIGNED", closing.path("attempt_id").asInt());
    client.peer.expectNone("translation_result", Duration.ofMillis(300));
    client.close();
    node.close();
  }

  @Test
  void aTurnsClosingJobWaitsForTheNodeHoldingTheTurnWhileItIsConnected() {
    FakeNode a = FakeNode.ready(server.port, List.of("ma", "mb"));
    FakeNode b = FakeNode.ready(server.port, List.of("ma", "mb"));
    FakeClient client = FakeClient.connect(server.port);
    String sid = client.initOneWay("ma", "mb");
    speakPastTheMaximum(client, sid);
    Server.await("job 0 assigned", () -> !a.peer.all("job_assign").isEmpty() || !b.peer.all("job_assign").isEmpty());
    FakeNode holder = a.peer.all("job_assign").isEmpty() ? b : a;
    FakeNode other = holder == a ? b : a;
    JsonNode first = holder.awaitJob();
    holder.heartbeat(10, 4); // the holder reports every slot in use
    Server.await("holder full", () -> server.directoryView(holder.nodeId).map(v -> v.runningJobs() == 4).orElse(false));
    client.speak(sid, 9);
    client.peer.await("backpressure");
    other.peer.expectNone("job_assign", Duration.ofSeconds(1));
    holder.heartbeat(10, 1);
    JsonNode closing = holder.awaitJob();
    assertEquals(first.path("turn_id").asText(), closing.path("turn_id").asText());
    holder.succeed(closing, "whole", "entière");
    assertEquals(closing.path("utterance_index").asInt(), client.awaitResult(sid).path("utterance_index").asInt());
    assertTrue(other.peer.all("job_assign").isEmpty(), "nothing of the turn went to the other node");
    client.close();
    a.close();
    b.close();
  }

  @Test
  void whenTheTurnsNodeIsLostItsEarlierJobFailsOverAndTheClosingJobGoesElsewhere() {
    FakeNode a = FakeNode.ready(server.port, List.of("na", "nb"));
    FakeNode b = FakeNode.ready(server.port, List.of("na", "nb"));
    FakeClient client = FakeClient.connect(server.port);
    String sid = client.initOneWay("na", "nb");
    speakPastTheMaximum(client, sid);
    Server.await("job 0 assigned", () -> !a.peer.all("job_assign").isEmpty() || !b.peer.all("job_assign").isEmpty());
    FakeNode holder = a.peer.all("job_assign").isEmpty() ? b : a;
    FakeNode other = holder == a ? b : a;
    JsonNode first = holder.awaitJob();
    holder.peer.abort();
    JsonNode failedOver = other.awaitJob();
    assertEquals(first.path("job_id").asText(), failedOver.path("job_id").asText());
    assertEquals(2, failedOver.path("attempt_id").asInt());
    client.speak(sid, 9);
    JsonNode closing = other.awaitJob();
    assertEquals(first.path("turn_id").asText(), closing.path("turn_id").asText());
    other.succeed(failedOver, "first part", "première partie");
    other.succeed(closing, "second part", "deuxième partie");
    assertEquals(first.path("utterance_index").asInt(), client.awaitResult(sid).path("utterance_index").asInt());
    assertEquals(closing.path("utterance_index").asInt(), client.awaitResult(sid).path("utterance_index").asInt());
    client.close();
    other.close();
  }
}
