package dev.polyglot.scheduler.it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.polyglot.scheduler.store.RedisServerProcess;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Three scheduler JVMs and a real redis-server. Node entities live on instance 1 (where nodes and clients
 * connect), session entities on instances 2 and 3. The instance hosting most sessions is lost mid-stream
 * (killed or stopped, by the subclass): every utterance the scheduler accepted (its job was dispatched, which
 * happens only after the job was written to the ledger) must end at its client with exactly one
 * {@code translation_result} or an explicit error, and the moved sessions must go on serving.
 */
abstract class InstanceLossScenario {
  static RedisServerProcess redis;
  static SchedulerProcess one;
  static SchedulerProcess two;
  static SchedulerProcess three;

  static List<String> settings(String role, String seed) {
    return List.of("scheduler.store=redis", "scheduler.redis.uri=" + redis.uri(),
        "scheduler.cluster.node-entity-role=nodes", "scheduler.cluster.session-entity-role=sessions",
        "pekko.cluster.roles.0=" + role, "pekko.cluster.seed-nodes.0=" + seed,
        "pekko.cluster.failure-detector.acceptable-heartbeat-pause=3s",
        "pekko.cluster.split-brain-resolver.stable-after=3s", "pekko.loglevel=INFO");
  }

  @BeforeAll
  static void start() {
    redis = RedisServerProcess.start();
    SchedulerProcess.Ports p1 = SchedulerProcess.Ports.free();
    one = SchedulerProcess.start("sched-1", p1, settings("nodes", p1.address()));
    two = SchedulerProcess.start("sched-2", SchedulerProcess.Ports.free(), settings("sessions", p1.address()));
    three = SchedulerProcess.start("sched-3", SchedulerProcess.Ports.free(), settings("sessions", p1.address()));
    Server.await("three instances ready", () -> {
      for (SchedulerProcess p : List.of(one, two, three)) {
        String r = p.ready();
        if (r == null || !r.contains("\"cluster_members\":3")) return false;
      }
      return true;
    }, java.time.Duration.ofSeconds(90));
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {one, two, three, redis}) {
      try {
        if (c != null) c.close();
      } catch (Exception ignored) {
        // best effort: every process is killed
      }
    }
  }

  /** One client streaming utterances and heartbeats (so a recovered session re-learns its connection). */
  static final class Talker extends Thread {
    final FakeClient client;
    final String sid;
    volatile boolean speaking = true;
    volatile boolean running = true;
    int sent;

    Talker(FakeClient client, String sid) {
      this.client = client;
      this.sid = sid;
      setDaemon(true);
    }

    @Override
    public void run() {
      while (running) {
        if (speaking) {
          client.chunk(sid, FakeClient.opusFrame(sent));
          client.finalChunk(sid);
          sent++;
        }
        client.heartbeat(sid);
        try {
          Thread.sleep(250);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  static Set<Integer> indices(List<JsonNode> messages, String field) {
    Set<Integer> out = new TreeSet<>();
    for (JsonNode m : messages) out.add(field.isEmpty() ? m.path("utterance_index").asInt() : m.path("details").path(field).asInt());
    return out;
  }

  /** Takes the victim down. */
  abstract void lose(SchedulerProcess victim);

  abstract String how();

  /** Runs just before the victim is taken down (which instance that is is known only then). */
  void beforeLoss(SchedulerProcess victim) {}

  /** Runs once the victim is down and every moved session delivered a result again. */
  void afterLoss(SchedulerProcess victim, long lostAtNanos) {}

  void runScenario() throws Exception {
    FakeNode n1 = FakeNode.ready(one.httpPort, List.of("p1", "q1"));
    FakeNode n2 = FakeNode.ready(one.httpPort, List.of("p1", "q1"));
    n1.autoRespond(50);
    n2.autoRespond(50);
    List<Talker> talkers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      FakeClient c = FakeClient.connect(one.httpPort);
      talkers.add(new Talker(c, c.initOneWay("p1", "q1")));
    }
    Server.await("sessions placed", () -> talkers.stream().allMatch(t -> two.logged(t.sid) || three.logged(t.sid)));
    talkers.forEach(Thread::start);
    Thread.sleep(2_000);
    long onTwo = talkers.stream().filter(t -> two.logged("session " + t.sid + " created")).count();
    SchedulerProcess victim = onTwo >= 2 ? two : three;
    List<Talker> moved = talkers.stream().filter(t -> victim.logged("session " + t.sid + " created")).toList();
    Map<Talker, Integer> resultsBefore = new HashMap<>();
    for (Talker t : moved) resultsBefore.put(t, t.client.peer.all("translation_result").size());
    beforeLoss(victim);
    long killedAt = System.nanoTime();
    lose(victim);
    long recoveredAfter = -1;
    try {
      for (Talker t : moved) {
        Server.await("a result after the crash for " + t.sid,
            () -> t.client.peer.all("translation_result").size() > resultsBefore.get(t), java.time.Duration.ofSeconds(60));
        recoveredAfter = Math.max(recoveredAfter, (System.nanoTime() - killedAt) / 1_000_000);
      }
    } finally {
      for (SchedulerProcess p : List.of(one, two, three)) {
        if (p == victim) continue;
        p.log.stream().filter(l -> l.contains("recovered") || l.contains("re-learnt") || l.contains("ERROR")
                || moved.stream().anyMatch(t -> l.contains(t.sid)))
            .limit(40).forEach(l -> System.out.println(p.name + ": " + l));
      }
    }
    afterLoss(victim, killedAt);
    talkers.forEach(t -> t.speaking = false);

    // every dispatched (so durable) utterance ends with exactly one result or an error
    for (Talker t : talkers) {
      Server.await("all accepted utterances of " + t.sid + " answered", () -> {
        Set<Integer> accepted = indices(t.client.peer.all("ui_event").stream()
            .filter(m -> "DISPATCHED".equals(m.path("event").asText())).toList(), "");
        Set<Integer> answered = indices(t.client.peer.all("translation_result"), "");
        answered.addAll(indices(t.client.peer.all("error"), "utterance_index"));
        return answered.containsAll(accepted);
      }, java.time.Duration.ofSeconds(60));
    }
    int accepted = 0;
    for (Talker t : talkers) {
      t.running = false;
      List<JsonNode> results = t.client.peer.all("translation_result");
      Set<Integer> unique = indices(results, "");
      assertEquals(unique.size(), results.size(), "no utterance answered twice in " + t.sid + ": " + results);
      accepted += indices(t.client.peer.all("ui_event").stream()
          .filter(m -> "DISPATCHED".equals(m.path("event").asText())).toList(), "").size();
    }
    System.out.printf("%s: %s lost with %d of 4 sessions; %d utterances accepted in all, none lost; "
        + "the moved sessions delivered again within %d ms (recovery time)%n", how(), victim.name, moved.size(), accepted,
        recoveredAfter);
    assertFalse(moved.isEmpty());
    talkers.forEach(t -> t.client.close());
    n1.close();
    n2.close();
  }
}
