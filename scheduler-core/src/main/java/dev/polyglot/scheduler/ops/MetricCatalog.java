package dev.polyglot.scheduler.ops;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What every metric of {@code /metrics} means: the {@code # HELP} text of each counter the code counts, the histograms
 * with their labels and buckets, and the gauges the HTTP edge registers. Names are without the {@code scheduler_}
 * prefix. {@code conf/grafana} and {@code conf/prometheus} may only use names listed here (a test checks).
 */
public final class MetricCatalog {
  private MetricCatalog() {}

  /** One histogram: seconds; {@code window}: also kept as a recent window for the JSON API's percentiles. */
  public record Hist(String name, String help, String[] labelNames, double[] buckets, boolean window) {}

  /** Latency buckets from 1 ms to 60 s. */
  static final double[] LATENCY = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

  public static final String PLACEMENT = "placement_seconds";
  public static final String DISPATCH = "dispatch_seconds";
  public static final String JOB_LATENCY = "job_latency_seconds";
  public static final String END_TO_END = "end_to_end_seconds";
  public static final String RESULT_HOLD = "result_hold_seconds";
  public static final String PENDING_WAIT = "pending_wait_seconds";
  public static final String NODE_PROCESSING = "node_processing_seconds";

  public static final List<Hist> HISTOGRAMS = List.of(
      new Hist(PLACEMENT, "Time one placement took in this instance's dispatcher, from the request to its outcome"
          + " (placed, no_eligible, no_capacity, queue_full).", new String[] {"outcome"}, LATENCY, false),
      new Hist(DISPATCH, "Time from a job's creation to its job_assign being written to the node's socket (first"
          + " attempts).", new String[0], LATENCY, true),
      new Hist(JOB_LATENCY, "Time from a job's creation to its result (completed and empty jobs).", new String[0],
          LATENCY, true),
      new Hist(END_TO_END, "Time from an utterance being sealed to its translation_result being sent to the client.",
          new String[0], LATENCY, true),
      new Hist(RESULT_HOLD, "Time a result waited for earlier utterances before it was sent (result ordering).",
          new String[0], LATENCY, false),
      new Hist(PENDING_WAIT, "Time from a job's creation to its placement on a node (first attempts; includes waiting"
          + " for a free slot).", new String[0], LATENCY, true),
      new Hist(NODE_PROCESSING, "Processing time the node reported in job_result (processing_time_ms).",
          new String[0], LATENCY, false));

  /** Gauges registered by the HTTP edge ({@code MetricsEndpoint}), with their help. */
  public static final Map<String, String> GAUGES = Map.ofEntries(
      Map.entry("sessions_active", "Live session entities hosted by this instance."),
      Map.entry("rooms_active", "Rooms whose entity this instance hosts."),
      Map.entry("room_members", "Members of the rooms whose entity this instance hosts."),
      Map.entry("session_connections", "Open /ws/session connections on this instance."),
      Map.entry("node_connections", "Open /ws/node connections on this instance."),
      Map.entry("nodes", "Nodes whose entity this instance hosts, by status (registering, ready, degraded, draining,"
          + " offline); sum over instances for the cluster."),
      Map.entry("pool_nodes", "Nodes of a language pool as the pool view shows them: member (connected), eligible"
          + " (ready, not draining, types ready) and selectable (eligible, under threshold, a free slot)."),
      Map.entry("pool_free_slots", "Free slots of the eligible nodes of a language pool (the same on every instance)."),
      Map.entry("pool_pending_jobs", "Jobs waiting in this instance's placement queue, by pool."),
      Map.entry("pending_jobs", "Jobs waiting in this instance's placement queue."),
      Map.entry("sessions_admitted", "Sessions opened through this instance's sockets and not ended."),
      Map.entry("open_sockets", "Open WebSocket connections of this instance by kind."),
      Map.entry("inbound_partial_bytes", "Bytes of partially received inbound messages held across all connections."),
      Map.entry("inbound_partial_budget_bytes", "The budget for partially received inbound messages."),
      Map.entry("redis_up", "1 while the Redis ledger answers, 0 while it does not (absent with the in-memory ledger)."),
      Map.entry("cluster_members", "Members of the scheduler cluster as this instance sees them, by state (up,"
          + " unreachable)."),
      Map.entry("instance_draining", "1 once POST /api/v1/instance/drain was called on this instance."),
      Map.entry("ready", "1 while /ready answers 200 on this instance."));

  private static final Map<String, String> COUNTERS = Map.ofEntries(
      // jobs and results (PROTOCOL.md §10.5)
      Map.entry("jobs_created_total", "Jobs created, by path (stream: sealed from audio_chunk, utterance: one-shot)."),
      Map.entry("jobs_finished_total", "Jobs that reached a terminal state, by outcome and code (closed set)."),
      Map.entry("job_attempts_total", "Attempts started, by reason (initial, timeout, disconnect, duplicate_reject,"
          + " recovery)."),
      Map.entry("job_cancel_sent_total", "job_cancel messages sent to nodes, by reason."),
      Map.entry("finalize_total", "Utterances sealed by the segmenter, by reason."),
      Map.entry("empty_finalize_total", "Finalize requests (is_final) with nothing buffered."),
      Map.entry("result_dropped_total", "Node results dropped, by reason."),
      Map.entry("partial_dropped_total", "asr_partial messages dropped, by reason."),
      Map.entry("result_inherited_total", "Results for jobs given by an earlier incarnation of the node entity."),
      Map.entry("backpressure_sent_total", "backpressure messages sent to clients."),
      Map.entry("duplicate_utterance_total", "Repeated utterance indexes that created no second job."),
      Map.entry("client_events_dropped_total", "Events for a client whose connection was unknown, dropped."),
      // placement
      Map.entry("placements_total", "Placement outcomes of this instance's dispatcher."),
      Map.entry("dispatch_exclude_total", "Reservations refused by nodes (or timed out), by reason."),
      Map.entry("reservation_expired_total", "Reservations that expired without a dispatch."),
      Map.entry("late_grant_released_total", "Reservations granted after the dispatcher had moved on, released."),
      Map.entry("pool_view_stale_ignored_total", "Pool view updates ignored as older than the one held."),
      Map.entry("pool_directory_epochs_total", "New pool directory epochs seen by this instance's dispatcher."),
      // nodes
      Map.entry("node_registrations_total", "Node registrations accepted."),
      Map.entry("node_registered_again_total", "Registrations repeated on an open socket after its entity was lost."),
      Map.entry("node_register_timeouts_total", "Node sockets that did not register in time."),
      Map.entry("node_heartbeats_total", "Node heartbeats processed."),
      Map.entry("node_heartbeat_timeouts_total", "Nodes taken offline for missing heartbeats."),
      Map.entry("node_heartbeat_unregistered_total", "Heartbeats from a connection that is not the node's live one."),
      Map.entry("node_connection_replaced_total", "Node connections replaced by a newer one of the same node."),
      Map.entry("node_connection_relearnt_total", "Node connections adopted from a heartbeat by a re-created entity."),
      Map.entry("node_takeover_refused_total", "Untrusted takeovers of a live node id refused."),
      Map.entry("node_takeover_contested_total", "Untrusted takeovers of a live node id held to wait."),
      Map.entry("node_stash_overflow_total", "Messages a loading node entity could not keep."),
      Map.entry("node_error_total", "node_error messages received."),
      Map.entry("node_results_resent_total", "Node results sent again to the node entity, by reason."),
      Map.entry("admin_node_actions_total", "Admin API node drains and undrains, by action."),
      // sessions
      Map.entry("sessions_created_total", "Sessions created."),
      Map.entry("sessions_recovered_total", "Sessions restarted from the ledger after their instance died."),
      Map.entry("sessions_ended_total", "Sessions ended, by reason."),
      Map.entry("session_connections_opened_total", "/ws/session connections opened."),
      Map.entry("session_load_retries_total", "Ledger reads a starting session entity retried."),
      Map.entry("session_stash_overflow_total", "Messages a loading session entity could not keep."),
      Map.entry("session_replay_duplicates_total", "Replayed audio messages a session already held."),
      Map.entry("session_replay_requests_total", "Times a session asked its socket to send audio again."),
      Map.entry("session_audio_replayed_total", "Times a socket sent its kept audio again."),
      Map.entry("session_input_paused_total", "Times a session paused its client's input (too many live jobs)."),
      // sockets and input
      Map.entry("invalid_message_total", "Inbound messages refused, by socket and code."),
      Map.entry("input_field_ignored_total", "Inbound messages with fields the scheduler ignored, by socket."),
      Map.entry("error_reply_suppressed_total", "error replies suppressed by the per-code rate limit."),
      Map.entry("inbound_window_full_total", "Times a socket's inbound window was full, by socket."),
      Map.entry("inbound_mark_retries_total", "Flow-control confirmations asked again, by socket."),
      Map.entry("inbound_budget_refused_total", "Messages refused because the partial-message budget was exhausted."),
      Map.entry("outbound_queue_full_total", "Connections closed because the peer did not read, by socket."),
      Map.entry("handshake_timeouts_total", "Sockets closed without their first message in time, by socket."),
      Map.entry("idle_closes_total", "Sockets closed for idleness, by socket."),
      Map.entry("admission_refused_total", "Connections, sessions or registrations refused by admission control."),
      // ledger
      Map.entry("ledger_write_failed_total", "Ledger operations that failed, by operation."),
      Map.entry("ledger_durable_wait_exceeded_total", "Jobs placed before the ledger confirmed their record."),
      Map.entry("redis_failed_operations_total", "Redis commands that failed."),
      // HTTP
      Map.entry("http_request_header_timeouts_total", "HTTP connections closed for a request head not sent in time."),
      Map.entry("http_unauthorized_total", "HTTP requests refused for a missing or wrong bearer token, by path."),
      Map.entry("rooms_created_total", "Rooms created (a room code claimed by its first member)."),
      Map.entry("rooms_deleted_total", "Rooms deleted, by reason (empty, expired, ...)."),
      Map.entry("rooms_restored_total", "Rooms an entity continued from the ledger (its instance had stopped or died)."),
      Map.entry("room_code_collisions_total", "Room codes drawn again because their entity already held a room."),
      Map.entry("room_create_failed_total", "room_create requests that found no free code or no answer, by reason."),
      Map.entry("room_events_not_member_total", "Room events that reached a session that is not a member (it makes the room forget it)."),
      Map.entry("room_fanout_jobs_total", "Jobs created for a room's listeners (one per utterance and listener language)."),
      Map.entry("room_load_failed_total", "Room entities that could not read their room from the ledger."),
      Map.entry("room_load_retries_total", "Retries of a failed ledger read by a starting room entity."),
      Map.entry("room_members_ended_total", "Members removed from a room because their session ended, by reason."),
      Map.entry("room_relay_dropped_total", "webrtc_* signals dropped, by reason (not in room, no open socket, raw voice refused, ...)."),
      Map.entry("room_relay_forwarded_total", "webrtc_* signals forwarded to their target member."),
      Map.entry("room_requests_failed_total", "Room requests of a session that failed (the room did not answer in time, ...), by reason."),
      Map.entry("room_requests_refused_total", "Room requests a room refused, by error code (ROOM_NOT_FOUND, ALREADY_IN_ROOM, ...)."),
      Map.entry("room_results_dropped_total", "Room job results not delivered to a listener, by reason."),
      Map.entry("room_results_forwarded_total", "Room job results delivered to a listener's session."),
      Map.entry("room_stash_overflow_total", "Messages a loading room entity dropped because its stash was full."),
      Map.entry("room_views_stale_total", "room_members views a session ignored as older than the one it had."),
      Map.entry("room_views_before_join_answer_total",
          "room_members views naming a session that reached it before the answer to its join, taken as the join's outcome."),
      Map.entry("api_cluster_renders_total", "Renders of /api/v1/cluster (once per new snapshot)."),
      Map.entry("instance_drains_total", "POST /api/v1/instance/drain calls that started a drain."),
      Map.entry(Metrics.OVERFLOW, "Counts that found the series cap reached (or a label slip) and were folded here."));

  /** The {@code # HELP} text of a counter. */
  public static String help(String counter) {
    return COUNTERS.getOrDefault(counter, counter.replace('_', ' ') + ".");
  }

  /** Whether a counter is catalogued. */
  public static boolean knownCounter(String name) {
    return COUNTERS.containsKey(name);
  }

  /**
   * Every name {@code /metrics} may show without the prefix, as exported: counters (with {@code _total}), gauges,
   * and histograms with their {@code _bucket}, {@code _count} and {@code _sum} series.
   */
  public static Set<String> exportedNames() {
    Set<String> out = new TreeSet<>(COUNTERS.keySet());
    out.addAll(GAUGES.keySet());
    for (Hist h : HISTOGRAMS) {
      out.add(h.name());
      out.add(h.name() + "_bucket");
      out.add(h.name() + "_count");
      out.add(h.name() + "_sum");
    }
    return out;
  }
}
