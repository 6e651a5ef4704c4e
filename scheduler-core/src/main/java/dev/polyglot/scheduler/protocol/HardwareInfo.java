package dev.polyglot.scheduler.protocol;
import java.util.List;
public record HardwareInfo(Integer cpuCores, Integer memoryGb, List<Gpu> gpus) {
  public record Gpu(String name, Integer memoryGb) {}
  public int gpuCount() { return gpus == null ? 0 : gpus.size(); }
}
