package dev.polyglot.scheduler.it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.polyglot.scheduler.store.RedisServerProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rooms over real sockets (issue 13; BEHAVIOUR.md §12, acceptance item 21): three scheduler JVMs and a real
 * redis-server, a speaker and two listeners connected to three different instances, two fake node agents. A room is
 * created and joined; an utterance becomes one job per listener language, on distinct nodes, each result delivered only
 * to the listeners of its language; WebRTC signals are relayed with {@code to} rewritten, and refused when the target
 * does not want the sender's raw voice; a listener leaves and joins again; the room shows in {@code /api/v1/cluster}
 * and {@code /metrics}. Then the instance hosting the room's entity is killed ({@code kill -9}): the room comes back
 * from Redis on a survivor, the members on the other instances keep it, a member whose socket died with the instance
 * joins it again by its code, and speech is still translated for every listener.
 */
class RoomsIT {
  static RedisServerProcess redis;
  static final List<SchedulerProcess> instances = new ArrayList<>();
  static final Duration LONG = Duration.ofSeconds(90);

  /**
   * A node whose socket dies with its instance is not heard: it goes Offline at the heartbeat timeout (README), so the
   * fake nodes heartbeat every second and the timeout is short; a session whose client died with the instance ends
   * after the close linger, shortened likewise.
   */
  static List<String> settings(String seed) {
    return List.of("scheduler.store=redis", "scheduler.redis.uri=" + redis.uri(), "pekko.cluster.seed-nodes.0=" + seed,
        "scheduler.stats.snapshot-interval=500ms", "scheduler.sessions.close-linger=10s",
        "scheduler.nodes.heartbeat-timeout=5s", "pekko.loglevel=INFO");
  }

