package dev.polyglot.scheduler.ops;

import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.api.Cut;
import dev.polyglot.scheduler.dispatch.Dispatcher;
import dev.polyglot.scheduler.node.NodeEntity;
import dev.polyglot.scheduler.session.SessionEntity;
import dev.polyglot.scheduler.testkit.Fixtures;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class JobMdcTest {

  @Test
  void aNodeAssignCarriesTheJobsTraceJobAttemptAndUtteranceIds() {
    var order = Fixtures.order("job-1", 3, Cut.MANUAL).withAttempt(2);
    Map<String, String> mdc = JobMdc.of(new NodeEntity.Assign(order, 0));
    assertEquals("job-1", mdc.get(JobMdc.JOB_ID));
    assertEquals("2", mdc.get(JobMdc.ATTEMPT_ID));
    assertEquals(order.traceId(), mdc.get(JobMdc.TRACE_ID));
    assertEquals("3", mdc.get(JobMdc.UTTERANCE_INDEX));
    assertEquals(order.sessionId(), mdc.get(JobMdc.SESSION_ID));
  }

  @Test
  void aSessionsNewsFromANodeOrTheDispatcherIsReadOneLevelDeep() {
    Map<String, String> mdc = JobMdc.of(new SessionEntity.FromNode(new NodeEntity.AttemptDispatched("job-9", 1, "node-A", 5)));
    assertEquals(Map.of(JobMdc.JOB_ID, "job-9", JobMdc.ATTEMPT_ID, "1", JobMdc.NODE_ID, "node-A"), mdc);
    mdc = JobMdc.of(new SessionEntity.FromDispatcher(new Dispatcher.Placed("job-8", 2, "node-B", 7)));
    assertEquals(Map.of(JobMdc.JOB_ID, "job-8", JobMdc.ATTEMPT_ID, "2", JobMdc.NODE_ID, "node-B"), mdc);
  }

  @Test
  void aReservationNamesItsSession() {
    Map<String, String> mdc = JobMdc.of(new NodeEntity.Reserve("job-2", 1, "s-1", 4, Set.of("asr"), Set.of(), null));
    assertEquals("s-1", mdc.get(JobMdc.SESSION_ID));
    assertEquals("4", mdc.get(JobMdc.UTTERANCE_INDEX));
  }

  @Test
  void messagesWithoutJobIdsGiveAnEmptyMdcAndAudioIsNeverRead() {
    assertEquals(Map.of(), JobMdc.of(NodeEntity.Reannounce.INSTANCE));
    assertEquals(Map.of(), JobMdc.of(new SessionEntity.Audio(new byte[] {1, 2, 3}, false, null, null)));
    assertEquals(Map.of(), JobMdc.of(new Dispatcher.GetStatus(null)));
    assertEquals(Map.of(), JobMdc.of(null));
  }

  @Test
  void aScopeSetsItsKeysAndRestoresWhatWasThere() {
    MDC.put(JobMdc.SESSION_ID, "s-outer");
    try (JobMdc.Scope s = JobMdc.with(JobMdc.SESSION_ID, "s-inner", JobMdc.JOB_ID, "job-1", JobMdc.NODE_ID, null)) {
      assertEquals("s-inner", MDC.get(JobMdc.SESSION_ID));
      assertEquals("job-1", MDC.get(JobMdc.JOB_ID));
      assertNull(MDC.get(JobMdc.NODE_ID));
    }
    assertEquals("s-outer", MDC.get(JobMdc.SESSION_ID));
    assertNull(MDC.get(JobMdc.JOB_ID));
    MDC.clear();
  }
}
