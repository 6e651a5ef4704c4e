package dev.polyglot.scheduler.wire;

import dev.polyglot.scheduler.api.CapabilityByType;
import dev.polyglot.scheduler.api.ExtraResult;
import dev.polyglot.scheduler.api.FeatureFlags;
import dev.polyglot.scheduler.api.HardwareInfo;
import dev.polyglot.scheduler.api.InstalledModel;
import dev.polyglot.scheduler.api.InstalledService;
import dev.polyglot.scheduler.api.JobError;
import dev.polyglot.scheduler.api.LanguageCapabilities;
import dev.polyglot.scheduler.api.ResourceUsage;
import dev.polyglot.scheduler.api.SegmentsMeta;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Every message a node may send on {@code /ws/node} (§7), as decoded by {@link WireCodec}.
 * Decoded values are normalised: open enums lower-cased, {@code null} equal to absent, wrongly
 * typed optional fields dropped. Absent optional lists are {@code null}.
 */
public sealed interface NodeInbound {

  /** {@code node_register} (§7.1); every field optional. */
  record Register(
      String nodeId,
      String capabilitySchemaVersion,
      HardwareInfo hardware,
      String version,
      String platform,
      List<InstalledService> installedServices,
      List<CapabilityByType> capabilityByType,
      List<InstalledModel> installedModels,
      FeatureFlags featuresSupported,
      Boolean acceptPublicJobs,
      List<String> advancedFeatures,
      LanguageCapabilities languageCapabilities)
      implements NodeInbound {}

  /**
   * {@code node_heartbeat} (§7.3). A null list / capabilities means "unchanged", an empty list
   * means "empty now". The three metric objects keep lingua's camelCase keys and are stored only.
   */
  record Heartbeat(
      String nodeId,
      ResourceUsage resourceUsage,
      Long timestamp,
      List<InstalledService> installedServices,
      List<CapabilityByType> capabilityByType,
      List<InstalledModel> installedModels,
      LanguageCapabilities languageCapabilities,
      JsonNode rerunMetrics,
      JsonNode asrMetrics,
      JsonNode processingMetrics)
      implements NodeInbound {}

  /** {@code job_result} (§7.7). {@code ttsAudio} stays the node's base64 text, never decoded. */
  record JobResult(
      String jobId,
      int attemptId,
      boolean success,
      String nodeId,
      String sessionId,
      Integer utteranceIndex,
      String traceId,
      String textAsr,
      String textTranslated,
      String ttsAudio,
      String ttsFormat,
      ExtraResult extra,
      Integer processingTimeMs,
      JobError error,
      Long nodeCompletedAtMs,
      String asrQualityLevel,
      List<String> reasonCodes,
      Double qualityScore,
      Integer rerunCount,
      SegmentsMeta segmentsMeta)
      implements NodeInbound {}

  /** {@code asr_partial} from a node (§7.8); {@code is_final} defaults to false. */
  record AsrPartial(
      String jobId,
      String text,
      boolean isFinal,
      String nodeId,
      String sessionId,
      Integer utteranceIndex,
      String traceId)
      implements NodeInbound {}

  /** {@code job_ack} (§7.9, optional; the real agent never sends it). */
  record JobAck(String jobId, int attemptId, String nodeId, String sessionId, String traceId)
      implements NodeInbound {}

  /** {@code job_started} (§7.9, optional; the real agent never sends it). */
  record JobStarted(String jobId, int attemptId, String nodeId, String sessionId, String traceId)
      implements NodeInbound {}

  /** {@code node_error} (§7.10): logged and counted only. */
  record NodeError(String nodeId, String code, String message, JsonNode details)
      implements NodeInbound {}

  /** A recognised seed-era message accepted without reply (e.g. {@code request_pairing_code}). */
  record Ignored(String type) implements NodeInbound {}
}
