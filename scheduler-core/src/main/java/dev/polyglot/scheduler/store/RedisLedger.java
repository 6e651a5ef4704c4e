package dev.polyglot.scheduler.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.DefaultClientResources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.net.SocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger in Redis (ARCHITECTURE.md §3, RELIABILITY.md P6, R1–R5), through Lettuce's asynchronous API only.
 *
 * <p>Redis trouble never blocks the caller and never queues without bound: every command fails after
 * {@link Settings#commandTimeout()}, commands are rejected at once while the connection is down
 * ({@code REJECT_COMMANDS}, bounded request queue), and {@link #connect} returns at once even when Redis is down
 * at startup (R1): it keeps connecting in the background with a capped exponential backoff, and until then every
 * operation completes exceptionally at once. Once connected, Lettuce reconnects by itself.
 *
 * <p>A Redis that is frozen with its connection open (R4) makes commands time out rather than be rejected, and
 * Lettuce keeps a timed-out command until its reply arrives. So that a frozen Redis cannot pile up commands (and the
 * audio they carry), a circuit breaker opens after {@link #BREAKER_TIMEOUTS} consecutive timeouts: for
 * {@link #BREAKER_OPEN} every operation then fails at once, after which one probe operation at a time is let through
 * until one succeeds. While the breaker is open {@link #serverState()} says {@code down}.
 *
 * <p>Keys of a session, all sharing the hash tag {@code {sessionId}} so they live in one slot:
 * <ul>
 *   <li>{@code <prefix>:session:{id}:snapshot}: the {@link SessionSnapshot} as one JSON string;</li>
 *   <li>{@code <prefix>:session:{id}:jobs}: a hash jobId → JSON of the {@link JobRecord} (audio as base64);</li>
 *   <li>{@code <prefix>:session:{id}:utterances}: a hash utterance index → jobId (the idempotency keys).</li>
 * </ul>
 * Every write refreshes the time to live of all three keys ({@link #KEY_TTL}), so the keys of a session that no
 * instance finished (a crashed cluster) expire together instead of leaking forever.
 *
 * <p>A room is one key, {@code <prefix>:room:{code}}: its {@link RoomRecord} as one JSON string, with the same time to
 * live, refreshed by every write (its entity writes it on each change and at least hourly while it lives).
 */
public final class RedisLedger implements Ledger {
  private static final Logger log = LoggerFactory.getLogger(RedisLedger.class);

  /** Time to live of a session's keys, refreshed by every write of that session. */
  public static final Duration KEY_TTL = Duration.ofHours(24);
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);
  static final Duration RETRY_MIN = Duration.ofMillis(100);
  static final Duration RETRY_MAX = Duration.ofSeconds(2);
  /**
   * Commands in flight per connection. Job records carry up to ~700 KB of audio, so this bounds what a frozen
   * Redis can hold before the breaker opens (about 350 MB at worst); beyond it commands fail at once.
   */
  static final int REQUEST_QUEUE_SIZE = 512;
  /** Consecutive command timeouts that open the circuit breaker. */
  static final int BREAKER_TIMEOUTS = 3;
  /** How long the open breaker fails every operation at once before letting a probe through. */
  static final Duration BREAKER_OPEN = Duration.ofSeconds(1);

  /** Refreshes the TTL of every key of the session (KEYS), ARGV[1] = ttl in ms. */
  private static final String REFRESH_ALL =
      "for i = 1, #KEYS do redis.call('PEXPIRE', KEYS[i], ARGV[1]) end ";

  /** KEYS = snapshot, jobs, utterances; ARGV = ttl, snapshot JSON. */
  private static final String SAVE_SESSION =
      "redis.call('SET', KEYS[1], ARGV[2]) " + REFRESH_ALL + "return 1";

  /**
   * KEYS = snapshot, jobs, utterances; ARGV = ttl, jobId, record JSON, index + 1, last audio seq. The floors live in
   * the utterances hash under {@code ~next} and {@code ~seq} (claims use numeric fields) and only ever rise.
   */
  private static final String RECORD_JOB =
      "redis.call('HSET', KEYS[2], ARGV[2], ARGV[3]) "
          + "if tonumber(ARGV[4]) > tonumber(redis.call('HGET', KEYS[3], '~next') or '0') then "
          + "redis.call('HSET', KEYS[3], '~next', ARGV[4]) end "
          + "if tonumber(ARGV[5]) > tonumber(redis.call('HGET', KEYS[3], '~seq') or '0') then "
          + "redis.call('HSET', KEYS[3], '~seq', ARGV[5]) end "
          + REFRESH_ALL + "return 1";

  /** KEYS = snapshot, jobs, utterances; ARGV = ttl, jobId. */
  private static final String FINISH_JOB =
      "redis.call('HDEL', KEYS[2], ARGV[2]) " + REFRESH_ALL + "return 1";

  /** KEYS = snapshot, jobs, utterances; ARGV = ttl, utterance index, jobId. 1 = claimed (or already ours), 0 = not. */
  private static final String CLAIM_UTTERANCE =
      "local set = redis.call('HSETNX', KEYS[3], ARGV[2], ARGV[3]) " + REFRESH_ALL
          + "if set == 1 then return 1 end "
          + "if redis.call('HGET', KEYS[3], ARGV[2]) == ARGV[3] then return 1 end "
          + "return 0";

  /**
   * @param uri            {@code redis://host:port[/db]}
   * @param commandTimeout every command fails after this (the {@code scheduler.redis.command-timeout})
   * @param keyPrefix      first segment of every key ({@code lingua} by default)
   */
  public record Settings(String uri, Duration commandTimeout, String keyPrefix) {
    public Settings {
      Objects.requireNonNull(uri, "uri");
      Objects.requireNonNull(keyPrefix, "keyPrefix");
      if (commandTimeout == null || commandTimeout.isNegative() || commandTimeout.isZero()) {
        throw new IllegalArgumentException("scheduler.redis.command-timeout must be positive: " + commandTimeout);
      }
      if (keyPrefix.isBlank()) throw new IllegalArgumentException("scheduler.redis.key-prefix must not be blank");
    }

    /** From the {@code scheduler.redis} section. */
    public static Settings fromConfig(Config redis) {
      return new Settings(redis.getString("uri"), redis.getDuration("command-timeout"),
          redis.hasPath("key-prefix") ? redis.getString("key-prefix") : "lingua");
    }
  }

  private final Settings settings;
  private final RedisURI redisUri;
  private final String hostPort;
  private final ClientResources resources;
  private final RedisClient client;
  private final ObjectMapper json;
  private final AtomicReference<StatefulRedisConnection<String, String>> connection = new AtomicReference<>();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicInteger connectAttempts = new AtomicInteger();
  private final AtomicInteger consecutiveTimeouts = new AtomicInteger();
  private final AtomicBoolean probing = new AtomicBoolean();
  private volatile boolean breakerOpen;
  private volatile long breakerOpenUntil;
  private volatile boolean closed;

  private RedisLedger(Settings settings) {
    this.settings = settings;
    this.redisUri = RedisURI.create(settings.uri()); // a malformed URI throws here, before any thread is started
    redisUri.setTimeout(settings.commandTimeout());
    this.hostPort = redisUri.getHost() + ":" + redisUri.getPort();
    this.resources = DefaultClientResources.builder()
        .ioThreadPoolSize(2)
        .computationThreadPoolSize(2)
        .reconnectDelay(Delay.exponential(RETRY_MIN, RETRY_MAX, 2, TimeUnit.MILLISECONDS))
        .build();
    this.client = RedisClient.create(resources, redisUri);
    client.setOptions(ClientOptions.builder()
        .autoReconnect(true)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .requestQueueSize(REQUEST_QUEUE_SIZE)
        .timeoutOptions(TimeoutOptions.enabled(settings.commandTimeout()))
        .socketOptions(SocketOptions.builder().connectTimeout(CONNECT_TIMEOUT).keepAlive(true).build())
        .build());
    client.addListener(new RedisConnectionStateListener() {
      @Override
      public void onRedisConnected(RedisChannelHandler<?, ?> c, SocketAddress address) {
        if (!closed) log.info("redis ledger connection to {} is up", safeUri());
      }

      @Override
      public void onRedisDisconnected(RedisChannelHandler<?, ?> c) {
        if (!closed) log.warn("redis ledger connection to {} lost; reconnecting, operations fail meanwhile", safeUri());
      }
    });
    this.json = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  }

  /**
   * Creates the ledger and starts connecting in the background; returns at once and never throws because Redis
   * is unreachable (R1). Until the first connection is made, every operation fails at once.
   */
  public static RedisLedger connect(Settings settings) {
    RedisLedger ledger = new RedisLedger(settings);
    ledger.connectLoop(RETRY_MIN);
    return ledger;
  }

  private void connectLoop(Duration delayAfterFailure) {
    if (closed) return;
    client.connectAsync(StringCodec.UTF8, redisUri)
        .whenComplete((conn, error) -> {
          if (error == null) {
            if (closed) {
              conn.closeAsync();
              return;
            }
            connection.set(conn);
            return;
          }
          if (closed) return;
          int attempt = connectAttempts.incrementAndGet();
          if (attempt == 1 || attempt % 30 == 0) {
            log.warn("redis ledger cannot connect to {} ({}, attempt {}); retrying every {} ms at most", safeUri(),
                rootMessage(error), attempt, RETRY_MAX.toMillis());
          } else {
            log.debug("redis ledger cannot connect to {} ({}, attempt {})", safeUri(), rootMessage(error), attempt);
          }
          try {
            resources.eventExecutorGroup().schedule(() -> connectLoop(next(delayAfterFailure)),
                delayAfterFailure.toMillis(), TimeUnit.MILLISECONDS);
          } catch (RuntimeException rejected) { // the executor shut down: we are closing
            log.debug("redis ledger connect retry not scheduled: {}", rejected.toString());
          }
        });
  }

  private static Duration next(Duration d) {
    Duration doubled = d.multipliedBy(2);
    return doubled.compareTo(RETRY_MAX) > 0 ? RETRY_MAX : doubled;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Ledger

  @Override
  public CompletionStage<Void> saveNode(NodeSnapshot snapshot) {
    return run(cmd -> {
      String value = write(snapshot);
      return cmd.set(nodeKey(snapshot.nodeId()), value, io.lettuce.core.SetArgs.Builder.ex(KEY_TTL))
          .thenApply(x -> (Void) null);
    });
  }

  @Override
  public CompletionStage<Optional<NodeSnapshot>> loadNode(String nodeId) {
    return run(cmd -> cmd.get(nodeKey(nodeId))
        .thenApply(value -> value == null ? Optional.<NodeSnapshot>empty() : Optional.of(read(value, NodeSnapshot.class))));
  }

  @Override
  public CompletionStage<Void> forgetNode(String nodeId) {
    return run(cmd -> cmd.del(nodeKey(nodeId)).thenApply(x -> (Void) null));
  }

  @Override
  public CompletionStage<Void> saveRoom(RoomRecord room) {
    return run(cmd -> {
      String value = write(room);
      return cmd.set(roomKey(room.code()), value, io.lettuce.core.SetArgs.Builder.px(KEY_TTL.toMillis()))
          .thenApply(x -> (Void) null);
    });
  }

  @Override
  public CompletionStage<Optional<RoomRecord>> loadRoom(String code) {
    return run(cmd -> cmd.get(roomKey(code))
        .thenApply(value -> value == null ? Optional.<RoomRecord>empty() : Optional.of(read(value, RoomRecord.class))));
  }

  @Override
  public CompletionStage<Void> deleteRoom(String code) {
    return run(cmd -> cmd.del(roomKey(code)).thenApply(x -> (Void) null));
  }

  String roomKey(String code) {
    return settings.keyPrefix() + ":room:{" + code + "}";
  }

  private String nodeKey(String nodeId) {
    return settings.keyPrefix() + ":node:{" + nodeId + "}";
  }

  @Override
  public CompletionStage<Void> saveSession(SessionSnapshot snapshot) {
    return run(cmd -> {
      String value = write(snapshot);
      return cmd.<Long>eval(SAVE_SESSION, ScriptOutputType.INTEGER, keys(snapshot.sessionId()), ttl(), value)
          .thenApply(x -> (Void) null);
    });
  }

  @Override
  public CompletionStage<Optional<SessionSnapshot>> loadSession(String sessionId) {
    return run(cmd -> cmd.get(snapshotKey(sessionId)).thenCombine(cmd.hmget(utterancesKey(sessionId), "~next", "~seq"),
        (value, floors) -> {
          if (value == null) return Optional.<SessionSnapshot>empty();
          SessionSnapshot snap = read(value, SessionSnapshot.class);
          int next = floors.get(0).hasValue() ? Integer.parseInt(floors.get(0).getValue()) : 0;
          long seq = floors.get(1).hasValue() ? Long.parseLong(floors.get(1).getValue()) : 0;
          return Optional.of(snap.atLeast(next, seq));
        }));
  }

  @Override
  public CompletionStage<Void> recordJob(String sessionId, JobRecord job) {
    return run(cmd -> {
      String value = write(job);
      return cmd.<Long>eval(RECORD_JOB, ScriptOutputType.INTEGER, keys(sessionId), ttl(), job.order().jobId(), value,
              Integer.toString(job.order().utteranceIndex() + 1), Long.toString(job.lastSeq()))
          .thenApply(x -> (Void) null);
    });
  }

  @Override
  public CompletionStage<Void> finishJob(String sessionId, String jobId) {
    return run(cmd -> cmd.<Long>eval(FINISH_JOB, ScriptOutputType.INTEGER, keys(sessionId), ttl(), jobId)
        .thenApply(x -> (Void) null));
  }

  @Override
  public CompletionStage<List<JobRecord>> unfinishedJobs(String sessionId) {
    return run(cmd -> cmd.hvals(jobsKey(sessionId)).thenApply(values -> {
      List<JobRecord> jobs = new ArrayList<>(values.size());
      for (String v : values) jobs.add(read(v, JobRecord.class));
      jobs.sort(Comparator.comparingInt(j -> j.order().utteranceIndex()));
      return List.copyOf(jobs);
    }));
  }

  @Override
  public CompletionStage<Boolean> claimUtterance(String sessionId, int utteranceIndex, String jobId) {
    return run(cmd -> cmd.<Long>eval(CLAIM_UTTERANCE, ScriptOutputType.INTEGER, keys(sessionId), ttl(),
            Integer.toString(utteranceIndex), jobId)
        .thenApply(r -> r != null && r == 1L));
  }

  @Override
  public CompletionStage<Void> deleteSession(String sessionId) {
    return run(cmd -> cmd.del(keys(sessionId)).thenApply(x -> (Void) null));
  }

  @Override
  public String kind() {
    return "redis";
  }

  /** {@code up} while the connection is open, else {@code down} (also before the first connection and after close). */
  @Override
  public String serverState() {
    StatefulRedisConnection<String, String> c = connection.get();
    return !closed && !breakerOpen && c != null && c.isOpen() ? "up" : "down";
  }

  /** How many operations failed so far (timeouts, rejections while disconnected, Redis errors). */
  public long failures() {
    return failures.get();
  }

  public Settings settings() {
    return settings;
  }

  /** Starts shutting the client down without waiting; the ledger is unusable afterwards. */
  @Override
  public void close() {
    closeAsync();
  }

  /** Closes the connection, the client and its threads; completes when they are released. */
  public CompletionStage<Void> closeAsync() {
    closed = true;
    StatefulRedisConnection<String, String> c = connection.getAndSet(null);
    CompletionStage<Void> closing = c == null ? CompletableFuture.completedFuture(null) : c.closeAsync();
    return closing
        .exceptionally(e -> null)
        .thenCompose(x -> client.shutdownAsync(0, 2, TimeUnit.SECONDS))
        .exceptionally(e -> null)
        .thenCompose(x -> {
          CompletableFuture<Void> done = new CompletableFuture<>();
          resources.shutdown(0, 2, TimeUnit.SECONDS).addListener(f -> done.complete(null));
          return done;
        });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // helpers

  /**
   * Runs an operation on the live connection; fails at once when there is none or the breaker is open; counts
   * failures and feeds the breaker.
   */
  private <T> CompletionStage<T> run(Function<RedisAsyncCommands<String, String>, CompletionStage<T>> op) {
    StatefulRedisConnection<String, String> c = connection.get();
    if (closed) return failFast(new RedisConnectionException("redis ledger is closed"));
    if (c == null) return failFast(new RedisConnectionException("redis ledger not connected to " + safeUri() + " yet"));
    boolean probe = false;
    if (breakerOpen) {
      if (System.nanoTime() - breakerOpenUntil < 0 || !probing.compareAndSet(false, true)) {
        return failFast(new RedisException("redis ledger circuit breaker open: redis at " + safeUri()
            + " did not answer within " + settings.commandTimeout().toMillis() + " ms"));
      }
      probe = true;
    }
    CompletionStage<T> result;
    try {
      result = op.apply(c.async());
    } catch (RuntimeException e) {
      result = CompletableFuture.failedFuture(e);
    }
    boolean isProbe = probe;
    return result.whenComplete((v, e) -> {
      if (e == null) {
        succeeded();
      } else {
        failures.incrementAndGet();
        if (isTimeout(e)) timedOut(isProbe);
      }
      if (isProbe) probing.set(false);
    });
  }

  private <T> CompletionStage<T> failFast(Throwable e) {
    failures.incrementAndGet();
    return CompletableFuture.failedFuture(e);
  }

  private void succeeded() {
    consecutiveTimeouts.set(0);
    if (breakerOpen) {
      breakerOpen = false;
      log.info("redis ledger circuit breaker closed: redis at {} answers again", safeUri());
    }
  }

  private void timedOut(boolean probe) {
    if (consecutiveTimeouts.incrementAndGet() >= BREAKER_TIMEOUTS || probe) {
      breakerOpenUntil = System.nanoTime() + BREAKER_OPEN.toNanos();
      if (!breakerOpen) {
        breakerOpen = true;
        log.warn("redis ledger circuit breaker open: {} consecutive command timeouts from {}; failing fast for {} ms",
            consecutiveTimeouts.get(), safeUri(), BREAKER_OPEN.toMillis());
      }
    }
  }

  private static boolean isTimeout(Throwable e) {
    Throwable t = e;
    while (t instanceof CompletionException && t.getCause() != null) t = t.getCause();
    return t instanceof RedisCommandTimeoutException;
  }

  String[] keys(String sessionId) {
    return new String[] {snapshotKey(sessionId), jobsKey(sessionId), utterancesKey(sessionId)};
  }

  String snapshotKey(String sessionId) {
    return sessionBase(sessionId) + ":snapshot";
  }

  String jobsKey(String sessionId) {
    return sessionBase(sessionId) + ":jobs";
  }

  String utterancesKey(String sessionId) {
    return sessionBase(sessionId) + ":utterances";
  }

  private String sessionBase(String sessionId) {
    return settings.keyPrefix() + ":session:{" + sessionId + "}";
  }

  private static String ttl() {
    return Long.toString(KEY_TTL.toMillis());
  }

  private String write(Object value) {
    try {
      return json.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
    }
  }

  private <T> T read(String value, Class<T> type) {
    try {
      return json.readValue(value, type);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("unreadable " + type.getSimpleName() + " in redis: " + e.getOriginalMessage(), e);
    }
  }

  /** The URI without a password, for logs and error messages. */
  private String safeUri() {
    return hostPort;
  }

  private static String rootMessage(Throwable t) {
    Throwable r = t;
    while (r.getCause() != null && r.getCause() != r) r = r.getCause();
    return r.getClass().getSimpleName() + ": " + r.getMessage();
  }
}
