package dev.polyglot.scheduler.protocol;
import java.util.List;
public record CapabilityByType(String type, boolean ready, String reason, List<String> readyImplIds, List<String> devices) {}
