package dev.polyglot.scheduler.testkit;

import dev.polyglot.scheduler.api.Cut;
import dev.polyglot.scheduler.api.JobOrder;
import dev.polyglot.scheduler.api.NodeFacts;
import dev.polyglot.scheduler.api.FeatureFlags;
import dev.polyglot.scheduler.api.PipelineConfig;
import dev.polyglot.scheduler.node.NodeState;
import dev.polyglot.scheduler.api.CapabilityByType;
import dev.polyglot.scheduler.api.HardwareInfo;
import dev.polyglot.scheduler.api.InstalledService;
import dev.polyglot.scheduler.api.LanguageCapabilities;
import dev.polyglot.scheduler.api.ResourceUsage;
import java.util.List;

/** Node facts and usages as the real agent reports them, for tests. */
public final class Fixtures {
  private Fixtures() {}

  public static final NodeState.Limits LIMITS = new NodeState.Limits(true, 4, 85, 3, 512);

  /** A streamed job as a session creates it. */
  public static JobOrder order(String jobId, int index, Cut cut) {
    return new JobOrder(jobId, 1, "s-1", index, "zh", "en", PipelineConfig.streamingDefault(), new byte[] {1, 2, 3},
        "opus", 16000, "trace-1", true, 1000, "turn", null, FeatureFlags.empty(), "one_way", null, null, null, 220, cut);
  }

  public static NodeFacts agentFacts(List<String> languages) {
    return new NodeFacts("linux", "2.0.0",
        new HardwareInfo(16, 64, List.of(new HardwareInfo.Gpu("NVIDIA GeForce RTX 4090", 24))),
        List.of(service("asr"), service("nmt"), service("tts"), service("semantic")),
        List.of(ready("asr"), ready("nmt"), ready("tts"), ready("semantic"),
            new CapabilityByType("lexicon", false, null, null, List.of("cpu"))),
        List.of(), null, true, List.of(),
        new LanguageCapabilities(languages, languages, languages, true, null, null), null, null);
  }

  public static InstalledService service(String type) {
    return new InstalledService(type + "-svc", type, "running", "gpu", "2.0.0", null, null, null, null, null);
  }

  public static CapabilityByType ready(String type) {
    return new CapabilityByType(type, true, null, null, List.of("gpu"));
  }

  public static ResourceUsage usage(double cpu, int running) {
    return new ResourceUsage(cpu, 40, running, 10.0, null, null);
  }

  /** A registered node that sent one healthy heartbeat: Ready. */
  public static NodeState readyNode(String id, List<String> languages) {
    NodeFacts f = agentFacts(languages);
    return NodeState.unknown(id, LIMITS).register(f, 0).heartbeat(usage(10, 0), f, 1);
  }
}
