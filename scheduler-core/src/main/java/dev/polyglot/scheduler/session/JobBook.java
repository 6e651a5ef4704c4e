package dev.polyglot.scheduler.session;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.polyglot.scheduler.dispatch.Dispatcher;
import dev.polyglot.scheduler.api.JobOrder;
import dev.polyglot.scheduler.api.NodeResult;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import scala.collection.immutable.HashMap;
import scala.collection.immutable.Vector;
import scala.collection.immutable.VectorMap;
import scala.collection.immutable.HashMap$;
import scala.collection.immutable.Vector$;
import scala.collection.immutable.VectorMap$;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The jobs of one session and their attempts (spec/BEHAVIOUR.md §9–§10), as an immutable value. Every event
 * returns the next book and the effects the owning SessionEntity must carry out (ask the dispatcher, write
 * to a node, arm a timer, tell the client, hand a result to the ordering stream).
 *
 * <p>Promises: a job reaches exactly one terminal state, after which every message about it is dropped;
 * the first success or empty ack from any attempt the sender received wins and the other live attempt is
 * cancelled; a failure counts only from the live attempt; a job is never placed on a node that already
 * received it or its utterance slot; at most {@code maxAttempts} attempts are made; a job the agent silently
 * absorbed is completed without failover (§9.5).
 *
 * <p>An utterance may have several jobs, one per target language (a room's fan-out, §12): they share the utterance
 * index and differ in their stream (target language). They are placed one after the other, each once the previous
 * one's placement was answered, so that each request excludes the nodes its siblings got (§9.2: distinct nodes). A
 * job's {@code recipients} are the sessions its result goes to; empty means its origin session only.
 *
 * <p>Bounded: a terminal job is forgotten after {@code retainMs} (at the next {@link #sweep}) and, besides, as soon as
 * more than {@code retainFinishedMax} terminal jobs are kept, oldest finished first. An event costs O(log n), not a
 * copy of the book: the maps are persistent (Scala's immutable collections, as {@code PoolView}).
 */
public final class JobBook {

  public enum JobState {
    PENDING, DISPATCHED, COMPLETED, COMPLETED_EMPTY, FAILED, CANCELLED;

    public boolean terminal() {
      return this != PENDING && this != DISPATCHED;
    }
  }

  public enum AttemptState { RESERVED, DISPATCHED, COMPLETED, FAILED, TIMED_OUT, LOST, REJECTED, CANCELLED, SUPERSEDED }

  public record Attempt(int attemptId, String nodeId, AttemptState state, long reservedAtWall, Long dispatchedAtWall,
                        Long dispatchedAtMono, String endReason) {
    Attempt with(AttemptState s, String reason) {
      return new Attempt(attemptId, nodeId, s, reservedAtWall, dispatchedAtWall, dispatchedAtMono, reason);
    }

    boolean live() {
      return state == AttemptState.RESERVED || state == AttemptState.DISPATCHED;
    }
  }

  /**
   * One job. {@code placing} is the attempt id being placed while PENDING. {@code recipients}: the sessions that
   * receive its result (a room's listeners of its language); empty = the origin session.
   */
  public record Job(JobOrder order, String pool, Set<String> requiredTypes, String stream, JobState state,
                    List<Attempt> attempts, int placing, String failoverCode, long createdMono, long createdWall,
                    Long firstClientTs, String outcomeCode, Long finishedMono, String path, List<String> recipients) {
    public Job {
      recipients = recipients == null ? List.of() : List.copyOf(recipients);
    }

    public String jobId() { return order.jobId(); }

    public int index() { return order.utteranceIndex(); }

    public Optional<Attempt> liveAttempt() {
      for (Attempt a : attempts) if (a.live()) return Optional.of(a);
      return Optional.empty();
    }

    boolean sentTo(String nodeId) {
      for (Attempt a : attempts) if (a.nodeId().equals(nodeId)) return true;
      return false;
    }

    Job with(JobState s, List<Attempt> as, int placingAttempt, String failover, String outcome, Long finished) {
      JobOrder o = s.terminal() ? order.withAudio(new byte[0]) : order;
      return new Job(o, pool, requiredTypes, stream, s, List.copyOf(as), placingAttempt, failover, createdMono,
          createdWall, firstClientTs, outcome, finished, path, recipients);
    }
  }

  /**
   * {@code retainMs}: how long a terminal job is remembered (late results are dropped as {@code already_finished},
   * a replayed utterance index as a duplicate); {@code retainFinishedMax}: at most this many terminal jobs at once.
   */
  public record Settings(int maxAttempts, long retainMs, int retainFinishedMax) {
    public static final int DEFAULT_RETAIN_FINISHED_MAX = 256;

    public Settings {
      if (retainFinishedMax <= 0) throw new IllegalArgumentException("retainFinishedMax must be > 0");
    }

    public Settings(int maxAttempts, long retainMs) {
      this(maxAttempts, retainMs, DEFAULT_RETAIN_FINISHED_MAX);
    }
  }

  public record Now(long mono, long wall) {}

  /** A successful result waiting for the ordering stream; group and send time are set at release. */
  public record Draft(Job job, NodeResult result, Long dispatchedAtWall) {}

  public sealed interface Effect {
    record Place(Dispatcher.PlacementRequest request) implements Effect {}

    record Withdraw(String jobId, int attemptId) implements Effect {}

    record Assign(String nodeId, JobOrder order) implements Effect {}

    record CancelOnNode(String nodeId, String jobId, int attemptId, String traceId, String reason) implements Effect {}

    record ReleaseOnNode(String nodeId, String jobId, int attemptId) implements Effect {}

    /** The attempt's node keeps a slot for a job the agent absorbed: free it without a job_cancel. */
    record ForgetOnNode(String nodeId, String jobId, int attemptId) implements Effect {}

    record ArmPending(String jobId, int attemptId) implements Effect {}

    record ArmDispatched(String jobId, int attemptId) implements Effect {}

    record Disarm(String jobId) implements Effect {}

    record Client(ClientEvent event) implements Effect {}

    record Deliver(String stream, int index, Draft draft) implements Effect {}

    record Ended(String stream, int index) implements Effect {}

    record Busy(String pool) implements Effect {}

    record Affinity(String nodeId) implements Effect {}

    /** A deliberate drop, to log with a stable phrase and count. */
    record Dropped(String reason, String jobId, String nodeId) implements Effect {}

    /** A job reached its terminal state (for metrics). */
    record Finished(String jobId, JobState state, String code) implements Effect {}

    /** A new attempt was started for a reason (initial, timeout, disconnect, duplicate_reject). */
    record AttemptStarted(String jobId, int attemptId, String reason) implements Effect {}
  }

  public record Step(JobBook next, List<Effect> effects) {
    /** This step, followed by what the end of {@code j}'s first placement releases (see {@link #create}). */
    Step firstPlaced(Job j) {
      Step after = next.afterFirstPlacement(j);
      if (after.effects().isEmpty()) return new Step(after.next(), effects);
      List<Effect> fx = new ArrayList<>(effects);
      fx.addAll(after.effects());
      return new Step(after.next(), fx);
    }
  }

  /** Codes of PROTOCOL.md §8.1 that may appear as {@code ui_event.error_code}. */
  private static final Set<String> SCHEDULER_CODES = Set.of("INVALID_MESSAGE", "INVALID_SESSION", "INTERNAL_ERROR",
      "NO_AVAILABLE_NODE", "JOB_TIMEOUT", "NODE_UNAVAILABLE", "INVALID_CAPABILITY_SCHEMA", "NO_GPU_AVAILABLE",
      "NODE_NOT_REGISTERED", "SESSION_CLOSED", "NODE_OVERLOADED", "MODEL_LOAD_FAILED", "UNSUPPORTED_FEATURE",
      "INVALID_PAIRING_CODE", "WS_DISCONNECTED", "NMT_TIMEOUT", "TTS_TIMEOUT", "MODEL_VERIFY_FAILED",
      "MODEL_CORRUPTED", "NODE_ID_CONFLICT", "SCHEDULER_DEPENDENCY_DOWN", "MODEL_NOT_AVAILABLE");

  private static final int RESULTS_REMEMBERED_PER_NODE = 32;

  /** A result a node returned: which utterance, and when (for silent completion). */
  private record Answer(int index, long atMono) {}

  private final Settings settings;
  /** Every job, in creation order. */
  private final VectorMap<String, Job> jobs;
  /** Utterance index → the ids of its jobs (one per target language), live or retained. */
  private final HashMap<Integer, List<String>> byIndex;
  private final HashMap<String, List<Answer>> answers;
  /** Ids of the terminal jobs, oldest finished first. */
  private final Vector<String> finished;
  /**
   * Utterance index → its jobs whose first placement is not answered yet, in creation order: the first is being
   * placed, the others wait for it (so that each excludes the nodes its siblings got).
   */
  private final HashMap<Integer, List<String>> firstPlacements;

  private JobBook(Settings settings, VectorMap<String, Job> jobs, HashMap<Integer, List<String>> byIndex,
                  HashMap<String, List<Answer>> answers, Vector<String> finished,
                  HashMap<Integer, List<String>> firstPlacements) {
    this.settings = settings;
    this.jobs = jobs;
    this.byIndex = byIndex;
    this.answers = answers;
    this.finished = finished;
    this.firstPlacements = firstPlacements;
  }

  public static JobBook empty(Settings settings) {
    return new JobBook(settings, emptyVectorMap(), emptyMap(), emptyMap(), emptyVector(), emptyMap());
  }

  public Optional<Job> job(String jobId) {
    return Optional.ofNullable(lookup(jobId));
  }

  private Job lookup(String jobId) {
    scala.Option<Job> j = jobs.get(jobId);
    return j.isDefined() ? j.get() : null;
  }

  /** Whether a job (live, or terminal and retained) exists for this utterance index. */
  public boolean hasIndex(int index) {
    return byIndex.contains(index);
  }

  /** The jobs (live, or terminal and retained) of this utterance index, one per target language, in creation order. */
  public List<Job> jobsOf(int index) {
    scala.Option<List<String>> ids = byIndex.get(index);
    if (ids.isEmpty()) return List.of();
    List<Job> out = new ArrayList<>();
    for (String id : ids.get()) {
      Job j = lookup(id);
      if (j != null) out.add(j);
    }
    return out;
  }

  /** Every job, in creation order: a read-only view, not a copy. */
  public Map<String, Job> jobs() {
    return CollectionConverters.asJava(jobs);
  }

  public int liveJobs() {
    int n = 0;
    for (Job j : all()) if (!j.state().terminal()) n++;
    return n;
  }

  private Iterable<Job> all() {
    return jobs().values();
  }

  // ---------------------------------------------------------------- creation and placement

  /** A new job, PENDING with attempt 1, for its origin session: placed at once, and its pending timeout starts. */
  public Step create(JobOrder order, String pool, Set<String> requiredTypes, String stream, Long firstClientTs,
                     String path, String affinity, Now now) {
    return create(order, pool, requiredTypes, stream, firstClientTs, path, affinity, List.of(), now);
  }

  /**
   * A new job, PENDING with attempt 1, whose result goes to {@code recipients} (empty = its origin session); its
   * pending timeout starts. It is placed at once, unless another job of its utterance (a sibling of a room's fan-out)
   * still waits for the answer to its first placement: then it is placed once that answer came, excluding the nodes
   * its siblings got.
   */
  public Step create(JobOrder order, String pool, Set<String> requiredTypes, String stream, Long firstClientTs,
                     String path, String affinity, List<String> recipients, Now now) {
    Job j = new Job(order.withAttempt(1), pool, Set.copyOf(requiredTypes), stream, JobState.PENDING, List.of(), 1,
        null, now.mono(), now.wall(), firstClientTs, null, null, path, recipients);
    List<Effect> fx = new ArrayList<>();
    fx.add(new Effect.AttemptStarted(j.jobId(), 1, "initial"));
    fx.add(new Effect.ArmPending(j.jobId(), 1));
    List<String> waiting = placingFirst(j.index());
    if (waiting.isEmpty()) fx.add(new Effect.Place(request(j, 1, affinity, turnNode(j))));
    List<String> queue = new ArrayList<>(waiting);
    queue.add(j.jobId());
    JobBook book = put(j).withIndex(order.utteranceIndex(), order.jobId());
    return new Step(book.withFirstPlacements(j.index(), queue), fx);
  }

  /**
   * A job accepted by an earlier incarnation of this session (read back from the ledger): PENDING again with a
   * new attempt id above every attempt that incarnation may have made, placed at once.
   */
  public Step recover(JobOrder order, String pool, Set<String> requiredTypes, String stream, Long firstClientTs,
                      long createdWall, List<String> triedNodes, Now now) {
    return recover(order, pool, requiredTypes, stream, firstClientTs, createdWall, triedNodes, List.of(), now);
  }

  /** {@link #recover} of a job whose result goes to {@code recipients} (empty = its origin session). */
  public Step recover(JobOrder order, String pool, Set<String> requiredTypes, String stream, Long firstClientTs,
                      long createdWall, List<String> triedNodes, List<String> recipients, Now now) {
    // the earlier attempts are lost with their incarnation; their nodes stay excluded and their answers still count
    List<Attempt> earlier = new ArrayList<>();
    for (int i = 0; i < triedNodes.size(); i++) {
      earlier.add(new Attempt(i + 1, triedNodes.get(i), AttemptState.LOST, createdWall, null, null, "instance lost"));
    }
    int attempt = Math.max(order.attemptId(), triedNodes.size()) + 1;
    Job j = new Job(order.withAttempt(attempt), pool, Set.copyOf(requiredTypes), stream, JobState.PENDING,
        List.copyOf(earlier), attempt, null, now.mono(), createdWall, firstClientTs, null, null, "recovery", recipients);
    return new Step(put(j).withIndex(order.utteranceIndex(), order.jobId()), List.of(new Effect.AttemptStarted(j.jobId(), attempt, "recovery"),
        new Effect.ArmPending(j.jobId(), attempt), new Effect.Place(request(j, attempt, null, null))));
  }

  public Step placed(String jobId, int attemptId, String nodeId, Now now) {
    Job j = lookup(jobId);
    if (j == null || j.state() != JobState.PENDING || j.placing() != attemptId) {
      return step(new Effect.ReleaseOnNode(nodeId, jobId, attemptId), new Effect.Dropped("stale_grant", jobId, nodeId));
    }
    List<Attempt> as = new ArrayList<>(j.attempts());
    as.add(new Attempt(attemptId, nodeId, AttemptState.RESERVED, now.wall(), null, null, null));
    Job next = j.with(JobState.DISPATCHED, as, 0, j.failoverCode(), null, null);
    return new Step(put(next), List.of(new Effect.Disarm(jobId), new Effect.ArmDispatched(jobId, attemptId),
        new Effect.Assign(nodeId, j.order().withAttempt(attemptId)))).firstPlaced(j);
  }

  public Step noEligible(String jobId, int attemptId, Now now) {
    Job j = lookup(jobId);
    if (j == null || j.state() != JobState.PENDING || j.placing() != attemptId) return step();
    String code = j.failoverCode() == null ? "NO_AVAILABLE_NODE" : j.failoverCode();
    return fail(j, code, "no node serves " + j.pool(), null, now);
  }

  /** The dispatcher's queue was full: the job fails at once rather than wait for its pending timeout. */
  public Step queueFull(String jobId, int attemptId, int maxQueued, Now now) {
    Job j = lookup(jobId);
    if (j == null || j.state() != JobState.PENDING || j.placing() != attemptId) return step();
    String code = j.failoverCode() == null ? "NO_AVAILABLE_NODE" : j.failoverCode();
    return fail(j, code, "no node of " + j.pool() + " has a free slot and the scheduler's placement queue is full ("
        + maxQueued + " waiting)", null, now);
  }

  public Step queued(String jobId, int attemptId) {
    Job j = lookup(jobId);
    if (j == null || j.state() != JobState.PENDING || j.placing() != attemptId) return step();
    return step(new Effect.Busy(j.pool())).firstPlaced(j);
  }

  public Step pendingTimeout(String jobId, int attemptId, Now now) {
    Job j = lookup(jobId);
    if (j == null || j.state() != JobState.PENDING || j.placing() != attemptId) return step();
    Step s = fail(j, "JOB_TIMEOUT", "job was not placed within the pending timeout", null, now);
    List<Effect> fx = new ArrayList<>(s.effects());
    fx.add(0, new Effect.Withdraw(jobId, attemptId));
    return new Step(s.next(), fx);
  }

  // ---------------------------------------------------------------- attempts on nodes

  public Step dispatched(String jobId, int attemptId, String nodeId, long dispatchedAtWall, Now now) {
    Job j = lookup(jobId);
    if (j == null) return step();
    Optional<Attempt> a = attempt(j, attemptId, nodeId);
    if (a.isEmpty()) return step();
    if (j.state().terminal() || a.get().state() != AttemptState.RESERVED) {
      // finished while the job_assign was on its way: the node must drop it
      return step(new Effect.CancelOnNode(nodeId, jobId, attemptId, j.order().traceId(), "superseded"));
    }
    Attempt d = new Attempt(attemptId, nodeId, AttemptState.DISPATCHED, a.get().reservedAtWall(), dispatchedAtWall,
        now.mono(), null);
    Job next = j.with(j.state(), replace(j.attempts(), d), j.placing(), j.failoverCode(), null, null);
    return new Step(put(next), List.of(new Effect.Affinity(nodeId),
        new Effect.Client(ui(j, "DISPATCHED", "ok", null, now))));
  }

  /** The node went Offline (or the reservation vanished before dispatch): fail over at once. */
  public Step lost(String jobId, int attemptId, String nodeId, Now now) {
    Job j = lookup(jobId);
    if (j == null || j.state() != JobState.DISPATCHED) return step();
    Optional<Attempt> a = attempt(j, attemptId, nodeId);
    if (a.isEmpty() || !a.get().live()) return step();
    return failover(j, a.get().with(AttemptState.LOST, "node lost"), "NODE_UNAVAILABLE", "disconnect", null, now);
  }

  /**
   * The dispatched timer of an attempt fired. Silent completion when the same node has since answered a later
   * utterance of this session (§9.5); otherwise {@code job_cancel} and failover.
   */
  public Step dispatchedTimeout(String jobId, int attemptId, Now now) {
    Job j = lookup(jobId);
    if (j == null || j.state() != JobState.DISPATCHED) return step();
    Optional<Attempt> live = j.liveAttempt();
    if (live.isEmpty() || live.get().attemptId() != attemptId) return step();
    Attempt a = live.get();
    if (answeredLater(a, j.index())) {
      Job done = j.with(JobState.COMPLETED_EMPTY, replace(j.attempts(), a.with(AttemptState.COMPLETED, "absorbed")), 0,
          j.failoverCode(), "absorbed", now.mono());
      return new Step(put(done), List.of(new Effect.Disarm(jobId),
          new Effect.ForgetOnNode(a.nodeId(), jobId, attemptId),
          new Effect.Finished(jobId, JobState.COMPLETED_EMPTY, "absorbed"),
          new Effect.Ended(j.stream(), j.index())));
    }
    Effect cancel = new Effect.CancelOnNode(a.nodeId(), jobId, attemptId, j.order().traceId(), "job_timeout");
    return failover(j, a.with(AttemptState.TIMED_OUT, "dispatched timeout"), "JOB_TIMEOUT", "timeout", cancel, now);
  }

  private boolean answeredLater(Attempt a, int index) {
    if (a.dispatchedAtMono() == null) return false;
    for (Answer ans : answersOf(a.nodeId())) {
      if (ans.index() > index && ans.atMono() >= a.dispatchedAtMono()) return true;
    }
    return false;
  }

  /** Ends the live attempt and places the next one on another node, or fails the job when no attempt is left. */
  private Step failover(Job j, Attempt ended, String code, String reason, Effect first, Now now) {
    List<Attempt> as = replace(j.attempts(), ended);
    List<Effect> fx = new ArrayList<>();
    if (first != null) fx.add(first);
    fx.add(new Effect.Disarm(j.jobId()));
    if (ended.attemptId() >= settings.maxAttempts()) {
      Job failed = j.with(JobState.DISPATCHED, as, 0, code, null, null);
      Step s = fail(failed, code, failMessage(code), null, now);
      fx.addAll(s.effects());
      return new Step(s.next(), fx);
    }
    int next = ended.attemptId() + 1;
    Job pending = j.with(JobState.PENDING, as, next, code, null, null);
    fx.add(new Effect.AttemptStarted(j.jobId(), next, reason));
    fx.add(new Effect.ArmPending(j.jobId(), next));
    fx.add(new Effect.Place(request(pending, next, null, null)));
    return new Step(put(pending), fx);
  }

  // ---------------------------------------------------------------- results

  /** A {@code job_result} routed here by the node entity of {@code nodeId} (§9.6). */
  public Step result(String nodeId, NodeResult r, Now now) {
    JobBook book = remember(nodeId, r, now);
    Job j = lookup(r.jobId());
    if (j == null) return book.step(new Effect.Dropped("unknown_job", r.jobId(), nodeId));
    if (!j.sentTo(nodeId)) return book.step(new Effect.Dropped("foreign_node", r.jobId(), nodeId));
    if (j.state().terminal()) return book.step(new Effect.Dropped("already_finished", r.jobId(), nodeId));
    if (r.success()) return book.complete(j, nodeId, r, now);
    Optional<Attempt> live = j.liveAttempt();
    if (j.state() != JobState.DISPATCHED || live.isEmpty() || !live.get().nodeId().equals(nodeId)
        || live.get().attemptId() != r.attemptId()) {
      return book.step(new Effect.Dropped("stale_failure", r.jobId(), nodeId));
    }
    if (r.isDuplicateRejection()) {
      return book.failover(j, live.get().with(AttemptState.REJECTED, r.error().message()), "NO_AVAILABLE_NODE",
          "duplicate_reject", null, now);
    }
    return book.nodeFailure(j, live.get(), r, now);
  }

  private Step complete(Job j, String nodeId, NodeResult r, Now now) {
    boolean empty = r.isEmptyAck();
    List<Effect> fx = new ArrayList<>();
    fx.add(new Effect.Disarm(j.jobId()));
    List<Attempt> as = new ArrayList<>();
    Long winningDispatch = null;
    for (Attempt a : j.attempts()) {
      if (a.nodeId().equals(nodeId)) {
        if (a.dispatchedAtWall() != null) winningDispatch = a.dispatchedAtWall();
        as.add(a.live() ? a.with(AttemptState.COMPLETED, null) : a);
      } else if (a.live()) {
        fx.add(new Effect.CancelOnNode(a.nodeId(), j.jobId(), a.attemptId(), j.order().traceId(), "superseded"));
        as.add(a.with(AttemptState.SUPERSEDED, "another attempt answered"));
      } else {
        as.add(a);
      }
    }
    if (j.state() == JobState.PENDING) fx.add(new Effect.Withdraw(j.jobId(), j.placing()));
    JobState s = empty ? JobState.COMPLETED_EMPTY : JobState.COMPLETED;
    Job done = j.with(s, as, 0, j.failoverCode(), empty ? reasonOf(r) : null, now.mono());
    fx.add(new Effect.Finished(j.jobId(), s, empty ? reasonOf(r) : null));
    JobBook book = put(done);
    for (Job merged : mergedInto(j, nodeId)) {
      Attempt a = merged.liveAttempt().orElseThrow();
      book = book.put(merged.with(JobState.COMPLETED_EMPTY, replace(merged.attempts(), a.with(AttemptState.COMPLETED,
          "merged")), 0, merged.failoverCode(), "merged", now.mono()));
      fx.add(new Effect.Disarm(merged.jobId()));
      fx.add(new Effect.ForgetOnNode(a.nodeId(), merged.jobId(), a.attemptId()));
      fx.add(new Effect.Finished(merged.jobId(), JobState.COMPLETED_EMPTY, "merged"));
      fx.add(new Effect.Ended(merged.stream(), merged.index()));
    }
    if (empty) {
      fx.add(new Effect.Ended(j.stream(), j.index()));
    } else {
      if (r.textAsr() != null && !r.textAsr().isEmpty()) fx.add(new Effect.Client(ui(j, "ASR_FINAL", "ok", null, now)));
      if (r.textTranslated() != null && !r.textTranslated().isEmpty()) {
        fx.add(new Effect.Client(ui(j, "NMT_DONE", "ok", null, now)));
      }
      fx.add(new Effect.Deliver(j.stream(), j.index(), new Draft(done, r, winningDispatch)));
    }
    return new Step(book, fx);
  }

  /**
   * Turn-aware completion (§9.6): the agent merges a turn's buffered audio into the turn's later job and may never
   * answer the earlier ones. So a result from {@code nodeId} for {@code answered} completes every earlier job of the
   * same turn and stream whose live attempt is on that node and still waits for its result, if its cut kept the turn
   * open (max duration, whatever flag the node's dialect gave it).
   */
  private List<Job> mergedInto(Job answered, String nodeId) {
    String turn = answered.order().turnId();
    if (turn == null) return List.of();
    List<Job> out = new ArrayList<>();
    for (Job other : all()) {
      if (other.state() != JobState.DISPATCHED || other.index() >= answered.index()
          || !other.stream().equals(answered.stream()) || !turn.equals(other.order().turnId())
          || !other.order().maxDurationTriggered()) {
        continue;
      }
      Optional<Attempt> live = other.liveAttempt();
      if (live.isPresent() && live.get().nodeId().equals(nodeId)) out.add(other);
    }
    return out;
  }

  private Step nodeFailure(Job j, Attempt live, NodeResult r, Now now) {
    String code = r.error() == null || r.error().code() == null ? "PROCESSING_ERROR" : r.error().code();
    String message = r.error() == null || r.error().message() == null ? "node reported a failure" : r.error().message();
    Job failed = j.with(JobState.DISPATCHED, replace(j.attempts(), live.with(AttemptState.FAILED, code)), 0,
        j.failoverCode(), null, null);
    return fail(failed, code, message, r.error() == null ? null : r.error().details(), now);
  }

  /** Terminal failure: {@code ui_event ERROR} then {@code error}, both at once, never held (§10.4, §13). */
  private Step fail(Job j, String code, String message, com.fasterxml.jackson.databind.JsonNode nodeDetails, Now now) {
    List<Attempt> as = new ArrayList<>();
    List<Effect> fx = new ArrayList<>();
    fx.add(new Effect.Disarm(j.jobId()));
    for (Attempt a : j.attempts()) as.add(a.live() ? a.with(AttemptState.FAILED, code) : a);
    Job failed = j.with(JobState.FAILED, as, 0, j.failoverCode(), code, now.mono());
    ObjectNode details = JsonNodeFactory.instance.objectNode();
    details.put("job_id", j.jobId());
    details.put("utterance_index", j.index());
    if (nodeDetails != null && !nodeDetails.isNull()) details.set("node_details", nodeDetails);
    fx.add(new Effect.Client(ui(j, "ERROR", "error", SCHEDULER_CODES.contains(code) ? code : null, now)));
    fx.add(new Effect.Client(new ClientEvent.Error(code, message, details, j.order().traceId())));
    fx.add(new Effect.Finished(j.jobId(), JobState.FAILED, code));
    fx.add(new Effect.Ended(j.stream(), j.index()));
    return new Step(put(failed), fx).firstPlaced(j);
  }

  /** Nobody can receive results any more (socket closed, or close-linger ran out): cancel every live job. */
  public Step cancelAll(String reason, Now now) {
    return cancel(j -> true, reason, now);
  }

  /** Cancels the live jobs that {@code which} selects, e.g. room jobs none of whose recipients is left (§9.7). */
  public Step cancel(java.util.function.Predicate<Job> which, String reason, Now now) {
    JobBook book = this;
    List<Effect> fx = new ArrayList<>();
    for (Job j : all()) {
      if (j.state().terminal() || !which.test(j)) continue;
      fx.add(new Effect.Disarm(j.jobId()));
      List<Attempt> as = new ArrayList<>();
      for (Attempt a : j.attempts()) {
        if (a.live()) {
          fx.add(new Effect.CancelOnNode(a.nodeId(), j.jobId(), a.attemptId(), j.order().traceId(), reason));
          as.add(a.with(AttemptState.CANCELLED, reason));
        } else {
          as.add(a);
        }
      }
      if (j.state() == JobState.PENDING) fx.add(new Effect.Withdraw(j.jobId(), j.placing()));
      fx.add(new Effect.Finished(j.jobId(), JobState.CANCELLED, reason));
      fx.add(new Effect.Ended(j.stream(), j.index())); // a session that goes on: its stream no longer waits for it
      Step s = new Step(book.put(j.with(JobState.CANCELLED, as, 0, j.failoverCode(), reason, now.mono())), List.of())
          .firstPlaced(j);
      book = s.next();
      fx.addAll(s.effects());
    }
    JobBook after = book;
    fx.removeIf(e -> e instanceof Effect.Place p && after.job(p.request().jobId()).map(x -> x.state().terminal())
        .orElse(true)); // a sibling released above and cancelled too
    return new Step(book, fx);
  }

  /** Forgets terminal jobs older than the retention (a look at the terminal jobs only, at most retainFinishedMax). */
  public JobBook sweep(Now now) {
    JobBook book = this;
    for (String id : CollectionConverters.asJava(finished)) {
      Job j = lookup(id);
      if (j != null && j.finishedMono() != null && now.mono() - j.finishedMono() >= settings.retainMs()) {
        book = book.forget(id);
      }
    }
    return book;
  }

  // ---------------------------------------------------------------- helpers

  private JobBook remember(String nodeId, NodeResult r, Now now) {
    Job j = lookup(r.jobId());
    if (j == null) return this;
    List<Answer> list = new ArrayList<>(answersOf(nodeId));
    list.add(new Answer(j.index(), now.mono()));
    if (list.size() > RESULTS_REMEMBERED_PER_NODE) list = list.subList(list.size() - RESULTS_REMEMBERED_PER_NODE, list.size());
    return new JobBook(settings, jobs, byIndex, answers.updated(nodeId, List.copyOf(list)), finished, firstPlacements);
  }

  /**
   * The node that holds the earlier jobs of this job's turn (the agent buffers a turn's audio per {@code turn_id} and
   * target language, §7.5): the node of the latest attempt of the turn's latest earlier job in the same stream, unless
   * that attempt was lost with its node. Null when the job starts its turn.
   */
  private String turnNode(Job j) {
    Job latest = null;
    for (Job other : all()) {
      if (other.index() < j.index() && other.stream().equals(j.stream()) && !other.attempts().isEmpty()
          && j.order().turnId() != null && j.order().turnId().equals(other.order().turnId())
          && (latest == null || other.index() > latest.index())) {
        latest = other;
      }
    }
    if (latest == null) return null;
    Attempt last = latest.attempts().get(latest.attempts().size() - 1);
    return last.state() == AttemptState.LOST ? null : last.nodeId();
  }

  private Dispatcher.PlacementRequest request(Job j, int attemptId, String affinity, String turnNode) {
    Set<String> excluded = new LinkedHashSet<>();
    for (Attempt a : j.attempts()) excluded.add(a.nodeId());
    for (Job other : all()) {
      if (other.index() == j.index() && !other.jobId().equals(j.jobId())) {
        for (Attempt a : other.attempts()) excluded.add(a.nodeId());
      }
    }
    return new Dispatcher.PlacementRequest(j.jobId(), attemptId, j.order().sessionId(), j.index(), j.pool(),
        j.requiredTypes(), Set.copyOf(excluded), attemptId == 1 ? affinity : null,
        turnNode != null && !excluded.contains(turnNode) ? turnNode : null);
  }

  private static ClientEvent.Ui ui(Job j, String event, String status, String code, Now now) {
    return new ClientEvent.Ui(j.order().traceId(), j.order().sessionId(), j.jobId(), j.index(), event, status,
        Math.max(0, now.mono() - j.createdMono()), code);
  }

  private static String failMessage(String code) {
    return switch (code) {
      case "JOB_TIMEOUT" -> "job timed out on its last attempt";
      case "NODE_UNAVAILABLE" -> "the job's node disconnected and no other node could take the job";
      default -> "no other node can take the job";
    };
  }

  private static String reasonOf(NodeResult r) {
    return r.extra() != null && r.extra().reason() != null ? r.extra().reason() : "empty";
  }

  private static Optional<Attempt> attempt(Job j, int attemptId, String nodeId) {
    for (Attempt a : j.attempts()) if (a.attemptId() == attemptId && a.nodeId().equals(nodeId)) return Optional.of(a);
    return Optional.empty();
  }

  private static List<Attempt> replace(List<Attempt> as, Attempt a) {
    List<Attempt> out = new ArrayList<>(as.size());
    for (Attempt x : as) out.add(x.attemptId() == a.attemptId() ? a : x);
    return out;
  }

  private List<Answer> answersOf(String nodeId) {
    scala.Option<List<Answer>> a = answers.get(nodeId);
    return a.isDefined() ? a.get() : List.of();
  }

  /**
   * The book with {@code j} in it: O(log n). A job that just became terminal joins the finished ones, and the oldest
   * finished are forgotten beyond {@code retainFinishedMax}.
   */
  private JobBook put(Job j) {
    Job before = lookup(j.jobId());
    Vector<String> fin = finished;
    if (j.state().terminal() && (before == null || !before.state().terminal())) fin = appended(fin, j.jobId());
    JobBook book = new JobBook(settings, jobs.updated(j.jobId(), j), byIndex, answers, fin, firstPlacements);
    while (book.finished.size() > settings.retainFinishedMax()) book = book.forget(book.finished.head());
    return book;
  }

  /** The book without the terminal job {@code jobId} (and its utterance index once no job of the index is left). */
  private JobBook forget(String jobId) {
    Job j = lookup(jobId);
    Vector<String> fin = !finished.isEmpty() && finished.head().equals(jobId) ? tail(finished)
        : filterNot(finished, jobId);
    if (j == null) return new JobBook(settings, jobs, byIndex, answers, fin, firstPlacements);
    List<String> rest = new ArrayList<>(idsOf(byIndex, j.index()));
    rest.remove(jobId);
    HashMap<Integer, List<String>> idx = rest.isEmpty() ? byIndex.removed(j.index())
        : byIndex.updated(j.index(), List.copyOf(rest));
    return new JobBook(settings, jobs.removed(jobId), idx, answers, fin, firstPlacements);
  }

  /** The book with one more job of utterance {@code index} (a fan-out has one per target language). */
  private JobBook withIndex(int index, String jobId) {
    List<String> ids = new ArrayList<>(idsOf(byIndex, index));
    if (!ids.contains(jobId)) ids.add(jobId);
    return new JobBook(settings, jobs, byIndex.updated(index, List.copyOf(ids)), answers, finished, firstPlacements);
  }

  private JobBook withFirstPlacements(int index, List<String> queue) {
    HashMap<Integer, List<String>> fp = queue.isEmpty() ? firstPlacements.removed(index)
        : firstPlacements.updated(index, List.copyOf(queue));
    return new JobBook(settings, jobs, byIndex, answers, finished, fp);
  }

  /** The jobs of utterance {@code index} whose first placement waits for an answer (the first is being placed). */
  private List<String> placingFirst(int index) {
    return idsOf(firstPlacements, index);
  }

  private static List<String> idsOf(HashMap<Integer, List<String>> map, int index) {
    scala.Option<List<String>> ids = map.get(index);
    return ids.isDefined() ? ids.get() : List.of();
  }

  /**
   * {@code j}'s first placement was answered (placed, queued for capacity, failed) or the job ended: it no longer
   * holds its siblings back, and the next sibling waiting is placed now, excluding the nodes the others got.
   */
  private Step afterFirstPlacement(Job j) {
    List<String> queue = placingFirst(j.index());
    if (!queue.contains(j.jobId())) return new Step(this, List.of());
    boolean wasBeingPlaced = queue.get(0).equals(j.jobId());
    List<String> rest = new ArrayList<>(queue);
    rest.remove(j.jobId());
    JobBook book = withFirstPlacements(j.index(), rest);
    if (!wasBeingPlaced || rest.isEmpty()) return new Step(book, List.of());
    Job next = book.lookup(rest.get(0));
    if (next == null || next.state() != JobState.PENDING || next.placing() != 1) return new Step(book, List.of());
    return new Step(book, List.of(new Effect.Place(book.request(next, 1, null, book.turnNode(next)))));
  }

  // javac sees Vector's own generic methods and AbstractSeq's erased bridges as ambiguous overloads (as in PoolView)

  @SuppressWarnings("unchecked")
  private static Vector<String> appended(Vector<String> v, String id) {
    return (Vector<String>) ((scala.collection.immutable.IndexedSeq<String>) v).appended(id);
  }

  @SuppressWarnings("unchecked")
  private static Vector<String> tail(Vector<String> v) {
    return (Vector<String>) ((scala.collection.immutable.IndexedSeq<String>) v).tail();
  }

  @SuppressWarnings("unchecked")
  private static Vector<String> filterNot(Vector<String> v, String id) {
    return (Vector<String>) ((scala.collection.immutable.IndexedSeq<String>) v).filterNot(x -> x.equals(id));
  }

  @SuppressWarnings("unchecked")
  private static <T> Vector<T> emptyVector() {
    return (Vector<T>) Vector$.MODULE$.empty();
  }

  @SuppressWarnings("unchecked")
  private static <K, V> HashMap<K, V> emptyMap() {
    return (HashMap<K, V>) HashMap$.MODULE$.empty();
  }

  @SuppressWarnings("unchecked")
  private static <K, V> VectorMap<K, V> emptyVectorMap() {
    return (VectorMap<K, V>) VectorMap$.MODULE$.empty();
  }

  private Step step(Effect... fx) {
    return new Step(this, List.of(fx));
  }
}
