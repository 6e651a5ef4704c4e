package dev.polyglot.scheduler.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.polyglot.scheduler.api.JobOrder;
import dev.polyglot.scheduler.api.NodeFacts;
import dev.polyglot.scheduler.api.NodeResult;
import dev.polyglot.scheduler.api.WireDialect;
import java.util.Optional;
import dev.polyglot.scheduler.wire.ErrorFrame;
import dev.polyglot.scheduler.wire.NodeInbound;
import dev.polyglot.scheduler.wire.NodeOutbound;

/**
 * The translation between the node agent's wire frames and the values the node entity speaks, at the edge: no wire
 * record travels further than the node socket. Pure functions.
 */
final class NodeFrames {
  private NodeFrames() {}

  /**
   * Why a {@code node_register} cannot be accepted before any state exists (the {@code error} to send, then the
   * connection closes): a capability schema other than 2.0, or no GPU where GPUs are required.
   */
  static Optional<ErrorFrame> invalid(NodeInbound.Register r, boolean requireGpu) {
    String schema = r.capabilitySchemaVersion();
    if (schema != null && !"2.0".equals(schema)) {
      return Optional.of(ErrorFrame.of("INVALID_CAPABILITY_SCHEMA",
          "capability_schema_version must be 2.0, got " + schema));
    }
    int gpus = r.hardware() == null ? 0 : r.hardware().gpuCount();
    if (requireGpu && gpus == 0) {
      return Optional.of(ErrorFrame.of("NO_GPU_AVAILABLE", "no GPU reported and GPUs are required"));
    }
    return Optional.empty();
  }

  /** What a {@code node_register} says of the node, read in the agent's wire dialect. */
  static NodeFacts facts(NodeInbound.Register r, WireDialect dialect) {
    return new NodeFacts(r.platform(), r.version(), r.hardware(), r.installedServices(), r.capabilityByType(),
        r.installedModels(), r.featuresSupported(), r.acceptPublicJobs() == null || r.acceptPublicJobs(),
        r.advancedFeatures(), r.languageCapabilities(), null, dialect.wireName());
  }

  /** The agent's own metrics in a heartbeat, as one object; null when it sent none. */
  static JsonNode metrics(NodeInbound.Heartbeat h) {
    if (h.rerunMetrics() == null && h.asrMetrics() == null && h.processingMetrics() == null) return null;
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    if (h.rerunMetrics() != null) o.set("rerun_metrics", h.rerunMetrics());
    if (h.asrMetrics() != null) o.set("asr_metrics", h.asrMetrics());
    if (h.processingMetrics() != null) o.set("processing_metrics", h.processingMetrics());
    return o;
  }

  /** A {@code job_result}, received at {@code receivedAtMs} (epoch milliseconds). */
  static NodeResult result(NodeInbound.JobResult r, long receivedAtMs) {
    return new NodeResult(r.jobId(), r.attemptId(), r.success(), r.textAsr(), r.textTranslated(), r.ttsAudio(),
        r.ttsFormat(), r.extra(), r.processingTimeMs(), r.error(), r.nodeCompletedAtMs(), r.asrQualityLevel(),
        r.reasonCodes(), r.qualityScore(), r.rerunCount(), r.segmentsMeta(), receivedAtMs);
  }

  /** The job as this node's agent reads it: the cut reason becomes the flags of its wire dialect. */
  static NodeOutbound.JobAssign assign(JobOrder o, WireDialect dialect) {
    WireDialect.Flags f = dialect.flags(o.cut());
    return new NodeOutbound.JobAssign(o.jobId(), o.attemptId(), o.sessionId(), o.utteranceIndex(), o.srcLang(),
        o.tgtLang(), o.pipeline(), o.audio(), o.audioFormat(), o.sampleRate(), o.traceId(), o.enableStreamingAsr(),
        o.partialUpdateIntervalMs(), o.turnId(), o.dialect(), o.features(), o.mode(), o.langA(), o.langB(),
        o.autoLangs(), o.paddingMs(), f.manualCut(), f.timeoutTriggered(), f.maxDurationTriggered(), f.pauseTriggered());
  }
}
