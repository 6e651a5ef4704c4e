package dev.polyglot.scheduler.it;

import static org.junit.jupiter.api.Assertions.*;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * End-to-end flow control (issue 10): a client streaming valid audio as fast as it can, to a node that never
 * answers, is slowed by TCP once its session holds its maximum of unfinished jobs; nothing piles up in the scheduler,
 * and a canary session on another node keeps getting its results meanwhile.
 */
class FlowControlIT {
  private static final long FLOOD_MS = 8_000;
  private static final int CHUNK_BYTES = 48_000;

  static Server server;

  @BeforeAll
  static void start() {
    server = Server.start("");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void aClientFloodingAudioIsSlowedByTcpWhileACanaryKeepsItsLatency() throws Exception {
    FakeNode canaryNode = FakeNode.ready(server.port, List.of("fc", "fd"));
    canaryNode.autoRespond(20);
    FakeNode silentNode = FakeNode.ready(server.port, List.of("fx", "fy")); // takes jobs, never answers
    FakeClient canary = FakeClient.connect(server.port);
    String canarySid = canary.initOneWay("fc", "fd");
    FakeClient attacker = FakeClient.connect(server.port);
    String attackSid = attacker.initOneWay("fx", "fy");

    Flood flood = new Flood(server.port, attackSid, attacker);
    Thread t = new Thread(flood, "flooder");
    t.setDaemon(true);
    t.start();
    List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FLOOD_MS);
    int spoken = 0;
    while (System.nanoTime() < end) {
      long t0 = System.nanoTime();
      canary.speak(canarySid, spoken++);
      canary.awaitResult(canarySid);
      latencies.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }
    t.join(TimeUnit.SECONDS.toMillis(30));
    List<Long> sorted = new ArrayList<>(latencies);
    Collections.sort(sorted);
    long p50 = sorted.get(sorted.size() / 2);
    long p99 = sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * 0.99) - 1));
    System.out.printf("flood: %d chunks (%d MB) sent before the scheduler stopped reading (blocked=%s after %d ms); "
            + "canary %d utterances, p50 %d ms, p99 %d ms (includes the 200 ms hangover); paused=%d windowFull=%d%n",
        flood.sent, flood.sent * (long) CHUNK_BYTES / 1_000_000, flood.blocked, flood.blockedAfterMs, sorted.size(), p50, p99,
        server.metrics().snapshot().getOrDefault("session_input_paused_total", 0L),
        server.metrics().snapshot().getOrDefault("inbound_window_full_total{socket=\"session\"}", 0L));
    assertTrue(flood.blocked, "the flooding client must be slowed by TCP (a send that did not complete)");
    long bound = 64L * 512_000 + 64L * 1_048_576 + 64L * 1_048_576;
    assertTrue(flood.sent * (long) CHUNK_BYTES < bound,
        "what the flooder could send is bounded by the live-job limit, one window and TCP buffers: " + flood.sent);
    assertTrue(p99 < 5_000, "the canary keeps getting results (p99 " + p99 + " ms)");
    flood.abort();
    canary.close();
    attacker.close();
    canaryNode.close();
    silentNode.close();
  }

  /** Streams valid audio_chunk messages as fast as the socket takes them, until a send blocks or time is up. */
  private static final class Flood implements Runnable {
    private final String sid;
    private final FakeClient client;
    volatile long sent;
    volatile boolean blocked;
    volatile long blockedAfterMs;

    Flood(int port, String sid, FakeClient client) {
      this.sid = sid;
      this.client = client;
    }

    @Override
    public void run() {
      byte[] audio = new byte[CHUNK_BYTES];
      for (int i = 0; i < audio.length; i++) audio[i] = (byte) i;
      String payload = Base64.getEncoder().encodeToString(audio);
      long t0 = System.nanoTime();
      long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(FLOOD_MS);
      for (long seq = 0; System.nanoTime() < deadline; seq++) {
        CompletableFuture<WebSocket> f = client.peer.sendAsync("{\"type\":\"audio_chunk\",\"session_id\":\"" + sid
            + "\",\"seq\":" + seq + ",\"is_final\":false,\"payload\":\"" + payload + "\"}");
        try {
          f.get(2, TimeUnit.SECONDS);
          sent++;
        } catch (TimeoutException e) {
          blocked = true;
          blockedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
          return;
        } catch (Exception e) {
          return;
        }
      }
    }

    void abort() {
      client.peer.abort();
    }
  }
}
