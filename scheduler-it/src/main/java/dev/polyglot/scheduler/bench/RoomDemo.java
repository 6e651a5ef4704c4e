package dev.polyglot.scheduler.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The rooms part of {@code ./scheduler demo} (issue 13; BEHAVIOUR.md §12): a speaker ({@code zh}) and two listeners
 * ({@code en}, {@code ja}) in one room, two fake nodes serving the three languages. It creates and joins the room, has
 * the speaker say a few utterances and shows which node translated each language and who heard what, relays a WebRTC
 * offer, and reads the room totals of {@code /api/v1/cluster}. Loopback only, bounded: every wait has a timeout, and
 * it stops by itself.
 */
final class RoomDemo {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(20);

  /** What the demo saw, for the smoke test: per listener, the translations it heard, and the nodes per utterance. */
  record Outcome(String roomCode, Map<String, List<String>> heard, Map<Integer, Map<String, String>> nodesByUtterance,
                 String relayedTo, int totalRooms) {}

  private RoomDemo() {}

  /** One web-client connection: every message it receives, in order, for {@link #await}. */
  private static final class Client {
    final String name;
    final String lang;
    final List<JsonNode> inbox = new ArrayList<>();
    Conn conn;
    String sid;

    Client(String name, String lang) {
      this.name = name;
      this.lang = lang;
    }

    void open(Conn.Clients clients, String host, int port) throws Exception {
      conn = Conn.open(clients, host, port, "/ws/session", this::received).get(WAIT.toSeconds(), TimeUnit.SECONDS);
      conn.send("{\"type\":\"session_init\",\"client_version\":\"web-client-v1.0\",\"platform\":\"web\",\"src_lang\":\""
          + lang + "\",\"tgt_lang\":\"" + lang + "\",\"dialect\":null,\"features\":{},\"pairing_code\":null,"
          + "\"mode\":\"one_way\",\"trace_id\":null,\"tenant_id\":null}");
      sid = await("session_init_ack", m -> true).path("session_id").asText();
    }

    private void received(String text) {
      try {
        JsonNode m = JSON.readTree(text);
        synchronized (inbox) {
          inbox.add(m);
          inbox.notifyAll();
        }
      } catch (Exception ignored) {
        // the scheduler sends JSON only
      }
    }

    /** The first message of {@code type} matching {@code match}, removed from the inbox; fails after {@link #WAIT}. */
    JsonNode await(String type, Predicate<JsonNode> match) throws InterruptedException {
      long deadline = System.nanoTime() + WAIT.toNanos();
      synchronized (inbox) {
        while (true) {
          for (var it = inbox.iterator(); it.hasNext(); ) {
            JsonNode m = it.next();
            if (type.equals(m.path("type").asText()) && match.test(m)) {
              it.remove();
              return m;
            }
          }
          long left = deadline - System.nanoTime();
          if (left <= 0) throw new IllegalStateException(name + ": no " + type + " within " + WAIT + ": " + inbox);
          inbox.wait(TimeUnit.NANOSECONDS.toMillis(left) + 1);
        }
      }
    }

    void speak(int marker) {
      conn.send("{\"type\":\"audio_chunk\",\"session_id\":\"" + sid + "\",\"seq\":" + (2 * marker)
          + ",\"is_final\":false,\"payload\":\"" + RigSession.audio(806 + marker) + "\"}");
      conn.send("{\"type\":\"audio_chunk\",\"session_id\":\"" + sid + "\",\"seq\":" + (2 * marker + 1)
          + ",\"is_final\":true,\"payload\":\"\"}");
    }
  }

  /** A node agent serving zh, en and ja, answering each job with the language it translated to. */
  private static final class Node {
    final Map<String, String> jobs = new java.util.concurrent.ConcurrentHashMap<>();
    Conn conn;
    volatile String nodeId;
    final java.util.concurrent.CompletableFuture<Void> ready = new java.util.concurrent.CompletableFuture<>();

    void open(Conn.Clients clients, String host, int port) throws Exception {
      conn = Conn.open(clients, host, port, "/ws/node", this::received).get(WAIT.toSeconds(), TimeUnit.SECONDS);
      conn.send(RigNode.registerJson(null, List.of("zh", "en", "ja"), true));
      ready.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private void received(String text) {
      try {
        JsonNode m = JSON.readTree(text);
        switch (m.path("type").asText()) {
          case "node_register_ack" -> {
            nodeId = m.path("node_id").asText();
            heartbeat();
          }
          case "node_status" -> {
            if ("ready".equals(m.path("status").asText())) ready.complete(null);
          }
          case "job_assign" -> answer(m);
          default -> { }
        }
      } catch (Exception ignored) {
        // the scheduler sends JSON only
      }
    }

    void heartbeat() {
      conn.send("{\"type\":\"node_heartbeat\",\"node_id\":\"" + nodeId + "\",\"timestamp\":" + System.currentTimeMillis()
          + ",\"resource_usage\":{\"cpu_percent\":12.5,\"gpu_percent\":41.0,\"gpu_mem_percent\":37.2,\"mem_percent\":48.1,"
          + "\"running_jobs\":0}}");
    }

    private void answer(JsonNode job) {
      String tgt = job.path("tgt_lang").asText();
      jobs.put(job.path("session_id").asText() + "#" + job.path("utterance_index").asInt() + "#" + tgt, nodeId);
      String text = switch (tgt) {
        case "en" -> "The weather is nice today";
        case "ja" -> "今日はいい天気です";
        default -> "(" + tgt + ")";
      };
      conn.send("{\"type\":\"job_result\",\"job_id\":\"" + job.path("job_id").asText() + "\",\"attempt_id\":"
          + job.path("attempt_id").asInt() + ",\"node_id\":\"" + nodeId + "\",\"session_id\":\""
          + job.path("session_id").asText() + "\",\"utterance_index\":" + job.path("utterance_index").asInt()
          + ",\"success\":true,\"text_asr\":\"今天天气很好\",\"text_translated\":\"" + text + "\",\"tts_audio\":\"\","
          + "\"tts_format\":\"opus\",\"processing_time_ms\":120,\"trace_id\":\"" + job.path("trace_id").asText() + "\"}");
    }
  }

