package dev.polyglot.scheduler.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The attacks of issue 10 ("one client cannot hurt the others"), from outside, over real loopback sockets: each one
 * returns what the attacker saw (how many of its connections or messages the scheduler refused, closed or slowed).
 * The hostile-input suite runs them at a scale that fits CI; {@code ./scheduler bench hostile} runs them at the scale
 * they were measured at. Every attack is bounded in count and time and talks only to the address it is given.
 */
public final class Hostile {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(20);

  private Hostile() {}

  /** What one attack did and what it met. {@code stopped}: connections or messages refused, closed or slowed. */
  public record Outcome(String attack, int attempted, int stopped, long millis, String detail) {
    @Override
    public String toString() {
      return String.format("%-34s %6d attempted, %6d stopped, %7d ms  %s", attack, attempted, stopped, millis, detail);
    }
  }

  /** A raw WebSocket that records everything the scheduler says and how the connection ended. */
  public static final class Probe implements WebSocket.Listener {
    final ConcurrentLinkedQueue<JsonNode> received = new ConcurrentLinkedQueue<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    volatile WebSocket ws;
    volatile boolean reading = true;

    public static Probe open(HttpClient client, String host, int port, String path) {
      Probe p = new Probe();
      p.ws = client.newWebSocketBuilder().connectTimeout(WAIT).buildAsync(URI.create("ws://" + host + ":" + port + path), p)
          .orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
      return p;
    }

    /** Opens, or returns null when the scheduler refused the upgrade (HTTP 429 / 401 / connection refused). */
    static Probe tryOpen(HttpClient client, String host, int port, String path) {
      try {
        return open(client, host, port, path);
      } catch (Exception refused) {
        return null;
      }
    }

    @Override
    public void onOpen(WebSocket webSocket) {
      webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        try {
          received.add(JSON.readTree(partial.toString()));
        } catch (Exception ignored) {
          // counted as nothing
        }
        partial.setLength(0);
      }
      if (reading) webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closed.complete(statusCode);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      closed.complete(-1);
    }

    boolean gotError(String code) {
      for (JsonNode m : received) {
        if ("error".equals(m.path("type").asText()) && (code == null || code.equals(m.path("code").asText()))) return true;
      }
      return false;
    }

    boolean isClosed() {
      return closed.isDone();
    }

    void abort() {
      if (ws != null) ws.abort();
    }