  @BeforeAll
  static void start() {
    redis = RedisServerProcess.start();
    SchedulerProcess.Ports p1 = SchedulerProcess.Ports.free();
    instances.add(SchedulerProcess.start("rooms-1", p1, settings(p1.address())));
    instances.add(SchedulerProcess.start("rooms-2", SchedulerProcess.Ports.free(), settings(p1.address())));
    instances.add(SchedulerProcess.start("rooms-3", SchedulerProcess.Ports.free(), settings(p1.address())));
    SchedulerProcess.awaitCluster(LONG, instances.toArray(SchedulerProcess[]::new));
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new ArrayList<AutoCloseable>(instances)) close(c);
    close(redis);
  }

  private static void close(AutoCloseable c) {
    try {
      if (c != null) c.close();
    } catch (Exception ignored) {
      // best effort: every process is killed
    }
  }

  // ---------------------------------------------------------------- the fake peers

  /** A job a node was given: whose utterance, which index, which target language. */
  record Job(String nodeId, String sessionId, int index, String tgtLang) {}

  /** Every job any node was given, in arrival order. */
  final List<Job> jobs = new CopyOnWriteArrayList<>();

  /** A node serving zh, en and ja that answers every job with {@code text_translated = "to:<tgt_lang>"}. */
  FakeNode node(SchedulerProcess at) {
    FakeNode n = FakeNode.ready(at.httpPort, List.of("zh", "en", "ja"));
    Thread beat = new Thread(() -> {
      while (!n.peer.closed.isDone()) {
        try {
          Thread.sleep(1_000);
          n.heartbeat(10, 0);
        } catch (Exception e) {
          return;
        }
      }
    }, "rooms-node-heartbeat-" + n.nodeId);
    beat.setDaemon(true);
    beat.start();
    Thread t = new Thread(() -> {
      while (!n.peer.closed.isDone()) {
        try {
          JsonNode job = n.awaitJob();
          jobs.add(new Job(n.nodeId, job.path("session_id").asText(), job.path("utterance_index").asInt(),
              job.path("tgt_lang").asText()));
          n.succeed(job, "u:" + job.path("utterance_index").asInt(), "to:" + job.path("tgt_lang").asText());
        } catch (AssertionError idle) {
          // no job within the wait: keep waiting
        } catch (Exception e) {
          return;
        }
      }
    }, "rooms-node-" + n.nodeId);
    t.setDaemon(true);
    t.start();
    return n;
  }

  /** A member: its client, its session, its language, and the instance its socket is on. */
  static final class Member {
    final String name;
    final String lang;
    SchedulerProcess at;
    FakeClient client;
    String sid;
    /** The type of every message the client received, in order. */
    final List<String> received = new CopyOnWriteArrayList<>();

    Member(String name, String lang, SchedulerProcess at) {
      this.name = name;
      this.lang = lang;
      connect(at);
    }

    /** A new connection and session (the web client opens a new session on every reconnect). */
    void connect(SchedulerProcess to) {
      at = to;
      client = FakeClient.connect(to.httpPort);
      client.peer.observe(m -> received.add(m.path("type").asText()));
      sid = client.initOneWay(lang, lang);
    }

    void send(String json) {
      client.peer.send(json);
    }

    void join(String code) {
      send("{\"type\":\"room_join\",\"room_code\":\"" + code + "\",\"display_name\":\"" + name
          + "\",\"preferred_lang\":\"" + lang + "\"}");
    }

    /**
     * Joins {@code code} until the room lists this member: while the room's instance is being replaced, a join may get
     * no answer within {@code rooms.ask-timeout} ({@code error INTERNAL_ERROR}); the client tries again.
     */
    void joinUntilIn(String code, Duration within) {
      long deadline = System.nanoTime() + within.toNanos();
      while (true) {
        join(code);
        try {
          Server.await(name + " in room " + code, () -> client.peer.all("room_members").stream()
              .anyMatch(m -> code.equals(m.path("room_code").asText()) && members(m).contains(sid)),
              Duration.ofSeconds(6));
          return;
        } catch (AssertionError notYet) {
          if (System.nanoTime() > deadline) throw notYet;
        }
      }
    }

    /** Waits for a {@code room_members} of {@code code} whose members are exactly {@code sids}. */
    JsonNode awaitMembers(String code, Set<String> sids) {
      return awaitMembers(code, sids, Peer.WAIT);
    }

    JsonNode awaitMembers(String code, Set<String> sids, Duration within) {
      JsonNode[] found = new JsonNode[1];
      Server.await(name + " sees members " + sids, () -> {
        for (JsonNode m : client.peer.all("room_members")) {
          if (code.equals(m.path("room_code").asText()) && members(m).equals(sids)) {
            found[0] = m;
            return true;
          }
        }
        return false;
      }, within);
      return found[0];
    }

    JsonNode awaitResult(String speaker, int index) {
      return client.peer.await("translation_result", m -> speaker.equals(m.path("session_id").asText())
          && m.path("utterance_index").asInt() == index);
    }

    List<JsonNode> results() {
      return client.peer.all("translation_result");
    }
  }

  static Set<String> members(JsonNode roomMembers) {
    Set<String> s = new HashSet<>();
    for (JsonNode p : roomMembers.path("members")) s.add(p.path("session_id").asText());
    return s;
  }

  static String get(SchedulerProcess p, String path) {
    try {
      return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://" + p.host + ":" + p.httpPort
          + path)).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
    } catch (Exception e) {
      return "";
    }
  }

  /** The sum over the live instances of a counter of {@code /metrics} (its series named exactly). */
  static long metric(String series) {
    long sum = 0;
    for (SchedulerProcess p : instances) {
      if (!p.alive()) continue;
      for (String line : get(p, "/metrics").split("\n")) {
        // the Prometheus client writes every value as a double ("5.0")
        if (line.startsWith(series + " ")) sum += (long) Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    return sum;
  }

  /** The jobs of one utterance, by target language → node. */
  Map<String, String> jobsOf(String speaker, int index) {
    return jobs.stream().filter(j -> j.sessionId().equals(speaker) && j.index() == index)
        .collect(Collectors.toMap(Job::tgtLang, Job::nodeId, (a, b) -> a + "," + b));
  }

  // ---------------------------------------------------------------- the scenario

  @Test
  void roomsFanOutRelayAndSurviveTheCrashOfTheirInstance() throws Exception {
    SchedulerProcess one = instances.get(0);
    SchedulerProcess two = instances.get(1);
    SchedulerProcess three = instances.get(2);
    List<FakeNode> nodes = new ArrayList<>(List.of(node(two), node(three)));
    List<SchedulerProcess> nodesAt = new ArrayList<>(List.of(two, three));
    Member alice = new Member("Alice", "zh", one);
    Member bob = new Member("Bob", "en", two);
    Member chiyo = new Member("Chiyo", "ja", three);

    // room_create: room_create_ack, then room_members
    alice.send("{\"type\":\"room_create\",\"client_ts\":1767225600000,\"display_name\":\"Alice\",\"preferred_lang\":\"zh\"}");
    JsonNode ack = alice.client.peer.await("room_create_ack");
    String code = ack.path("room_code").asText();
    assertTrue(code.matches("[1-9][0-9]{5}"), "a six-digit code: " + code);
    assertFalse(ack.path("room_id").asText().isEmpty());
    alice.awaitMembers(code, Set.of(alice.sid));
    assertTrue(alice.received.indexOf("room_create_ack") < alice.received.indexOf("room_members"),
        "room_create_ack comes first: " + alice.received);

    // room_join from the other two instances: every member gets room_members after each change
    bob.join(code);
    bob.awaitMembers(code, Set.of(alice.sid, bob.sid));
    alice.awaitMembers(code, Set.of(alice.sid, bob.sid));
    chiyo.join(code);
    Set<String> all = Set.of(alice.sid, bob.sid, chiyo.sid);
    for (Member m : List.of(alice, bob, chiyo)) m.awaitMembers(code, all);
    bob.join(code);
    assertEquals("ALREADY_IN_ROOM", bob.client.peer.await("room_error").path("code").asText());

    // fan-out: one job per listener language, on distinct nodes, each result only to its listeners
    alice.client.speak(alice.sid, 1);
    JsonNode toBob = bob.awaitResult(alice.sid, 0);
    assertEquals("to:en", toBob.path("text_translated").asText());
    JsonNode toChiyo = chiyo.awaitResult(alice.sid, 0);
    assertEquals("to:ja", toChiyo.path("text_translated").asText());
    Map<String, String> first = jobsOf(alice.sid, 0);
    assertEquals(Set.of("en", "ja"), first.keySet(), "one job per listener language: " + jobs);
    assertNotEquals(first.get("en"), first.get("ja"), "on distinct nodes: " + first);
    assertEquals(2, jobs.stream().filter(j -> j.sessionId().equals(alice.sid)).count());

    // the WebRTC relay: to is rewritten to the sender
    bob.send("{\"type\":\"webrtc_offer\",\"room_code\":\"" + code + "\",\"to\":\"" + alice.sid
        + "\",\"sdp\":{\"type\":\"offer\",\"sdp\":\"v=0 bob\"}}");
    JsonNode offer = alice.client.peer.await("webrtc_offer");
    assertEquals(bob.sid, offer.path("to").asText());
    assertEquals(code, offer.path("room_code").asText());
    assertEquals("v=0 bob", offer.path("sdp").path("sdp").asText());
    chiyo.send("{\"type\":\"webrtc_ice\",\"room_code\":\"" + code + "\",\"to\":\"" + bob.sid
        + "\",\"candidate\":{\"candidate\":\"candidate:1 1 UDP 1 127.0.0.1 5000 typ host\"}}");
    JsonNode ice = bob.client.peer.await("webrtc_ice");
    assertEquals(chiyo.sid, ice.path("to").asText());
    assertTrue(ice.path("candidate").path("candidate").asText().startsWith("candidate:1"));

    // raw voice refused: Alice does not want Chiyo's; every member sees the preference
    alice.send("{\"type\":\"room_raw_voice_preference\",\"room_code\":\"" + code + "\",\"target_session_id\":\""
        + chiyo.sid + "\",\"receive_raw_voice\":false}");
    Server.await("every member sees Alice's preference", () -> List.of(alice, bob, chiyo).stream().allMatch(m ->
        m.client.peer.all("room_members").stream().anyMatch(v -> {
          for (JsonNode p : v.path("members")) {
            if (p.path("session_id").asText().equals(alice.sid)
                && p.path("raw_voice_preferences").path(chiyo.sid).isBoolean()
                && !p.path("raw_voice_preferences").path(chiyo.sid).asBoolean()) {
              return true;
            }
          }
          return false;
        })));
    long refusedBefore = metric("scheduler_room_relay_dropped_total{reason=\"raw_voice_refused\"}");
    String refusedSender = chiyo.sid;
    chiyo.send("{\"type\":\"webrtc_offer\",\"room_code\":\"" + code + "\",\"to\":\"" + alice.sid
        + "\",\"sdp\":{\"type\":\"offer\",\"sdp\":\"v=0 chiyo\"}}");
    Server.await("Chiyo's offer dropped and counted", () ->
        metric("scheduler_room_relay_dropped_total{reason=\"raw_voice_refused\"}") > refusedBefore, LONG);

    // leave and join again
    chiyo.send("{\"type\":\"room_leave\",\"room_code\":\"" + code + "\"}");
    alice.awaitMembers(code, Set.of(alice.sid, bob.sid));
    bob.awaitMembers(code, Set.of(alice.sid, bob.sid));
    alice.client.speak(alice.sid, 2);
    assertEquals("to:en", bob.awaitResult(alice.sid, 1).path("text_translated").asText());
    assertEquals(Set.of("en"), jobsOf(alice.sid, 1).keySet(), "Chiyo left: no ja job");
    chiyo.join(code);
    for (Member m : List.of(alice, bob, chiyo)) m.awaitMembers(code, all);
    alice.client.speak(alice.sid, 3);
    assertEquals("to:ja", chiyo.awaitResult(alice.sid, 2).path("text_translated").asText());
    assertEquals("to:en", bob.awaitResult(alice.sid, 2).path("text_translated").asText());
    assertTrue(chiyo.results().stream().noneMatch(r -> r.path("utterance_index").asInt() == 1),
        "Chiyo heard nothing while out of the room");

    // the room in /api/v1/cluster and /metrics
    Server.await("the room in /api/v1/cluster", () -> {
      String c = get(two, "/api/v1/cluster");
      return c.contains("\"total_rooms\":1") && c.contains("\"total_room_members\":3");
    }, LONG);
    Server.await("rooms, members, fan-out jobs and relayed signals in /metrics (rendered each snapshot round)",
        () -> metric("scheduler_room_fanout_jobs_total") >= 5 && metric("scheduler_room_relay_forwarded_total") >= 2
            && metric("scheduler_rooms_active") == 1 && metric("scheduler_room_members") == 3, LONG);

    // kill -9 of the instance hosting the room's entity
    SchedulerProcess host = instances.stream().filter(p -> p.logged("room " + code + " created by")).findFirst()
        .orElseThrow(() -> new AssertionError("no instance logged the room's creation"));
    List<Member> lost = List.of(alice, bob, chiyo).stream().filter(m -> m.at == host).toList();
    List<Member> kept = List.of(alice, bob, chiyo).stream().filter(m -> m.at != host).toList();
    System.out.printf("room %s lives on %s; killing it (its members there: %s)%n", code, host.name,
        lost.stream().map(m -> m.name).toList());
    long killedAt = System.nanoTime();
    host.kill();
    List<SchedulerProcess> survivors = instances.stream().filter(p -> p != host).toList();

    // the members on the other instances keep their sessions, which keep talking (heartbeats, as the web client does)
    Thread heartbeats = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        for (Member m : kept) m.client.heartbeat(m.sid);
        try {
          Thread.sleep(1_000);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "rooms-heartbeats");
    heartbeats.setDaemon(true);
    heartbeats.start();
    try {
      // once the survivors have removed the dead instance (its shards move then), a member whose socket died with it
      // reconnects (a new session: the web client opens one on every reconnect) and joins the room by its code
      SchedulerProcess.awaitCluster(LONG, survivors.toArray(SchedulerProcess[]::new));
      System.out.printf("%s removed from the cluster %d ms after the kill%n", host.name,
          (System.nanoTime() - killedAt) / 1_000_000);
      for (Member m : lost) {
        m.connect(survivors.get(0));
        m.joinUntilIn(code, LONG);
      }
      Set<String> after = new HashSet<>();
      for (Member m : List.of(alice, bob, chiyo)) after.add(m.sid);
      for (Member m : List.of(alice, bob, chiyo)) m.awaitMembers(code, after, LONG);
      System.out.printf("the room was back with every member %d ms after the kill%n",
          (System.nanoTime() - killedAt) / 1_000_000);
      // a node whose socket died with the instance is replaced by one connected to a survivor
      for (int i = 0; i < nodes.size(); i++) {
        if (nodesAt.get(i) != host) continue;
        nodesAt.set(i, survivors.get(i % survivors.size()));
        nodes.set(i, node(nodesAt.get(i)));
      }
      assertTrue(survivors.stream().anyMatch(p -> p.logged("room " + code + " restored from the ledger")),
          "the room came back from Redis on a survivor");
      for (Member m : kept) {
        assertTrue(m.client.peer.all("room_error").isEmpty(), m.name + " kept the room: " + m.client.peer.all("room_error"));
      }

      // speech is still translated for every listener
      alice.client.speak(alice.sid, 4);
      int index = lost.contains(alice) ? 0 : 3; // a reconnected speaker starts its new session at index 0
      assertEquals("to:en", bob.awaitResult(alice.sid, index).path("text_translated").asText());
      assertEquals("to:ja", chiyo.awaitResult(alice.sid, index).path("text_translated").asText());
      Map<String, String> late = jobsOf(alice.sid, index);
      assertEquals(Set.of("en", "ja"), late.keySet());
      assertNotEquals(late.get("en"), late.get("ja"), "still on distinct nodes: " + late);
    } catch (AssertionError e) {
      for (SchedulerProcess p : survivors) {
        p.log.stream().filter(l -> l.contains(code) || l.contains("ERROR") || l.contains("WARN")
            || List.of(alice, bob, chiyo).stream().anyMatch(m -> l.contains(m.sid))).limit(80)
            .forEach(l -> System.out.println(p.name + ": " + l));
      }
      throw e;
    } finally {
      heartbeats.interrupt();
    }
    assertTrue(alice.results().isEmpty(), "the speaker's own client gets no translation of its room speech");
    assertTrue(alice.client.peer.all("webrtc_offer").stream().noneMatch(o -> o.path("to").asText().equals(refusedSender)),
        "Chiyo's refused offer never reached Alice");
    for (Member m : List.of(alice, bob, chiyo)) m.client.close();
    nodes.forEach(FakeNode::close);
  }
}