  /** Runs the rooms demo against the scheduler at {@code host:port}, printing what happens; returns what it saw. */
  static Outcome run(String host, int port, int utterances) throws Exception {
    System.out.println("== rooms: a speaker (zh) and two listeners (en, ja) in one room, two nodes serving zh/en/ja ...");
    try (Conn.Clients clients = new Conn.Clients(1, 2)) {
      List<Node> nodes = List.of(new Node(), new Node());
      for (Node n : nodes) n.open(clients, host, port);
      Client alice = new Client("Alice", "zh");
      Client bob = new Client("Bob", "en");
      Client chiyo = new Client("Chiyo", "ja");
      for (Client c : List.of(alice, bob, chiyo)) c.open(clients, host, port);
      alice.conn.send("{\"type\":\"room_create\",\"client_ts\":" + System.currentTimeMillis()
          + ",\"display_name\":\"Alice\",\"preferred_lang\":\"zh\"}");
      String code = alice.await("room_create_ack", m -> true).path("room_code").asText();
      for (Client c : List.of(bob, chiyo)) {
        c.conn.send("{\"type\":\"room_join\",\"room_code\":\"" + code + "\",\"display_name\":\"" + c.name
            + "\",\"preferred_lang\":\"" + c.lang + "\"}");
      }
      JsonNode members = alice.await("room_members", m -> m.path("members").size() == 3);
      StringBuilder who = new StringBuilder();
      for (JsonNode p : members.path("members")) {
        who.append(' ').append(p.path("display_name").asText()).append('(').append(p.path("preferred_lang").asText())
            .append(')');
      }
      System.out.printf("   room %s:%s%n", code, who);

      Map<String, List<String>> heard = new LinkedHashMap<>();
      Map<Integer, Map<String, String>> byUtterance = new LinkedHashMap<>();
      for (int i = 0; i < utterances; i++) {
        alice.speak(i);
        final int index = i;
        Predicate<JsonNode> mine = m -> alice.sid.equals(m.path("session_id").asText())
            && m.path("utterance_index").asInt() == index;
        for (Client c : List.of(bob, chiyo)) {
          heard.computeIfAbsent(c.name + " (" + c.lang + ")", k -> new ArrayList<>())
              .add(c.await("translation_result", mine).path("text_translated").asText());
        }
        Map<String, String> where = new LinkedHashMap<>();
        for (Node n : nodes) {
          n.jobs.forEach((k, node) -> {
            if (k.startsWith(alice.sid + "#" + index + "#")) where.put(k.substring(k.lastIndexOf('#') + 1), node);
          });
        }
        byUtterance.put(i, where);
        System.out.printf("   utterance %d: %s%n", i, where.entrySet().stream()
            .map(e -> "zh:" + e.getKey() + " on " + e.getValue()).toList());
      }
      heard.forEach((listener, texts) -> System.out.printf("   %s heard %s%n", listener, texts));
      System.out.printf("   Alice (the speaker) got %d translation_result of her own speech (ui events only)%n",
          alice.inbox.stream().filter(m -> "translation_result".equals(m.path("type").asText())).count());

      bob.conn.send("{\"type\":\"webrtc_offer\",\"room_code\":\"" + code + "\",\"to\":\"" + alice.sid
          + "\",\"sdp\":{\"type\":\"offer\",\"sdp\":\"v=0\"}}");
      String relayedTo = alice.await("webrtc_offer", m -> true).path("to").asText();
      System.out.printf("   webrtc_offer Bob -> Alice relayed with to=%s (Bob's session)%n", relayedTo);

      int totalRooms = -1;
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (System.nanoTime() < deadline) {
        JsonNode cluster = JSON.readTree(get(host, port, "/api/v1/cluster"));
        if (cluster.path("total_rooms").asInt() > 0) {
          totalRooms = cluster.path("total_rooms").asInt();
          System.out.printf("   /api/v1/cluster: total_rooms %d, total_room_members %d%n", totalRooms,
              cluster.path("total_room_members").asInt());
          break;
        }
        Thread.sleep(250);
      }
      for (Client c : List.of(alice, bob, chiyo)) c.conn.close();
      for (Node n : nodes) n.conn.close();
      return new Outcome(code, heard, byUtterance, relayedTo, totalRooms);
    }
  }

  private static String get(String host, int port, String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
  }
}
