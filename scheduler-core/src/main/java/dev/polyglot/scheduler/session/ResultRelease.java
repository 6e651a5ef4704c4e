package dev.polyglot.scheduler.session;

import dev.polyglot.scheduler.api.SchedulerClock;
import dev.polyglot.scheduler.ops.JobObserver;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.function.BiConsumer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Where a session's results wait for their turn, owned by its entity: the {@link ResultOrder} (utterance order within
 * the bounded hold), the utterance {@link Groups}, and the hold timer. Whatever the order releases is built into a
 * {@code translation_result} and handed to {@code deliver} with its job (whose recipients say where it goes); the
 * {@link JobObserver} measures its end to end and hold.
 */
final class ResultRelease {
  private final TimerScheduler<SessionEntity.Command> timers;
  private final SessionEntity.Command holdTimer;
  private final SchedulerClock clock;
  private final BiConsumer<JobBook.Job, ClientEvent.Result> deliver;
  private final JobObserver observer;
  private ResultOrder<JobBook.Draft> order;
  private Groups groups;

  ResultRelease(ResultOrder<JobBook.Draft> order, Groups groups, TimerScheduler<SessionEntity.Command> timers,
                SessionEntity.Command holdTimer, SchedulerClock clock, BiConsumer<JobBook.Job, ClientEvent.Result> deliver,
                JobObserver observer) {
    this.order = order;
    this.groups = groups;
    this.timers = timers;
    this.holdTimer = holdTimer;
    this.clock = clock;
    this.deliver = deliver;
    this.observer = observer;
  }

  int held() {
    return order.held();
  }

  /** A job of {@code stream} at {@code index} exists: later results of the stream wait for it. */
  void jobLive(String stream, int index) {
    order = order.jobLive(stream, index);
  }

  void ready(String stream, int index, JobBook.Draft d) {
    release(order.resultReady(stream, index, d, clock.monoMillis()));
  }

  void ended(String stream, int index) {
    release(order.jobEnded(stream, index, clock.monoMillis()));
  }

  void holdOver() {
    release(order.onHoldTimer(clock.monoMillis()));
  }

  void releaseAll() {
    release(order.releaseAll());
  }

  void playbackEnded(String groupId) {
    groups = groups.playbackEnded(groupId, clock.monoMillis());
  }

  private void release(ResultOrder.Release<JobBook.Draft> r) {
    order = r.next();
    for (JobBook.Draft d : r.released()) {
      observer.released(d.job().order(), d.job().createdMono(), d.result().receivedAtMs(), clock.monoMillis(),
          clock.wallMillis());
      ResultBuilder.Built b = ResultBuilder.build(d, groups, clock.monoMillis(), clock.wallMillis());
      groups = b.groups();
      deliver.accept(d.job(), b.event());
    }
    OptionalLong due = order.holdDueAt();
    if (due.isPresent()) {
      timers.startSingleTimer(holdTimer, holdTimer, Duration.ofMillis(Math.max(0, due.getAsLong() - clock.monoMillis())));
    } else {
      timers.cancel(holdTimer);
    }
  }
}
