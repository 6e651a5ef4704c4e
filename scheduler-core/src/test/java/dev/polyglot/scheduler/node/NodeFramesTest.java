package dev.polyglot.scheduler.node;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.polyglot.scheduler.api.Cut;
import dev.polyglot.scheduler.api.HardwareInfo;
import dev.polyglot.scheduler.api.NodeFacts;
import dev.polyglot.scheduler.api.WireDialect;
import dev.polyglot.scheduler.testkit.Fixtures;
import dev.polyglot.scheduler.wire.ErrorFrame;
import dev.polyglot.scheduler.wire.NodeInbound;
import dev.polyglot.scheduler.wire.NodeOutbound;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeFramesTest {
  private static final HardwareInfo ONE_GPU = new HardwareInfo(16, 64, List.of(new HardwareInfo.Gpu("RTX 4090", 24)));
  private static final HardwareInfo NO_GPU = new HardwareInfo(16, 64, List.of());

  private static NodeInbound.Register register(String schema, HardwareInfo hardware, Boolean acceptPublicJobs) {
    return new NodeInbound.Register("gpu-7", schema, hardware, "2.0.0", "linux", List.of(), List.of(), List.of(), null,
        acceptPublicJobs, List.of(), null);
  }

  @Test
  void aRegistrationWithAnotherCapabilitySchemaIsRefusedBeforeAnyState() {
    ErrorFrame e = NodeFrames.invalid(register("1.0", ONE_GPU, null), true).orElseThrow();
    assertEquals("INVALID_CAPABILITY_SCHEMA", e.code());
    assertTrue(e.message().contains("got 1.0"), e.message());
    assertTrue(NodeFrames.invalid(register(null, ONE_GPU, null), true).isEmpty(), "an absent schema is accepted");
  }

  @Test
  void aRegistrationWithoutAGpuIsRefusedOnlyWhereGpusAreRequired() {
    assertEquals("NO_GPU_AVAILABLE", NodeFrames.invalid(register("2.0", NO_GPU, null), true).orElseThrow().code());
    assertEquals("NO_GPU_AVAILABLE", NodeFrames.invalid(register("2.0", null, null), true).orElseThrow().code());
    assertTrue(NodeFrames.invalid(register("2.0", NO_GPU, null), false).isEmpty());
  }

  @Test
  void theFactsOfARegistrationRecordTheWireDialectAndAcceptPublicJobsUnlessTheAgentSaysNo() {
    NodeFacts f = NodeFrames.facts(register("2.0", ONE_GPU, null), WireDialect.JANUARY_2026);
    assertEquals("2026-01", f.wireDialect());
    assertTrue(f.acceptPublicJobs());
    assertFalse(NodeFrames.facts(register("2.0", ONE_GPU, false), WireDialect.JUNE_2026).acceptPublicJobs());
  }

  @Test
  void aHeartbeatsOwnMetricsBecomeOneObjectAndNoneBecomeNull() {
    NodeInbound.Heartbeat none = new NodeInbound.Heartbeat("gpu-7", Fixtures.usage(10, 0), 1L, null, null, null, null,
        null, null, null);
    assertNull(NodeFrames.metrics(none));
    NodeInbound.Heartbeat some = new NodeInbound.Heartbeat("gpu-7", Fixtures.usage(10, 0), 1L, null, null, null, null,
        null, JsonNodeFactory.instance.objectNode().put("wer", 0.1), null);
    assertEquals(0.1, NodeFrames.metrics(some).get("asr_metrics").get("wer").asDouble());
    assertFalse(NodeFrames.metrics(some).has("rerun_metrics"));
  }

  @Test
  void aJobIsWrittenWithTheCutFlagsOfTheAgentsDialect() {
    NodeOutbound.JobAssign january = NodeFrames.assign(Fixtures.order("job-1", 3, Cut.GAP), WireDialect.JANUARY_2026);
    assertEquals("job-1", january.jobId());
    assertEquals(3, january.utteranceIndex());
    assertEquals(Boolean.TRUE, january.isPauseTriggered());
    NodeOutbound.JobAssign june = NodeFrames.assign(Fixtures.order("job-1", 3, Cut.GAP), WireDialect.JUNE_2026);
    assertNotEquals(Boolean.TRUE, june.isPauseTriggered());
    assertEquals(Boolean.TRUE, june.isTimeoutTriggered());
  }
}
