package dev.polyglot.scheduler.session;

import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.api.Cut;
import dev.polyglot.scheduler.dispatch.Dispatcher;
import dev.polyglot.scheduler.node.NodeEntity;
import dev.polyglot.scheduler.testkit.Fixtures;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JobEventsTest {
  private final JobBook.Now now = new JobBook.Now(1_000, 1_767_225_601_000L);

  private JobBook bookWithPendingJob() {
    return JobBook.empty(new JobBook.Settings(3, 300_000))
        .create(Fixtures.order("job-1", 0, Cut.TIMER), "zh:en", Set.of("asr"), "en", null, "stream", null, now).next();
  }

  @Test
  void aQueuedAnswerForTheLiveRequestWaitsForCapacityAndAnyOtherAnswerEndsTheWait() {
    JobBook book = bookWithPendingJob();
    BusySignal busy = JobEvents.capacity(BusySignal.create(400), book, new Dispatcher.Queued("job-1", 1, "zh:en"));
    assertEquals(Set.of("job-1"), busy.waiting());
    assertEquals(Set.of(), JobEvents.capacity(BusySignal.create(400), book,
        new Dispatcher.Queued("job-1", 2, "zh:en")).waiting(), "an older request's answer does not count");
    assertEquals(Set.of(), JobEvents.capacity(busy, book, new Dispatcher.Placed("job-1", 1, "node-a", 1)).waiting());
  }

  @Test
  void partialsAndAcceptancesComeOnlyFromTheLiveAttemptsNode() {
    JobBook book = bookWithPendingJob();
    book = JobEvents.apply(book, new Dispatcher.Placed("job-1", 1, "node-a", 1), now).next();
    book = JobEvents.apply(book, new NodeEntity.AttemptDispatched("job-1", 1, "node-a", now.wall()), now).next();
    List<ClientEvent> live = JobEvents.partial(book, new NodeEntity.PartialReceived("job-1", "node-a", "你好", false),
        "s-1", 1_200);
    assertEquals(2, live.size());
    assertInstanceOf(ClientEvent.Partial.class, live.get(0));
    assertEquals(List.of(), JobEvents.partial(book, new NodeEntity.PartialReceived("job-1", "node-b", "x", false),
        "s-1", 1_200));
    assertEquals(1, JobEvents.accepted(book, new NodeEntity.AckReceived("job-1", 1, "node-a", false), "s-1", 1_200)
        .size());
    assertEquals(List.of(), JobEvents.accepted(book, new NodeEntity.AckReceived("job-1", 1, "node-a", true), "s-1",
        1_200), "a started job is not announced again");
    assertNull(JobEvents.apply(book, new NodeEntity.PartialReceived("job-1", "node-a", "x", false), now));
  }
}
