package dev.polyglot.scheduler.store;

import dev.polyglot.scheduler.api.Cut;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.polyglot.scheduler.api.JobOrder;
import dev.polyglot.scheduler.api.FeatureFlags;
import dev.polyglot.scheduler.api.PipelineConfig;
import dev.polyglot.scheduler.store.Ledger.JobRecord;
import dev.polyglot.scheduler.store.Ledger.SessionSnapshot;
import io.lettuce.core.RedisCommandTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The Redis ledger against a real {@code redis-server} child process on loopback: the behaviours of
 * {@link InMemoryLedger}, then Redis faults (RELIABILITY.md P6, R1, R2, R4, R5).
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class RedisLedgerTest {
  static final Duration COMMAND_TIMEOUT = Duration.ofMillis(500);
  /** A bound, not a benchmark: an operation against a dead or frozen Redis fails well before this. */
  static final Duration FAIL_FAST_BOUND = Duration.ofSeconds(3);
  static final String PREFIX = "test";

  static RedisLedger.Settings settings(String uri) {
    return new RedisLedger.Settings(uri, COMMAND_TIMEOUT, PREFIX);
  }

  static JobOrder order(String sessionId, String jobId, int index, byte[] audio) {
    return new JobOrder(jobId, 1, sessionId, index, "zh", "en", PipelineConfig.streamingDefault(), audio,
        "opus", 16000, "trace-1", true, 1000, "turn-1", null, FeatureFlags.empty(), "one_way", null, null,
        List.of("zh", "en"), 220, Cut.TIMER);
  }

  static JobRecord job(String sessionId, String jobId, int index) {
    return new JobRecord(order(sessionId, jobId, index, new byte[] {1, 2, 3}), "default", Set.of("asr", "nmt"),
        1_700_000_000_000L + index, index % 2 == 0 ? null : 42L);
  }

  static SessionSnapshot snapshot(String sessionId) {
    return new SessionSnapshot(sessionId, "zh", "en", "one_way", null, null, "trace-1", 7, "turn-3", 5);
  }

  static String newSession() {
    return "s-" + UUID.randomUUID();
  }

  static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("operation failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("operation did not complete within 5 s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The failure of an operation that must fail, with how long it took. */
  record Failure(Throwable cause, Duration took) {}

  static Failure failure(CompletionStage<?> stage, long startNanos) {
    try {
      Object v = stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
      throw new AssertionError("expected a failure, got " + v);
    } catch (ExecutionException e) {
      return new Failure(e.getCause(), Duration.ofNanos(System.nanoTime() - startNanos));
    } catch (TimeoutException e) {
      throw new AssertionError("the operation neither failed nor completed within 10 s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Every operation of the port, each one failing fast: returns the slowest failure. */
  static Failure everyOperationFails(Ledger ledger) {
    String s = newSession();
    List<Function<Ledger, CompletionStage<?>>> ops = List.of(
        l -> l.saveSession(snapshot(s)),
        l -> l.loadSession(s),
        l -> l.recordJob(s, job(s, "j-1", 1)),
        l -> l.finishJob(s, "j-1"),
        l -> l.unfinishedJobs(s),
        l -> l.claimUtterance(s, 1, "j-1"),
        l -> l.deleteSession(s));
    Failure slowest = null;
    for (Function<Ledger, CompletionStage<?>> op : ops) {
      long t0 = System.nanoTime();
      CompletionStage<?> stage = op.apply(ledger); // must not throw
      Failure f = failure(stage, t0);
      assertTrue(f.took().compareTo(FAIL_FAST_BOUND) < 0,
          "an operation took " + f.took().toMillis() + " ms to fail: " + f.cause());
      if (slowest == null || f.took().compareTo(slowest.took()) > 0) slowest = f;
    }
    return slowest;
  }

  static void eventually(Duration within, Runnable check) {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      try {
        check.run();
        return;
      } catch (AssertionError | RuntimeException e) {
        if (System.nanoTime() > deadline) throw e;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  static void awaitUp(RedisLedger ledger, Duration within) {
    eventually(within, () -> assertEquals("up", ledger.serverState()));
  }

  static long integerReply(String reply) {
    assertTrue(reply.startsWith(":"), "integer reply expected, got " + reply);
    return Long.parseLong(reply.substring(1));
  }

  // -----------------------------------------------------------------------------------------------------------------

  @Nested
  class Behaves_like_the_in_memory_ledger {
    static RedisServerProcess redis;
    static RedisLedger ledger;

    @BeforeAll
    static void start() {
      redis = RedisServerProcess.start();
      ledger = RedisLedger.connect(settings(redis.uri()));
      awaitUp(ledger, Duration.ofSeconds(10));
    }

    @AfterAll
    static void stop() {
      try {
        if (ledger != null) await(ledger.closeAsync());
      } finally {
        if (redis != null) redis.close();
      }
    }

    @Test
    void it_reports_kind_redis_and_server_up() {
      assertEquals("redis", ledger.kind());
      assertEquals("up", ledger.serverState());
    }

    @Test
    void recorded_jobs_come_back_as_unfinished_sorted_by_utterance_index() {
      String s = newSession();
      await(ledger.recordJob(s, job(s, "j-3", 3)));
      await(ledger.recordJob(s, job(s, "j-1", 1)));
      await(ledger.recordJob(s, job(s, "j-2", 2)));
      List<JobRecord> jobs = await(ledger.unfinishedJobs(s));
      assertEquals(List.of("j-1", "j-2", "j-3"), jobs.stream().map(j -> j.order().jobId()).toList());
      JobRecord back = jobs.get(0);
      JobRecord sent = job(s, "j-1", 1);
      assertEquals(sent.pool(), back.pool());
      assertEquals(sent.requiredTypes(), back.requiredTypes());
      assertEquals(sent.createdAtMs(), back.createdAtMs());
      assertEquals(sent.firstClientTs(), back.firstClientTs());
      assertEquals(sent.order().withAudio(null), back.order().withAudio(null));
      assertArrayEquals(sent.order().audio(), back.order().audio());
      assertEquals(null, jobs.get(1).firstClientTs());
    }

    /** Issue 11: a recovery never reuses an index a recorded job may have shown, nor replays audio it holds. */
    @Test
    void recorded_jobs_raise_the_sessions_index_and_audio_floors_even_after_they_finish() {
      String s = newSession();
      await(ledger.saveSession(snapshot(s)));
      JobRecord j = job(s, "j-9", 9);
      await(ledger.recordJob(s, new JobRecord(j.order(), j.pool(), j.requiredTypes(), j.createdAtMs(), j.firstClientTs(),
          List.of(), 40)));
      await(ledger.recordJob(s, new JobRecord(j.order().withAttempt(2), j.pool(), j.requiredTypes(), j.createdAtMs(),
          j.firstClientTs(), List.of("node-a"), 0)));
      await(ledger.finishJob(s, "j-9"));
      SessionSnapshot loaded = await(ledger.loadSession(s)).orElseThrow();
      assertEquals(10, loaded.nextIndex(), "above the recorded index 9, though the snapshot said 7");
      assertEquals(40, loaded.durableSeq(), "floors only rise");
    }

    @Test
    void recording_the_same_job_again_replaces_it() {
      String s = newSession();
      await(ledger.recordJob(s, job(s, "j-1", 1)));
      JobRecord retried = new JobRecord(job(s, "j-1", 1).order().withAttempt(2), "gpu", Set.of("asr"), 5L, 6L);
      await(ledger.recordJob(s, retried));
      List<JobRecord> jobs = await(ledger.unfinishedJobs(s));
      assertEquals(1, jobs.size());
      assertEquals(2, jobs.get(0).order().attemptId());
      assertEquals("gpu", jobs.get(0).pool());
    }

    @Test
    void a_finished_job_is_no_longer_unfinished() {
      String s = newSession();
      await(ledger.recordJob(s, job(s, "j-1", 1)));
      await(ledger.recordJob(s, job(s, "j-2", 2)));
      await(ledger.finishJob(s, "j-1"));
      await(ledger.finishJob(s, "never-recorded"));
      await(ledger.finishJob(newSession(), "j-1"));
      assertEquals(List.of("j-2"), await(ledger.unfinishedJobs(s)).stream().map(j -> j.order().jobId()).toList());
    }

    @Test
    void an_unknown_session_has_no_unfinished_jobs_and_no_snapshot() {
      String s = newSession();
      assertEquals(List.of(), await(ledger.unfinishedJobs(s)));
      assertEquals(Optional.empty(), await(ledger.loadSession(s)));
    }

    @Test
    void claiming_an_utterance_is_idempotent_for_its_job_and_refused_to_another_job() {
      String s = newSession();
      assertTrue(await(ledger.claimUtterance(s, 4, "j-a")));
      assertTrue(await(ledger.claimUtterance(s, 4, "j-a")), "the same job claims again");
      assertFalse(await(ledger.claimUtterance(s, 4, "j-b")), "another job is refused");
      assertTrue(await(ledger.claimUtterance(s, 5, "j-b")), "another index is free");
      assertTrue(await(ledger.claimUtterance(newSession(), 4, "j-b")), "another session is independent");
    }

    @Test
    void of_many_jobs_claiming_one_utterance_at_the_same_time_exactly_one_wins() {
      String s = newSession();
      List<CompletionStage<Boolean>> claims = new java.util.ArrayList<>();
      for (int i = 0; i < 50; i++) claims.add(ledger.claimUtterance(s, 0, "j-" + i));
      long winners = claims.stream().filter(RedisLedgerTest::await).count();
      assertEquals(1, winners);
    }

    @Test
    void a_snapshot_round_trips_and_the_latest_save_wins() {
      String s = newSession();
      SessionSnapshot first = snapshot(s);
      await(ledger.saveSession(first));
      assertEquals(Optional.of(first), await(ledger.loadSession(s)));
      SessionSnapshot later = new SessionSnapshot(s, "en", "zh", "two_way", "en", "zh", null, 8, "turn-4", 6);
      await(ledger.saveSession(later));
      assertEquals(Optional.of(later), await(ledger.loadSession(s)));
    }

    @Test
    void a_500_KiB_audio_survives_intact() {
      String s = newSession();
      byte[] audio = new byte[500 * 1024];
      new Random(7).nextBytes(audio);
      await(ledger.recordJob(s, new JobRecord(order(s, "j-big", 0, audio), "default", Set.of(), 1L, null)));
      List<JobRecord> jobs = await(ledger.unfinishedJobs(s));
      assertEquals(1, jobs.size());
      assertArrayEquals(audio, jobs.get(0).order().audio());
    }

    @Test
    void deleting_a_session_forgets_its_snapshot_jobs_and_utterance_keys() {
      String s = newSession();
      await(ledger.saveSession(snapshot(s)));
      await(ledger.recordJob(s, job(s, "j-1", 1)));
      assertTrue(await(ledger.claimUtterance(s, 1, "j-1")));
      await(ledger.deleteSession(s));
      assertEquals(Optional.empty(), await(ledger.loadSession(s)));
      assertEquals(List.of(), await(ledger.unfinishedJobs(s)));
      assertTrue(await(ledger.claimUtterance(s, 1, "j-other")), "the utterance key is free again");
      await(ledger.deleteSession(s));
      for (String key : ledger.keys(s)) assertEquals(0, integerReply(redis.command("EXISTS " + key)), key);
    }

    @Test
    void every_key_of_a_session_lives_under_the_prefix_and_expires_within_24_hours() {
      String s = newSession();
      await(ledger.saveSession(snapshot(s)));
      await(ledger.recordJob(s, job(s, "j-1", 1)));
      await(ledger.claimUtterance(s, 1, "j-1"));
      long day = Duration.ofHours(24).toMillis();
      for (String key : ledger.keys(s)) {
        assertTrue(key.startsWith(PREFIX + ":"), key);
        long pttl = integerReply(redis.command("PTTL " + key));
        assertTrue(pttl > day - 60_000 && pttl <= day, key + " has PTTL " + pttl);
      }
    }

    @Test
    void a_write_refreshes_the_ttl_of_the_other_keys_of_the_session() {
      String s = newSession();
      await(ledger.recordJob(s, job(s, "j-1", 1)));
      String jobsKey = ledger.jobsKey(s);
      assertEquals(1, integerReply(redis.command("PEXPIRE " + jobsKey + " 60000")));
      await(ledger.saveSession(snapshot(s)));
      assertTrue(integerReply(redis.command("PTTL " + jobsKey)) > 60_000, "the jobs key got the full TTL again");
    }
  }

  // -----------------------------------------------------------------------------------------------------------------

  @Nested
  class Under_redis_faults {

    @Test
    void when_redis_is_killed_every_operation_fails_fast_and_the_server_is_down_then_it_recovers_on_restart() {
      RedisServerProcess redis = RedisServerProcess.start();
      int port = redis.port();
      RedisLedger ledger = RedisLedger.connect(settings(redis.uri()));
      RedisServerProcess restarted = null;
      try {
        awaitUp(ledger, Duration.ofSeconds(10));
        String s = newSession();
        await(ledger.saveSession(snapshot(s)));

        redis.kill();
        eventually(Duration.ofSeconds(2), () -> assertEquals("down", ledger.serverState()));
        Failure slowest = everyOperationFails(ledger);
        assertNotNull(slowest.cause());
        long failuresBefore = ledger.failures();
        assertTrue(failuresBefore >= 7, "failed operations are counted: " + failuresBefore);

        restarted = RedisServerProcess.start(port);
        awaitUp(ledger, Duration.ofSeconds(10));
        eventually(Duration.ofSeconds(5), () -> await(ledger.saveSession(snapshot(s))));
        // R5: Redis came back empty; the ledger is written again from live state
        assertEquals(Optional.of(snapshot(s)), await(ledger.loadSession(s)));
        assertTrue(await(ledger.claimUtterance(s, 1, "j-1")));
      } finally {
        await(ledger.closeAsync());
        redis.close();
        if (restarted != null) restarted.close();
      }
    }

    @Test
    void a_ledger_created_while_redis_is_down_does_not_throw_and_becomes_usable_when_redis_starts() {
      int port = RedisServerProcess.freePort();
      long t0 = System.nanoTime();
      RedisLedger ledger = RedisLedger.connect(settings("redis://127.0.0.1:" + port));
      Duration connectTook = Duration.ofNanos(System.nanoTime() - t0);
      RedisServerProcess redis = null;
      try {
        assertTrue(connectTook.compareTo(Duration.ofSeconds(1)) < 0,
            "connect returned after " + connectTook.toMillis() + " ms");
        assertEquals("down", ledger.serverState());
        everyOperationFails(ledger);

        redis = RedisServerProcess.start(port);
        awaitUp(ledger, Duration.ofSeconds(10));
        String s = newSession();
        await(ledger.saveSession(snapshot(s)));
        assertEquals(Optional.of(snapshot(s)), await(ledger.loadSession(s)));
      } finally {
        await(ledger.closeAsync());
        if (redis != null) redis.close();
      }
    }

    @Test
    void when_redis_is_frozen_operations_time_out_at_the_command_timeout_and_succeed_after_it_thaws() {
      RedisServerProcess redis = RedisServerProcess.start();
      RedisLedger ledger = RedisLedger.connect(settings(redis.uri()));
      try {
        awaitUp(ledger, Duration.ofSeconds(10));
        String s = newSession();
        await(ledger.saveSession(snapshot(s)));

        redis.pause();
        Failure slowest = everyOperationFails(ledger);
        assertTrue(slowest.cause() instanceof RedisCommandTimeoutException,
            "a frozen Redis is a timeout: " + slowest.cause());
        assertTrue(slowest.took().compareTo(COMMAND_TIMEOUT.minusMillis(100)) >= 0,
            "timed out after " + slowest.took().toMillis() + " ms, before the command timeout");

        // the consecutive timeouts opened the breaker: no more commands pile up behind the frozen server
        assertEquals("down", ledger.serverState());
        long t0 = System.nanoTime();
        Failure fast = failure(ledger.recordJob(s, job(s, "j-9", 9)), t0);
        assertTrue(fast.took().compareTo(Duration.ofMillis(100)) < 0, "took " + fast.took().toMillis() + " ms");
        assertTrue(String.valueOf(fast.cause().getMessage()).contains("circuit breaker"), fast.cause().toString());

        redis.resume();
        eventually(Duration.ofSeconds(5), () -> assertEquals(Optional.of(snapshot(s)), await(ledger.loadSession(s))));
        assertEquals("up", ledger.serverState());
        await(ledger.recordJob(s, job(s, "j-9", 9)));
      } finally {
        await(ledger.closeAsync());
        redis.close();
      }
    }

    @Test
    void a_closed_ledger_fails_every_operation_and_reports_down() {
      RedisServerProcess redis = RedisServerProcess.start();
      try {
        RedisLedger ledger = RedisLedger.connect(settings(redis.uri()));
        awaitUp(ledger, Duration.ofSeconds(10));
        await(ledger.closeAsync());
        assertEquals("down", ledger.serverState());
        everyOperationFails(ledger);
      } finally {
        redis.close();
      }
    }
  }

  // -----------------------------------------------------------------------------------------------------------------

  @Test
  void the_redis_server_shipped_in_embedded_redis_starts_and_serves_the_ledger() {
    try (RedisServerProcess redis = RedisServerProcess.startEmbedded()) {
      RedisLedger ledger = RedisLedger.connect(settings(redis.uri()));
      try {
        awaitUp(ledger, Duration.ofSeconds(10));
        String s = newSession();
        await(ledger.recordJob(s, job(s, "j-1", 1)));
        assertTrue(await(ledger.claimUtterance(s, 1, "j-1")));
        assertEquals(1, await(ledger.unfinishedJobs(s)).size());
      } finally {
        await(ledger.closeAsync());
      }
    }
  }
}
