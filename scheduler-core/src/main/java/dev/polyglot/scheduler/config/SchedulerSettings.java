package dev.polyglot.scheduler.config;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Every scheduler setting, read once from the {@code scheduler} block (keys of spec/BEHAVIOUR.md §16).
 * Each subsystem takes only its own record.
 */
public record SchedulerSettings(
    String instanceId,
    String store,
    Http http,
    WebSocket websocket,
    Nodes nodes,
    Pools pools,
    Dispatch dispatch,
    Jobs jobs,
    Segmentation segmentation,
    Results results,
    Sessions sessions,
    Backpressure backpressure,
    Flow flow,
    Admission admission,
    Duration snapshotInterval,
    String keyPrefix,
    String nodeEntityRole,
    String sessionEntityRole) {

  public record Http(String host, int port, Duration requestHeaderTimeout, Secret apiToken) {}

  /**
   * {@code partialMessageBudget} 0 means "auto": derived from the max heap at start-up ({@link MemoryBudgets}).
   * {@code outboundQueueBytes} counts characters of the queued JSON.
   */
  public record WebSocket(Duration keepAliveInterval, Duration idleTimeout, long sessionMaxMessage,
                          long nodeMaxMessage, int outboundQueueSize, Duration errorReplyInterval,
                          Duration handshakeTimeout,
                          long unregisteredNodeMaxMessage, long partialMessageBudget, long outboundQueueBytes) {
    public WebSocket {
      if (sessionMaxMessage <= 0 || nodeMaxMessage <= 0 || unregisteredNodeMaxMessage <= 0) {
        throw new IllegalArgumentException("scheduler.websocket.*-max-message must be positive");
      }
      if (outboundQueueSize < 1 || outboundQueueBytes < 1) {
        throw new IllegalArgumentException("scheduler.websocket.outbound-queue-size and outbound-queue-bytes must be positive");
      }
      if (partialMessageBudget < 0) {
        throw new IllegalArgumentException("scheduler.websocket.partial-message-budget must be \"auto\" or a positive size");
      }
    }
  }

  /** {@code token} is the node credential (empty = nodes are untrusted); {@code takeoverWait} see reference.conf. */
  public record Nodes(boolean requireGpu, int maxConcurrentJobs, double resourceThresholdPercent,
                      Duration heartbeatTimeout, Duration warmupTimeout, int unhealthyHeartbeatsToDegrade,
                      Duration reservationTtl, Duration forgetOfflineAfter, int givenJobsRetained,
                      Duration registerTimeout, Secret token, Duration takeoverWait) {}

  /** Caps and rates of {@code scheduler.admission}; 0 = no limit. */
  public record Admission(int maxSocketsPerAddress, int maxSessionSockets, int maxNodeSockets, int maxSessions,
                          String clientIpHeader, int registrationsPerAddressBurst,
                          double registrationsPerAddressPerSecond, int registrationsBurst,
                          double registrationsPerSecond) {}

  public record Pools(Duration publishInterval) {}

  /** {@code maxQueued}: requests waiting for capacity; one more is refused ({@code NO_AVAILABLE_NODE}). */
  public record Dispatch(Duration reserveAskTimeout, Duration placementDeadline, int maxCandidates,
                         Duration pendingRetryInterval, int sampleSize, Duration ownGrantTtl, int maxQueued) {}

  public record Jobs(Duration pendingTimeout, Duration dispatchedTimeout, int maxAttempts, Duration retainFinished,
                     int retainFinishedMax, boolean enableStreamingAsr, Duration partialUpdateInterval,
                     Duration durableWait, Duration foreignResultLogInterval) {}

  public record Segmentation(Duration pause, Duration maxDuration, int maxBufferBytes, Duration hangoverAuto,
                             Duration hangoverManual, int paddingAutoMs, int paddingManualMs, int opusBytesPerFrame,
                             String gapChunkGoesTo, Duration playbackWindowMax) {}

  public record Results(String order, Duration maxHold, Duration groupWindow) {}

  public record Sessions(int maxPerConnection, Duration closeLinger, Duration sweepInterval) {}

  /**
   * {@code resumeAfter} is both the {@code resume_after_ms} sent and the per-session resend window. It must not exceed
   * the real web client's 500 ms send tick: a longer resume can leave that client BUSY with its send timer stopped,
   * queueing audio for the rest of its connection (PROTOCOL.md §6.11), so a larger value is refused here.
   */
  public record Backpressure(boolean enabled, Duration resumeAfter) {
    public static final Duration MAX_RESUME_AFTER = Duration.ofMillis(450);

    public Backpressure {
      if (resumeAfter.isNegative() || resumeAfter.isZero() || resumeAfter.compareTo(MAX_RESUME_AFTER) > 0) {
        throw new IllegalArgumentException("scheduler.backpressure.resume-after = " + resumeAfter.toMillis()
            + " ms is refused: it must be > 0 and at most " + MAX_RESUME_AFTER.toMillis() + " ms, because the real web"
            + " client's 500 ms send timer stops for good when its queue empties before the resume time (PROTOCOL.md §6.11)");
      }
    }
  }

  /**
   * End-to-end flow control (issue 10): the inbound window of a session socket and of a node socket towards their
   * entity, how soon a full window asks again, and how many unfinished jobs a session may hold before it takes no
   * more input; and how much audio not yet durable a socket keeps per session to replay after a crash (P9).
   */
  public record Flow(FlowLimits session, FlowLimits node, Duration markRetry, int maxLiveJobs,
                     long keptAudioBytes) {}

  /** A size, or 0 for {@code "auto"}. */
  private static long budget(Config c, String key) {
    if ("auto".equals(c.getValue(key).unwrapped())) return 0;
    long bytes = c.getBytes(key);
    if (bytes <= 0) throw new IllegalArgumentException("scheduler.websocket." + key + " must be \"auto\" or a positive size");
    return bytes;
  }

  /** Reads the {@code scheduler} block of a resolved config (reference.conf supplies every default). */
  public static SchedulerSettings from(Config root) {
    Config c = root.getConfig("scheduler");
    Config ws = c.getConfig("websocket");
    Config n = c.getConfig("nodes");
    Config d = c.getConfig("dispatch");
    Config j = c.getConfig("jobs");
    Config s = c.getConfig("segmentation");
    Config r = c.getConfig("results");
    Config a = c.getConfig("admission");
    return new SchedulerSettings(
        c.getString("instance-id"),
        c.getString("store"),
        new Http(c.getString("http.host"), c.getInt("http.port"), c.getDuration("http.request-header-timeout"),
            new Secret(c.getString("http.api-token"))),
        new WebSocket(ws.getDuration("keep-alive-interval"), ws.getDuration("idle-timeout"),
            ws.getBytes("session-max-message"), ws.getBytes("node-max-message"),
            ws.getInt("outbound-queue-size"), ws.getDuration("error-reply-interval"),
            ws.getDuration("handshake-timeout"),
            ws.getBytes("unregistered-node-max-message"), budget(ws, "partial-message-budget"),
            ws.getBytes("outbound-queue-bytes")),
        new Nodes(n.getBoolean("require-gpu"), n.getInt("max-concurrent-jobs"),
            n.getDouble("resource-threshold-percent"), n.getDuration("heartbeat-timeout"),
            n.getDuration("warmup-timeout"), n.getInt("unhealthy-heartbeats-to-degrade"),
            n.getDuration("reservation-ttl"), n.getDuration("forget-offline-after"), n.getInt("given-jobs-retained"),
            n.getDuration("register-timeout"), new Secret(n.getString("token")), n.getDuration("takeover-wait")),
        new Pools(c.getDuration("pools.publish-interval")),
        new Dispatch(d.getDuration("reserve-ask-timeout"), d.getDuration("placement-deadline"),
            d.getInt("max-candidates"), d.getDuration("pending-retry-interval"), d.getInt("sample-size"),
            d.getDuration("own-grant-ttl"), d.getInt("max-queued")),
        new Jobs(j.getDuration("pending-timeout"), j.getDuration("dispatched-timeout"), j.getInt("max-attempts"),
            j.getDuration("retain-finished"), j.getInt("retain-finished-max"), j.getBoolean("enable-streaming-asr"),
            j.getDuration("partial-update-interval"), j.getDuration("durable-wait"),
            j.getDuration("foreign-result-log-interval")),
        new Segmentation(s.getDuration("pause"), s.getDuration("max-duration"), s.getInt("max-buffer-bytes"),
            s.getDuration("hangover-auto"), s.getDuration("hangover-manual"), s.getInt("padding-auto-ms"),
            s.getInt("padding-manual-ms"), s.getInt("opus-bytes-per-frame"), s.getString("gap-chunk-goes-to"),
            s.getDuration("playback-window-max")),
        new Results(r.getString("order"), r.getDuration("max-hold"), r.getDuration("group-window")),
        new Sessions(c.getInt("sessions.max-per-connection"), c.getDuration("sessions.close-linger"),
            c.getDuration("sessions.sweep-interval")),
        new Backpressure(c.getBoolean("backpressure.enabled"), c.getDuration("backpressure.resume-after")),
        new Flow(new FlowLimits(ws.getInt("inbound-window-messages"), ws.getBytes("inbound-window-bytes-session"),
                ws.getInt("inbound-mark-every")),
            new FlowLimits(ws.getInt("inbound-window-messages"), ws.getBytes("inbound-window-bytes-node"),
                ws.getInt("inbound-mark-every")),
            ws.getDuration("inbound-mark-retry"), c.getInt("sessions.max-live-jobs"), ws.getBytes("kept-audio-bytes")),
        new Admission(a.getInt("max-sockets-per-address"), a.getInt("max-session-sockets"), a.getInt("max-node-sockets"),
            a.getInt("max-sessions"), a.getString("client-ip-header"), a.getInt("registrations-per-address-burst"),
            a.getDouble("registrations-per-address-per-second"), a.getInt("registrations-burst"),
            a.getDouble("registrations-per-second")),
        c.getDuration("stats.snapshot-interval"),
        c.getString("cluster.key-prefix"),
        c.getString("cluster.node-entity-role"),
        c.getString("cluster.session-entity-role"));
  }
}
