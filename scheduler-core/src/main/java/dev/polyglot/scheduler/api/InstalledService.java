package dev.polyglot.scheduler.api;


/**
 * One installed node service. {@code type}, {@code status} and {@code device} are open enums,
 * stored lower-cased (unknown values such as {@code lexicon} are kept); {@code device} defaults to
 * {@code gpu}.
 */
public record InstalledService(
    String serviceId,
    String type,
    String status,
    String device,
    String version,
    String modelId,
    String engine,
    String lastError,
    Integer memMb,
    Integer warmupMs) {

  public InstalledService {
    type = Norm.lower(type);
    status = Norm.lower(status);
    device = device == null ? "gpu" : Norm.lower(device);
  }

  /** True when the status is {@code running}; any other value counts as not running. */
  public boolean running() {
    return "running".equals(status);
  }
}
