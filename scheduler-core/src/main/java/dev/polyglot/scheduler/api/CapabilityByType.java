package dev.polyglot.scheduler.api;


import java.util.List;

/**
 * Readiness of one service type on a node. {@code type} is stored lower-cased; {@code devices}
 * (added by the agent) is stored but unused.
 */
public record CapabilityByType(
    String type, boolean ready, String reason, List<String> readyImplIds, List<String> devices) {

  public CapabilityByType {
    type = Norm.lower(type);
    readyImplIds = Norm.copy(readyImplIds);
    devices = Norm.copy(devices);
  }
}
