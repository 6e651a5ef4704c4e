package dev.polyglot.scheduler.wire;

import dev.polyglot.scheduler.api.WireDialect;

import dev.polyglot.scheduler.api.Norm;

import dev.polyglot.scheduler.api.FeatureFlags;
import dev.polyglot.scheduler.api.PipelineConfig;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonTypeName;
import java.util.List;

/**
 * Every message the scheduler sends on {@code /ws/node} (§7), encoded by {@link WireCodec} with
 * {@code type} first, snake_case names and null fields omitted.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.EXISTING_PROPERTY, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(NodeOutbound.RegisterAck.class),
  @JsonSubTypes.Type(NodeOutbound.JobAssign.class),
  @JsonSubTypes.Type(NodeOutbound.JobCancel.class),
  @JsonSubTypes.Type(NodeOutbound.NodeStatus.class),
  @JsonSubTypes.Type(ErrorFrame.class)
})
public sealed interface NodeOutbound permits NodeOutbound.RegisterAck, NodeOutbound.JobAssign,
    NodeOutbound.JobCancel, NodeOutbound.NodeStatus, ErrorFrame {

  /** {@code node_register_ack} (§7.2). */
  @JsonTypeName("node_register_ack")
  record RegisterAck(String nodeId, String message, String status) implements NodeOutbound {

    /** The ack exactly as §7.2 specifies it for a newly registered node. */
    public static RegisterAck of(String nodeId) {
      return new RegisterAck(nodeId, "Node registered successfully", "registering");
    }
  }

  /**
   * {@code job_assign} (§7.5). {@code audio} is sent as padded standard base64. The four cut
   * flags (in the node's wire dialect, {@link WireDialect}) are normalised so that false becomes null: they are sent only when true.
   */
  @JsonTypeName("job_assign")
  record JobAssign(
      String jobId,
      int attemptId,
      String sessionId,
      int utteranceIndex,
      String srcLang,
      String tgtLang,
      PipelineConfig pipeline,
      byte[] audio,
      String audioFormat,
      int sampleRate,
      String traceId,
      boolean enableStreamingAsr,
      int partialUpdateIntervalMs,
      String turnId,
      String dialect,
      FeatureFlags features,
      String mode,
      String langA,
      String langB,
      List<String> autoLangs,
      Integer paddingMs,
      @JsonProperty("is_manual_cut") Boolean isManualCut,
      @JsonProperty("is_timeout_triggered") Boolean isTimeoutTriggered,
      @JsonProperty("is_max_duration_triggered") Boolean isMaxDurationTriggered,
      @JsonProperty("is_pause_triggered") Boolean isPauseTriggered)
      implements NodeOutbound {

    public JobAssign {
      autoLangs = Norm.copy(autoLangs);
      isManualCut = Norm.onlyTrue(isManualCut);
      isTimeoutTriggered = Norm.onlyTrue(isTimeoutTriggered);
      isMaxDurationTriggered = Norm.onlyTrue(isMaxDurationTriggered);
      isPauseTriggered = Norm.onlyTrue(isPauseTriggered);
    }
  }

  /** {@code job_cancel} (§7.6); reason is {@code job_timeout}, {@code superseded} or {@code session_closed}. */
  @JsonTypeName("job_cancel")
  record JobCancel(String jobId, String traceId, String reason) implements NodeOutbound {}

  /** {@code node_status} (§7.4, new; the agent ignores it). */
  @JsonTypeName("node_status")
  record NodeStatus(String nodeId, String status, String reason, long timestamp)
      implements NodeOutbound {}
}
