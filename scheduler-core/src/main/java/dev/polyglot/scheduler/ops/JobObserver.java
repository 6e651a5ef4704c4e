package dev.polyglot.scheduler.ops;

import dev.polyglot.scheduler.api.JobOrder;
import dev.polyglot.scheduler.ops.MetricCatalog;
import dev.polyglot.scheduler.ops.Metrics;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one session's jobs tell operators: the job lines of the {@code dev.polyglot.scheduler.jobs} logger (attempt
 * started and placed at debug, finished at info), each with the job's ids in the MDC ({@link JobMdc}); the latency
 * histograms measured on the session's side (pending wait, job latency, end to end, result hold); and the
 * {@link JobIndex} entry that lets the admin API find the session of a job. Owned by one session entity; not
 * thread-safe. Lost with it: only the seal times of utterances not yet answered (their end-to-end time is then not
 * measured).
 */
public final class JobObserver {
  /** The logger of the job lines, so that operators can set its level on its own. */
  public static final Logger JOBS = LoggerFactory.getLogger("dev.polyglot.scheduler.jobs");
  private static final int MAX_SEALED = 256;

  private final Metrics metrics;
  private final JobIndex index;
  private final String sessionId;
  /** When each utterance was sealed (monotonic ms), by index, until its result is sent. */
  private final Map<Integer, Long> sealedAt = new HashMap<>();

  public JobObserver(Metrics metrics, JobIndex index, String sessionId) {
    this.metrics = metrics;
    this.index = index;
    this.sessionId = sessionId;
  }

  /** The segmenter sealed an utterance (its job follows after the hangover). */
  public void sealed(int utteranceIndex, long nowMono) {
    if (sealedAt.size() < MAX_SEALED) sealedAt.putIfAbsent(utteranceIndex, nowMono);
  }

  public void attemptStarted(JobOrder o, int attemptId, String reason, long nowWall) {
    index.put(o.jobId(), sessionId, nowWall);
    if (JOBS.isDebugEnabled()) {
      try (JobMdc.Scope s = scope(o, attemptId, null)) {
        JOBS.debug("job attempt {} started ({}) for utterance {} {}:{}", attemptId, reason, o.utteranceIndex(),
            o.srcLang(), o.tgtLang());
      }
    }
  }

  /** The dispatcher placed an attempt: the first attempt's wait from the job's creation is the pending wait. */
  public void placed(JobOrder o, String nodeId, long createdMono, long nowMono) {
    if (o.attemptId() == 1) metrics.observe(MetricCatalog.PENDING_WAIT, seconds(nowMono - createdMono));
    if (JOBS.isDebugEnabled()) {
      try (JobMdc.Scope s = scope(o, o.attemptId(), nodeId)) {
        JOBS.debug("job attempt {} placed on node {} after {} ms", o.attemptId(), nodeId, nowMono - createdMono);
      }
    }
  }

  /** A job reached its terminal state; completed and empty jobs give the job latency (creation to result). */
  public void finished(JobOrder o, String outcome, String code, int attempts, String nodeId, long createdMono,
                       long nowMono) {
    long ms = nowMono - createdMono;
    if ("completed".equals(outcome) || "empty".equals(outcome)) metrics.observe(MetricCatalog.JOB_LATENCY, seconds(ms));
    if (!"completed".equals(outcome)) sealedAt.remove(o.utteranceIndex()); // nothing will be sent for it
    if (JOBS.isInfoEnabled()) {
      try (JobMdc.Scope s = scope(o, attempts, nodeId)) {
        JOBS.info("job finished: {}{} after {} ms, {} attempt(s), utterance {}", outcome,
            code == null || code.isEmpty() ? "" : " (" + code + ")", ms, attempts, o.utteranceIndex());
      }
    }
  }

  /**
   * A result goes to the client now: end to end is from the utterance's seal (or, for a one-shot utterance, the job's
   * creation); the hold is from the result's arrival ({@code resultAtWall}) to now.
   */
  public void released(JobOrder o, long createdMono, Long resultAtWall, long nowMono, long nowWall) {
    Long sealed = sealedAt.remove(o.utteranceIndex());
    metrics.observe(MetricCatalog.END_TO_END, seconds(nowMono - (sealed != null ? sealed : createdMono)));
    if (resultAtWall != null && resultAtWall > 0) metrics.observe(MetricCatalog.RESULT_HOLD, seconds(nowWall - resultAtWall));
  }

  private JobMdc.Scope scope(JobOrder o, int attemptId, String nodeId) {
    return JobMdc.with(JobMdc.TRACE_ID, o.traceId(), JobMdc.SESSION_ID, sessionId, JobMdc.JOB_ID, o.jobId(),
        JobMdc.ATTEMPT_ID, Integer.toString(attemptId), JobMdc.UTTERANCE_INDEX, Integer.toString(o.utteranceIndex()),
        JobMdc.NODE_ID, nodeId);
  }

  static double seconds(long ms) {
    return Math.max(0, ms) / 1000.0;
  }
}