    /** Sends without waiting more than {@code within}; false when the scheduler stopped reading (TCP full) or closed. */
    boolean send(String text, boolean last, Duration within) {
      try {
        ws.sendText(text, last).get(within.toMillis(), TimeUnit.MILLISECONDS);
        return true;
      } catch (TimeoutException slowed) {
        return false;
      } catch (Exception closedOrFailed) {
        return false;
      }
    }
  }

  public static HttpClient client() {
    return HttpClient.newBuilder().connectTimeout(WAIT).build();
  }

  private static long since(long t0) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
  }

  /**
   * {@code sockets} connections to {@code path}, each streaming one unfinished fragmented text message in 64 KiB parts
   * up to {@code bytesEach}: counts the connections the scheduler closed before their message reached that size.
   */
  public static Outcome partialMessages(String host, int port, String path, int sockets, long bytesEach) {
    long t0 = System.nanoTime();
    HttpClient c = client();
    List<Probe> probes = new ArrayList<>();
    for (int i = 0; i < sockets; i++) {
      Probe p = Probe.tryOpen(c, host, port, path);
      if (p != null) probes.add(p);
    }
    String part = "x".repeat(64 * 1024);
    AtomicInteger cut = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(16, Math.max(1, probes.size())));
    CountDownLatch done = new CountDownLatch(probes.size());
    for (Probe p : probes) {
      pool.execute(() -> {
        try {
          if (!p.send("{\"type\":\"node_register\",\"pad\":\"", false, Duration.ofSeconds(5))) return;
          for (long sent = 0; sent < bytesEach && !p.isClosed(); sent += part.length()) {
            if (!p.send(part, false, Duration.ofSeconds(5))) return;
          }
        } finally {
          done.countDown();
        }
      });
    }
    await(done, Duration.ofSeconds(120));
    pool.shutdownNow();
    // what counts is what the scheduler said: an error or a close for the unfinished message (TCP buffers let a
    // fast sender write well past the cap before the close reaches it)
    awaitQuietly(() -> probes.stream().allMatch(p -> p.isClosed() || p.gotError("MESSAGE_TOO_BIG")), Duration.ofSeconds(10));
    for (Probe p : probes) if (p.isClosed() || p.gotError("MESSAGE_TOO_BIG")) cut.incrementAndGet();
    probes.forEach(Probe::abort);
    return new Outcome("partial messages " + path, sockets, cut.get() + (sockets - probes.size()), since(t0),
        String.format("%d refused at the upgrade, %d refused (error or close) while streaming %d MB", sockets - probes.size(),
            cut.get(), bytesEach / 1_000_000));
  }

  /** A registered, healthy node of {@code src}/{@code tgt} that takes jobs and never answers them (the caller closes it). */
  public static Probe silentNode(String host, int port, String src, String tgt) {
    Probe p = registerNode(host, port, src, tgt).probe();
    awaitQuietly(() -> countType(p, "node_status") > 1, Duration.ofSeconds(5));
    return p;
  }

  /** A node socket, registered as the agent does (node_register, then a heartbeat), and the id it was given. */
  record RegisteredNode(Probe probe, String nodeId) {}

  static RegisteredNode registerNode(String host, int port, String src, String tgt) {
    Probe p = Probe.open(client(), host, port, "/ws/node");
    p.send(RigNode.registerJson(null, List.of(src, tgt), true), true, WAIT);
    awaitQuietly(() -> countType(p, "node_register_ack") > 0, WAIT);
    String id = null;
    for (JsonNode m : p.received) if ("node_register_ack".equals(m.path("type").asText())) id = m.path("node_id").asText();
    if (id == null) throw new IllegalStateException("the node was not registered: " + p.received);
    p.send(heartbeatJson(id), true, WAIT);
    return new RegisteredNode(p, id);
  }

  /** A healthy heartbeat with nothing running. */
  static String heartbeatJson(String nodeId) {
    return "{\"type\":\"node_heartbeat\",\"node_id\":\"" + nodeId + "\",\"timestamp\":1,\"resource_usage\":"
        + "{\"cpu_percent\":10,\"gpu_percent\":10,\"mem_percent\":10,\"running_jobs\":0}}";
  }

  /** One session streaming valid audio as fast as the socket takes it for {@code seconds}: counts the MB it got in. */
  public static Outcome audioFlood(String host, int port, String src, String tgt, int seconds) {
    long t0 = System.nanoTime();
    Probe p = Probe.open(client(), host, port, "/ws/session");
    String sid = initSession(p, src, tgt);
    byte[] audio = new byte[48_000];
    for (int i = 0; i < audio.length; i++) audio[i] = (byte) i;
    String payload = Base64.getEncoder().encodeToString(audio);
    long sent = 0;
    boolean slowed = false;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    for (long seq = 0; System.nanoTime() < deadline; seq++) {
      if (!p.send("{\"type\":\"audio_chunk\",\"session_id\":\"" + sid + "\",\"seq\":" + seq
          + ",\"is_final\":false,\"payload\":\"" + payload + "\"}", true, Duration.ofSeconds(2))) {
        slowed = true;
        break;
      }
      sent += audio.length;
    }
    p.abort();
    return new Outcome("audio flood", 1, slowed ? 1 : 0, since(t0),
        String.format("%d MB of audio accepted before %s", sent / 1_000_000, slowed ? "TCP slowed it" : "time was up"));
  }

  /** {@code sockets} × {@code sessions} session_init with a {@code fieldBytes} trace_id: counts those refused. */
  public static Outcome hugeFields(String host, int port, int sockets, int sessions, int fieldBytes) {
    long t0 = System.nanoTime();
    HttpClient c = client();
    String trace = "t".repeat(fieldBytes);
    int refused = 0;
    int attempted = 0;
    for (int s = 0; s < sockets; s++) {
      Probe p = Probe.tryOpen(c, host, port, "/ws/session");
      if (p == null) {
        refused += sessions;
        attempted += sessions;
        continue;
      }
      for (int i = 0; i < sessions; i++) {
        attempted++;
        p.send("{\"type\":\"session_init\",\"src_lang\":\"zh\",\"tgt_lang\":\"en\",\"trace_id\":\"" + trace + "\"}", true,
            Duration.ofSeconds(10));
      }
      // a well-formed init after them: once it is answered, every one before it was handled (error replies are
      // rate-limited, so their count says nothing)
      p.send("{\"type\":\"session_init\",\"src_lang\":\"zh\",\"tgt_lang\":\"en\"}", true, Duration.ofSeconds(10));
      awaitQuietly(() -> countType(p, "session_init_ack") >= 1 || p.isClosed(), Duration.ofSeconds(20));
      refused += sessions - Math.max(0, countType(p, "session_init_ack") - 1);
      p.abort();
    }
    return new Outcome("huge trace_id", attempted, refused, since(t0), (fieldBytes / 1024) + " KiB each");
  }

  /** One {@code utterance} with {@code bytes} of audio: stopped when it gets an error and no job. */
  public static Outcome bigUtterance(String host, int port, String src, String tgt, int bytes) {
    long t0 = System.nanoTime();
    Probe p = Probe.open(client(), host, port, "/ws/session");
    String sid = initSession(p, src, tgt);
    byte[] audio = new byte[bytes];
    p.send("{\"type\":\"utterance\",\"session_id\":\"" + sid + "\",\"utterance_index\":0,\"manual_cut\":true,\"audio\":\""
        + Base64.getEncoder().encodeToString(audio) + "\",\"audio_format\":\"opus\",\"sample_rate\":16000}", true, WAIT);
    awaitQuietly(() -> p.gotError(null) || p.isClosed(), Duration.ofSeconds(10));
    boolean refused = p.gotError(null) && countType(p, "ui_event") == 0;
    p.abort();
    return new Outcome("utterance of " + bytes / 1000 + " KB", 1, refused ? 1 : 0, since(t0),
        refused ? "refused with an error" : "accepted");
  }

  /** {@code sockets} upgraded connections that send nothing: counts those the scheduler closed within {@code within}. */
  public static Outcome silentSockets(String host, int port, String path, int sockets, Duration within) {
    long t0 = System.nanoTime();
    Opened opened = openMany(host, port, path, sockets);
    List<Probe> probes = opened.probes();
    int refused = opened.refused();
    awaitQuietly(() -> probes.stream().allMatch(Probe::isClosed), within);
    int closed = (int) probes.stream().filter(Probe::isClosed).count();
    probes.forEach(Probe::abort);
    return new Outcome("silent sockets " + path, sockets, closed + refused, since(t0),
        String.format("%d refused at the upgrade, %d closed by the scheduler within %d s", refused, closed,
            within.toSeconds()));
  }

  /**
   * {@code connections} raw TCP connections sending an upgrade request one header line every {@code lineEvery}: counts
   * those the scheduler dropped before {@code within}.
   */
  public static Outcome slowloris(String host, int port, int connections, Duration lineEvery, Duration within) {
    long t0 = System.nanoTime();
    List<Socket> sockets = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      try {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(host, port), 5_000);
        s.setSoTimeout(200);
        s.getOutputStream().write(("GET /ws/session HTTP/1.1\r\nHost: " + host + "\r\n").getBytes(StandardCharsets.US_ASCII));
        sockets.add(s);
      } catch (Exception refused) {
        // counted below as dropped
      }
    }
    AtomicInteger dropped = new AtomicInteger(connections - sockets.size());
    List<Socket> open = Collections.synchronizedList(new ArrayList<>(sockets));
    long deadline = System.nanoTime() + within.toNanos();
    int line = 0;
    while (System.nanoTime() < deadline && !open.isEmpty()) {
      for (Socket s : List.copyOf(open)) {
        try {
          OutputStream o = s.getOutputStream();
          o.write(("X-Slow-" + line + ": 1\r\n").getBytes(StandardCharsets.US_ASCII));
          o.flush();
          InputStream in = s.getInputStream();
          try {
            if (in.read() < 0) throw new java.io.EOFException();
          } catch (java.net.SocketTimeoutException stillOpen) {
            continue;
          }
          // the scheduler answered (408/400) and will close: dropped
          dropped.incrementAndGet();
          open.remove(s);
        } catch (Exception closedByPeer) {
          dropped.incrementAndGet();
          open.remove(s);
        }
      }
      line++;
      sleep(lineEvery);
    }
    for (Socket s : sockets) {
      try {
        s.close();
      } catch (Exception ignored) {
        // closing
      }
    }
    return new Outcome("slowloris", connections, dropped.get(), since(t0),
        String.format("one header line every %d ms; %d still open after %d s", lineEvery.toMillis(), open.size(),
            within.toSeconds()));
  }

  /** {@code sockets} connections from one address: counts those refused (429) or closed at once. */
  public static Outcome manySockets(String host, int port, String path, int sockets) {
    long t0 = System.nanoTime();
    Opened opened = openMany(host, port, path, sockets);
    List<Probe> probes = opened.probes();
    int refused = opened.refused();
    probes.forEach(Probe::abort);
    return new Outcome("sockets from one address " + path, sockets, refused, since(t0),
        String.format("%d upgraded, %d refused", probes.size(), refused));
  }

  /** A second connection registering a live node's id: stopped when it is refused and never receives a job. */
  public static Outcome takeover(String host, int port, String liveNodeId, String registerJson) {
    long t0 = System.nanoTime();
    Probe p = Probe.tryOpen(client(), host, port, "/ws/node");
    if (p == null) return new Outcome("takeover of a live node id", 1, 1, since(t0), "refused at the upgrade");
    p.send(registerJson, true, WAIT);
    awaitQuietly(() -> p.gotError(null) || p.isClosed() || countType(p, "node_register_ack") > 0, Duration.ofSeconds(10));
    boolean acked = countType(p, "node_register_ack") > 0;
    awaitQuietly(() -> countType(p, "job_assign") > 0, Duration.ofSeconds(2));
    boolean gotJobs = countType(p, "job_assign") > 0;
    p.abort();
    return new Outcome("takeover of a live node id", 1, !acked && !gotJobs ? 1 : 0, since(t0),
        acked ? (gotJobs ? "TAKEN OVER: it received jobs" : "acked") : "refused");
  }

  /** {@code n} fake nodes registering from one address: counts the registrations refused. */
  public static Outcome fakeNodes(String host, int port, int n, java.util.function.IntFunction<String> registerJson) {
    long t0 = System.nanoTime();
    HttpClient c = client();
    List<Probe> probes = new ArrayList<>();
    int refused = 0;
    for (int i = 0; i < n; i++) {
      Probe p = Probe.tryOpen(c, host, port, "/ws/node");
      if (p == null) {
        refused++;
        continue;
      }
      probes.add(p);
      p.send(registerJson.apply(i), true, Duration.ofSeconds(5));
    }
    AtomicInteger acked = new AtomicInteger();
    awaitQuietly(() -> probes.stream().allMatch(p -> countType(p, "node_register_ack") > 0 || p.gotError(null)
        || p.isClosed()), Duration.ofSeconds(20));
    for (Probe p : probes) if (countType(p, "node_register_ack") > 0) acked.incrementAndGet();
    probes.forEach(Probe::abort);
    return new Outcome("fake nodes from one address", n, n - acked.get(), since(t0), acked.get() + " registered");
  }

  /**
   * A session that stops reading while it asks for replies as fast as it can ({@code client_heartbeat}, each answered
   * by a {@code server_heartbeat}): stopped when the scheduler closes it instead of queueing replies without bound.
   */
  public static Outcome slowReader(String host, int port, int messages) {
    long t0 = System.nanoTime();
    Probe p = Probe.open(client(), host, port, "/ws/session");
    String sid = initSession(p, "ca", "cb");
    p.reading = false; // from the next message on, nothing more is read: TCP fills, then the scheduler's queue
    int sent = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    for (; sent < messages && !p.isClosed() && System.nanoTime() < deadline; sent++) {
      if (!p.send("{\"type\":\"client_heartbeat\",\"session_id\":\"" + sid + "\",\"timestamp\":1}", true,
          Duration.ofSeconds(2))) {
        break;
      }
    }
    p.reading = true; // now read what the scheduler sent: it ends with its error and close if it gave up on us
    p.ws.request(Long.MAX_VALUE);
    awaitQuietly(p::isClosed, Duration.ofSeconds(15));
    boolean closed = p.isClosed();
    boolean told = p.gotError("OUTBOUND_QUEUE_FULL");
    p.abort();
    return new Outcome("slow reader", 1, closed ? 1 : 0, since(t0), (closed ? "closed" : "still open") + " after "
        + sent + " heartbeats" + (told ? ", told OUTBOUND_QUEUE_FULL" : ""));
  }

  /** {@code requests} GETs of {@code path} from {@code threads} threads: how many were served, and how fast. */
  public static Outcome httpHammer(String host, int port, String path, int threads, int requests) {
    long t0 = System.nanoTime();
    HttpClient c = client();
    AtomicLong ok = new AtomicLong();
    AtomicInteger next = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch done = new CountDownLatch(threads);
    for (int t = 0; t < threads; t++) {
      pool.execute(() -> {
        try {
          while (next.getAndIncrement() < requests) {
            try {
              HttpResponse<Void> r = c.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path))
                  .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding());
              if (r.statusCode() < 500) ok.incrementAndGet();
            } catch (Exception ignored) {
              // counted as not served
            }
          }
        } finally {
          done.countDown();
        }
      });
    }
    await(done, Duration.ofSeconds(120));
    pool.shutdownNow();
    long ms = since(t0);
    return new Outcome("GET " + path, requests, 0, ms,
        String.format("%d answered, %.0f requests/s", ok.get(), ok.get() * 1000.0 / Math.max(1, ms)));
  }

  /**
   * A well-behaved node and session that keep speaking while attacks run: one utterance every 200 ms, each waited
   * for (a result within 20 s), its latency recorded; the node answers every job at once.
   */
  public static final class Canary implements AutoCloseable {
    private final Probe node;
    private final Probe session;
    private final String sid;
    private final List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    private final Thread speaker;
    private volatile boolean running = true;
    private final AtomicInteger unanswered = new AtomicInteger();
    private final AtomicInteger seen = new AtomicInteger();

    public Canary(String host, int port) {
      RegisteredNode n = registerNode(host, port, "ca", "cb");
      node = n.probe();
      nodeId = n.nodeId();
      // speak only once the node is ready: an utterance placed before that fails (no eligible node) and would count
      // as one the canary lost
      awaitQuietly(() -> node.received.stream().anyMatch(m -> "node_status".equals(m.path("type").asText())
          && "ready".equals(m.path("status").asText())), WAIT);
      session = Probe.open(client(), host, port, "/ws/session");
      sid = initSession(session, "ca", "cb");
      speaker = new Thread(this::run, "canary");
      speaker.setDaemon(true);
      speaker.start();
    }

    /** The canary node's id (an attacker may try to take it over). */
    public final String nodeId;

    private void run() {
      byte[] frame = new byte[806];
      String payload = Base64.getEncoder().encodeToString(frame);
      long seq = 0;
      long lastHeartbeat = System.nanoTime();
      java.util.Set<String> answered = new java.util.HashSet<>();
      while (running) {
        long t0 = System.nanoTime();
        int before = countType(session, "translation_result");
        session.send("{\"type\":\"audio_chunk\",\"session_id\":\"" + sid + "\",\"seq\":" + seq++
            + ",\"is_final\":false,\"payload\":\"" + payload + "\"}", true, WAIT);
        session.send("{\"type\":\"audio_chunk\",\"session_id\":\"" + sid + "\",\"seq\":" + seq++
            + ",\"is_final\":true,\"payload\":\"\"}", true, WAIT);
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (running && countType(session, "translation_result") <= before && System.nanoTime() < deadline) {
          for (JsonNode job : node.received) {
            if (!"job_assign".equals(job.path("type").asText())) continue;
            if (!answered.add(job.path("job_id").asText() + "#" + job.path("attempt_id").asInt())) continue;
            node.send("{\"type\":\"job_result\",\"job_id\":\"" + job.path("job_id").asText() + "\",\"attempt_id\":"
                + job.path("attempt_id").asInt() + ",\"node_id\":\"" + nodeId + "\",\"session_id\":\"" + sid
                + "\",\"utterance_index\":" + job.path("utterance_index").asInt() + ",\"success\":true,\"text_asr\":\"canary\","
                + "\"text_translated\":\"canary\",\"processing_time_ms\":1}", true, WAIT);
          }
          sleep(Duration.ofMillis(5));
        }
        if (System.nanoTime() - lastHeartbeat > TimeUnit.SECONDS.toNanos(3)) {
          // a live agent heartbeats (every 15 s for the real one): its id cannot be taken over meanwhile
          node.send(heartbeatJson(nodeId), true, WAIT);
          session.send("{\"type\":\"client_heartbeat\",\"session_id\":\"" + sid + "\",\"timestamp\":1}", true, WAIT);
          lastHeartbeat = System.nanoTime();
        }
        if (countType(session, "translation_result") > before) {
          latencies.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
          seen.incrementAndGet();
        } else if (running) {
          unanswered.incrementAndGet();
        }
        sleep(Duration.ofMillis(200));
      }
    }

    /** Results since the last look (sorted latencies in ms), then forgets them; and how many went unanswered so far. */
    public record Window(List<Long> latencies, int unanswered) {
      public long p50() {
        return latencies.isEmpty() ? -1 : latencies.get(latencies.size() / 2);
      }

      public long p99() {
        return latencies.isEmpty() ? -1 : latencies.get(Math.min(latencies.size() - 1, (int) Math.ceil(latencies.size() * 0.99) - 1));
      }
    }

    public Window window() {
      synchronized (latencies) {
        List<Long> out = new ArrayList<>(latencies);
        latencies.clear();
        Collections.sort(out);
        return new Window(out, unanswered.get());
      }
    }

    /** Waits until the canary got {@code n} more results (or the time is up). */
    public void awaitResults(int n, Duration within) {
      int target = seen.get() + n;
      awaitQuietly(() -> seen.get() >= target, within);
    }

    @Override
    public void close() {
      running = false;
      node.abort();
      session.abort();
    }
  }

  // ---------------------------------------------------------------- helpers

  /** Connections opened from one client, and how many the scheduler refused at the upgrade. */
  record Opened(List<Probe> probes, int refused) {}

  static Opened openMany(String host, int port, String path, int sockets) {
    HttpClient c = client();
    List<Probe> probes = new ArrayList<>();
    int refused = 0;
    for (int i = 0; i < sockets; i++) {
      Probe p = Probe.tryOpen(c, host, port, path);
      if (p == null) refused++;
      else probes.add(p);
    }
    return new Opened(probes, refused);
  }

  static String initSession(Probe p, String src, String tgt) {
    p.send("{\"type\":\"session_init\",\"client_version\":\"hostile\",\"platform\":\"web\",\"src_lang\":\"" + src
        + "\",\"tgt_lang\":\"" + tgt + "\",\"mode\":\"one_way\"}", true, WAIT);
    awaitQuietly(() -> countType(p, "session_init_ack") > 0, WAIT);
    for (JsonNode m : p.received) {
      if ("session_init_ack".equals(m.path("type").asText())) return m.path("session_id").asText();
    }
    throw new IllegalStateException("no session_init_ack: " + p.received);
  }

  static int countType(Probe p, String type) {
    int n = 0;
    for (JsonNode m : p.received) if (type.equals(m.path("type").asText())) n++;
    return n;
  }

  static void awaitQuietly(java.util.function.BooleanSupplier condition, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) sleep(Duration.ofMillis(20));
  }

  private static void await(CountDownLatch latch, Duration within) {
    try {
      latch.await(within.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
