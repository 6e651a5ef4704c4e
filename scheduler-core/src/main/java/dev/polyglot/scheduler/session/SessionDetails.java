package dev.polyglot.scheduler.session;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/**
 * The admin API's SessionDetail and JobDetail (spec/BEHAVIOUR.md §14), rendered from a session's state. Pure. Fields
 * the session does not track are omitted, as the API omits absent optional fields: an attempt's {@code acked_at_ms}
 * and {@code ended_at_ms}, and the job timings {@code hold_ms} and {@code node_processing_time_ms}; a finished job's
 * {@code audio_bytes} is 0 (its audio is dropped when it ends). Monotonic times are turned into wall-clock times
 * through the job's creation (both clocks are read together there).
 */
final class SessionDetails {
  private SessionDetails() {}

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  /** What a session entity knows, read at one instant. */
  record View(String sessionId, boolean closing, long createdAtMs, SessionEntity.InitData init, String affinity,
              Segmenter segmenter, int heldResults, JobBook book) {}

  static ObjectNode session(View v) {
    ObjectNode o = F.objectNode();
    SessionEntity.InitData i = v.init();
    o.put("session_id", v.sessionId());
    o.put("state", v.closing() ? "closing" : "active");
    o.put("created_at_ms", v.createdAtMs());
    putIf(o, "platform", i.platform());
    putIf(o, "client_version", i.clientVersion());
    putIf(o, "src_lang", i.srcLang());
    putIf(o, "tgt_lang", i.tgtLang());
    putIf(o, "mode", i.mode());
    putIf(o, "lang_a", i.langA());
    putIf(o, "lang_b", i.langB());
    putIf(o, "tenant_id", i.tenantId());
    putIf(o, "trace_id", i.traceId());
    putIf(o, "affinity_node_id", v.affinity());
    ObjectNode c = o.putObject("collecting");
    c.put("index", v.segmenter().index());
    c.put("buffered_bytes", v.segmenter().bufferedBytes());
    c.put("est_ms", v.segmenter().estMs());
    c.put("sealed_waiting", v.segmenter().sealedWaiting());
    o.put("playback_window_open", v.segmenter().playbackWindowOpen());
    v.segmenter().turnId().ifPresent(t -> o.put("turn_id", t));
    o.put("held_results", v.heldResults());
    ArrayNode jobs = o.putArray("jobs");
    for (JobBook.Job j : v.book().jobs().values()) {
      ObjectNode jo = jobs.addObject();
      jo.put("job_id", j.jobId());
      jo.put("utterance_index", j.index());
      jo.put("tgt_lang", j.order().tgtLang());
      jo.put("state", lower(j.state()));
    }
    return o;
  }

  static ObjectNode job(JobBook.Job j, long nowMono) {
    ObjectNode o = F.objectNode();
    o.put("job_id", j.jobId());
    o.put("session_id", j.order().sessionId());
    o.put("utterance_index", j.index());
    putIf(o, "src_lang", j.order().srcLang());
    putIf(o, "tgt_lang", j.order().tgtLang());
    o.put("pool", j.pool());
    putIf(o, "trace_id", j.order().traceId());
    putIf(o, "turn_id", j.order().turnId());
    o.put("state", lower(j.state()));
    if (j.state().terminal()) putIf(o, "outcome_code", j.outcomeCode());
    ObjectNode flags = o.putObject("flags");
    flags.put("cut", lower(j.order().cut()));
    flags.put("manual_cut", j.order().manualCut());
    flags.put("max_duration", j.order().maxDurationTriggered());
    if (j.order().paddingMs() != null) o.put("padding_ms", j.order().paddingMs());
    o.put("audio_bytes", j.order().audio() == null ? 0 : j.order().audio().length);
    putIf(o, "audio_format", j.order().audioFormat());
    o.putArray("recipients").add(j.order().sessionId());
    o.put("created_at_ms", j.createdWall());
    Long finishedWall = j.finishedMono() == null ? null : j.createdWall() + (j.finishedMono() - j.createdMono());
    if (finishedWall != null) o.put("finished_at_ms", finishedWall);
    ArrayNode attempts = o.putArray("attempts");
    Long firstDispatch = null;
    JobBook.Attempt winner = null;
    for (JobBook.Attempt a : j.attempts()) {
      ObjectNode ao = attempts.addObject();
      ao.put("attempt_id", a.attemptId());
      ao.put("node_id", a.nodeId());
      ao.put("state", lower(a.state()));
      ao.put("reserved_at_ms", a.reservedAtWall());
      if (a.dispatchedAtWall() != null) {
        ao.put("dispatched_at_ms", a.dispatchedAtWall());
        if (firstDispatch == null) firstDispatch = a.dispatchedAtWall();
      }
      putIf(ao, "end_reason", a.endReason());
      if (a.state() == JobBook.AttemptState.COMPLETED) winner = a;
    }
    ObjectNode t = o.putObject("timings");
    if (firstDispatch != null) t.put("queue_ms", Math.max(0, firstDispatch - j.createdWall()));
    if (winner != null && winner.dispatchedAtMono() != null && j.finishedMono() != null) {
      t.put("processing_ms", Math.max(0, j.finishedMono() - winner.dispatchedAtMono()));
    }
    t.put("total_ms", Math.max(0, (j.finishedMono() != null ? j.finishedMono() : nowMono) - j.createdMono()));
    return o;
  }

  private static void putIf(ObjectNode o, String field, String value) {
    if (value != null && !value.isEmpty()) o.put(field, value);
  }

  private static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }
}
