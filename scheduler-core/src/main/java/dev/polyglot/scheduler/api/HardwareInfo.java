package dev.polyglot.scheduler.api;

import java.util.List;

/**
 * Node hardware ({@code hardware}). {@code memoryGb} is 0 when absent on input; {@code gpus} is
 * never null (absent = empty, as the agent omits it without NVIDIA tools).
 */
public record HardwareInfo(Integer cpuCores, Integer memoryGb, List<Gpu> gpus) {

  public HardwareInfo {
    gpus = gpus == null ? List.of() : List.copyOf(gpus);
  }

  /** One GPU as reported by the node; both fields optional. */
  public record Gpu(String name, Integer memoryGb) {}

  /** Number of GPUs reported. */
  public int gpuCount() {
    return gpus.size();
  }
}
