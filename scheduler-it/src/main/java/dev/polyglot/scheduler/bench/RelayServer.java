package dev.polyglot.scheduler.bench;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.TextMessage;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The two baselines, speaking the same PROTOCOL.md subset the rig uses (register/ack, heartbeat, session_init/ack,
 * audio_chunk, job_assign, job_result, translation_result) on the same Pekko HTTP WebSocket stack:
 *
 * <ul>
 *   <li><b>floor</b> ({@code seed=false}): a bare relay. No scheduling: the final chunk's utterance goes to the next
 *       connected node round-robin; heartbeats are parsed and dropped. It is the cost of the sockets and the JSON.</li>
 *   <li><b>seed</b> ({@code seed=true}): a small reproduction of the previous scheduler's core. All nodes live in one
 *       map behind one {@link ReentrantReadWriteLock}; a heartbeat takes the write lock, recomputes the node's pool
 *       membership and performs a simulated 2 ms store write while holding it; selection takes the read lock
 *       (power of two choices in the pool). Messages are handled on a worker pool (the socket order is kept),
 *       as the seed handled them off its I/O loop.</li>
 * </ul>
 */
final class RelayServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final long SEED_STORE_WRITE_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

  private final ActorSystem<?> system;
  private final Materializer mat;
  private final boolean seed;
  private final ExecutorService seedWorkers;
  private final AtomicLong ids = new AtomicLong();
  /** Heartbeats fully handled by this server (for the seed: after their store write, lock released). */
  final AtomicLong heartbeatsHandled = new AtomicLong();
  private final Map<String, Conn> jobs = new ConcurrentHashMap<>();
  // floor
  private final CopyOnWriteArrayList<Conn> floorNodes = new CopyOnWriteArrayList<>();
  private final AtomicInteger rr = new AtomicInteger();
  // seed: one map of all nodes behind one lock
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final Map<String, SeedNode> seedNodes = new HashMap<>();
  private final Map<String, Set<String>> seedPools = new HashMap<>();
  private final Map<String, String[]> seedPoolArrays = new HashMap<>();

  private static final class SeedNode {
    final Conn conn;
    final AtomicInteger running = new AtomicInteger();
    volatile int reportedRunning;
    volatile long lastHeartbeatMs;
    Set<String> pools = Set.of();

    SeedNode(Conn conn) {
      this.conn = conn;
    }
  }

  /** One socket's state; {@code out} is thread-safe. */
  private static final class Conn {
    final BoundedSourceQueue<Message> out;
    String id;
    final ByteArrayOutputStream audio = new ByteArrayOutputStream();
    int nextIndex;
    String src = "zh";
    String tgt = "en";

    Conn(BoundedSourceQueue<Message> out) {
      this.out = out;
    }

    void send(String text) {
      out.offer(TextMessage.create(text));
    }
  }

  RelayServer(ActorSystem<?> system, boolean seed) {
    this.system = system;
    this.mat = Materializer.matFromSystem(system);
    this.seed = seed;
    AtomicInteger t = new AtomicInteger();
    this.seedWorkers = seed ? Executors.newFixedThreadPool(32, r -> {
      Thread th = new Thread(r, "seed-worker-" + t.incrementAndGet());
      th.setDaemon(true);
      return th;
    }) : null;
  }

  Route routes() {
    return concat(
        path(PathMatchers.segment("ws").slash("node"), () -> handleWebSocketMessages(flow())),
        path(PathMatchers.segment("ws").slash("session"), () -> handleWebSocketMessages(flow())));
  }

  private Flow<Message, Message, NotUsed> flow() {
    Pair<BoundedSourceQueue<Message>, Source<Message, NotUsed>> q = Source.<Message>queue(4096).preMaterialize(mat);
    Conn conn = new Conn(q.first());
    Flow<Message, String, NotUsed> texts = Flow.<Message>create().mapAsync(1, m -> collect(m));
    Sink<Message, NotUsed> in = seed
        ? texts.mapAsync(1, s -> CompletableFuture.runAsync(() -> handle(conn, s), seedWorkers)).to(Sink.ignore())
        : texts.to(Sink.foreach(s -> handle(conn, s)));
    return Flow.fromSinkAndSourceCoupled(in, q.second().watchTermination((nu, done) -> {
      done.whenComplete((d, ex) -> disconnected(conn));
      return NotUsed.getInstance();
    }));
  }

  private CompletionStage<String> collect(Message m) {
    if (!m.isText()) {
      return m.asBinaryMessage().getStreamedData().runWith(Sink.ignore(), mat).thenApply(d -> "{}");
    }
    TextMessage t = m.asTextMessage();
    if (t.isStrict()) return CompletableFuture.completedFuture(t.getStrictText());
    return t.getStreamedText().runFold(new StringBuilder(), StringBuilder::append, mat).thenApply(StringBuilder::toString);
  }

  private void handle(Conn c, String text) {
    JsonNode m;
    try {
      m = JSON.readTree(text);
    } catch (Exception e) {
      return;
    }
    switch (m.path("type").asText()) {
      case "node_register" -> {
        c.id = "relay-node-" + ids.incrementAndGet();
        Set<String> pools = poolsOf(m);
        if (seed) {
          lock.writeLock().lock();
          try {
            SeedNode n = new SeedNode(c);
            seedNodes.put(c.id, n);
            setPools(c.id, n, pools);
          } finally {
            lock.writeLock().unlock();
          }
        } else {
          floorNodes.add(c);
        }
        c.send("{\"type\":\"node_register_ack\",\"node_id\":\"" + c.id + "\",\"message\":\"Node registered successfully\",\"status\":\"registering\"}");
        c.send("{\"type\":\"node_status\",\"node_id\":\"" + c.id + "\",\"status\":\"ready\",\"timestamp\":" + System.currentTimeMillis() + "}");
      }
      case "node_heartbeat" -> {
        if (!seed || c.id == null) {
          heartbeatsHandled.incrementAndGet();
          return;
        }
        int running = m.path("resource_usage").path("running_jobs").asInt();
        lock.writeLock().lock();
        try {
          SeedNode n = seedNodes.get(c.id);
          if (n == null) return;
          n.reportedRunning = running;
          n.lastHeartbeatMs = System.currentTimeMillis();
          setPools(c.id, n, poolsOf(m.has("language_capabilities") ? m : null, n.pools));
          storeWrite(); // the seed wrote the node to Redis while holding the lock
        } finally {
          lock.writeLock().unlock();
        }
        heartbeatsHandled.incrementAndGet();
      }
      case "session_init" -> {
        c.id = "s-" + ids.incrementAndGet();
        c.src = m.path("src_lang").asText("zh");
        c.tgt = m.path("tgt_lang").asText("en");
        c.send("{\"type\":\"session_init_ack\",\"session_id\":\"" + c.id + "\",\"message\":\"session created\",\"trace_id\":\""
            + m.path("trace_id").asText("t") + "\",\"protocol_version\":\"1.0\",\"use_binary_frame\":false,\"negotiated_codec\":\"opus\","
            + "\"negotiated_audio_format\":\"opus\",\"negotiated_sample_rate\":16000,\"negotiated_channel_count\":1}");
      }
      case "audio_chunk" -> {
        String payload = m.path("payload").asText("");
        if (!payload.isEmpty()) c.audio.writeBytes(Base64.getDecoder().decode(payload));
        if (m.path("is_final").asBoolean(false) && c.audio.size() > 0) dispatch(c);
      }
      case "job_result" -> {
        String jobId = m.path("job_id").asText();
        Conn session = jobs.remove(jobId);
        if (seed && c.id != null) {
          lock.readLock().lock();
          try {
            SeedNode n = seedNodes.get(c.id);
            if (n != null) n.running.decrementAndGet();
          } finally {
            lock.readLock().unlock();
          }
        }
        if (session == null) return;
        ObjectNode r = JSON.createObjectNode();
        r.put("type", "translation_result");
        r.put("session_id", m.path("session_id").asText());
        r.put("utterance_index", m.path("utterance_index").asInt());
        r.put("job_id", jobId);
        r.put("text_asr", m.path("text_asr").asText(""));
        r.put("text_translated", m.path("text_translated").asText(""));
        r.put("tts_audio", m.path("tts_audio").asText(""));
        r.put("tts_format", m.path("tts_format").asText("pcm16"));
        r.put("trace_id", m.path("trace_id").asText(""));
        r.put("scheduler_sent_at_ms", System.currentTimeMillis());
        session.send(r.toString());
      }
      default -> { }
    }
  }

  private void dispatch(Conn session) {
    int index = session.nextIndex++;
    String audio = Base64.getEncoder().encodeToString(session.audio.toByteArray());
    session.audio.reset();
    Conn node = seed ? seedSelect(session.src + ":" + session.tgt) : floorSelect();
    String jobId = "job-" + ids.incrementAndGet();
    if (node == null) {
      session.send("{\"type\":\"error\",\"code\":\"NO_AVAILABLE_NODE\",\"message\":\"no node\",\"details\":{\"job_id\":\"" + jobId
          + "\",\"utterance_index\":" + index + "},\"trace_id\":\"t\"}");
      return;
    }
    jobs.put(jobId, session);
    node.send("{\"type\":\"job_assign\",\"job_id\":\"" + jobId + "\",\"attempt_id\":1,\"session_id\":\"" + session.id
        + "\",\"utterance_index\":" + index + ",\"src_lang\":\"" + session.src + "\",\"tgt_lang\":\"" + session.tgt + "\",\"features\":{},"
        + "\"pipeline\":{\"use_asr\":true,\"use_nmt\":true,\"use_tts\":true,\"use_semantic\":false,\"use_tone\":false},"
        + "\"audio\":\"" + audio + "\",\"audio_format\":\"opus\",\"sample_rate\":16000,\"mode\":\"one_way\","
        + "\"enable_streaming_asr\":true,\"partial_update_interval_ms\":1000,\"trace_id\":\"t\",\"padding_ms\":280,"
        + "\"is_manual_cut\":true,\"turn_id\":\"" + jobId + "\"}");
  }

  private Conn floorSelect() {
    int n = floorNodes.size();
    if (n == 0) return null;
    try {
      return floorNodes.get(Math.floorMod(rr.getAndIncrement(), n));
    } catch (IndexOutOfBoundsException e) {
      return null;
    }
  }

  /** The seed's selection: read lock, two random members of the pool, the less loaded one wins. */
  private Conn seedSelect(String pool) {
    lock.readLock().lock();
    try {
      String[] members = seedPoolArrays.get(pool);
      if (members == null || members.length == 0) return null;
      ThreadLocalRandom r = ThreadLocalRandom.current();
      SeedNode a = seedNodes.get(members[r.nextInt(members.length)]);
      SeedNode b = seedNodes.get(members[r.nextInt(members.length)]);
      SeedNode pick = a.running.get() <= b.running.get() ? a : b;
      pick.running.incrementAndGet();
      return pick.conn;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Under the write lock: recompute the node's pool membership (the seed did it on every heartbeat). */
  private void setPools(String id, SeedNode n, Set<String> pools) {
    Set<String> changed = new HashSet<>();
    for (String p : n.pools) {
      if (!pools.contains(p) && seedPools.getOrDefault(p, new HashSet<>()).remove(id)) changed.add(p);
    }
    for (String p : pools) {
      if (seedPools.computeIfAbsent(p, k -> new HashSet<>()).add(id)) changed.add(p);
    }
    n.pools = pools;
    for (String p : changed) seedPoolArrays.put(p, seedPools.get(p).toArray(String[]::new));
  }

  private static void storeWrite() {
    long end = System.nanoTime() + SEED_STORE_WRITE_NANOS;
    long left;
    while ((left = end - System.nanoTime()) > 0) LockSupport.parkNanos(left);
  }

  private static Set<String> poolsOf(JsonNode m) {
    return poolsOf(m, Set.of());
  }

  private static Set<String> poolsOf(JsonNode m, Set<String> unchanged) {
    if (m == null) return unchanged;
    JsonNode caps = m.path("language_capabilities");
    if (caps.isMissingNode()) return unchanged;
    List<String> asr = new ArrayList<>();
    caps.path("asr_languages").forEach(x -> asr.add(x.asText()));
    List<String> sem = new ArrayList<>();
    caps.path("semantic_languages").forEach(x -> sem.add(x.asText()));
    Set<String> out = new HashSet<>();
    for (String s : asr) for (String t : sem) out.add(s + ":" + t);
    return out;
  }

  private void disconnected(Conn c) {
    if (c.id == null) return;
    if (seed) {
      lock.writeLock().lock();
      try {
        SeedNode n = seedNodes.remove(c.id);
        if (n != null) setPools(c.id, n, Set.of());
      } finally {
        lock.writeLock().unlock();
      }
    } else {
      floorNodes.remove(c);
    }
  }

  @Override
  public void close() {
    if (seedWorkers != null) seedWorkers.shutdownNow();
  }
}
