package dev.polyglot.scheduler.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a node told us about itself at registration, updated by heartbeats. Lists are never null: an
 * absent list at registration is empty, an absent list in a heartbeat means "unchanged" (PROTOCOL.md §4.1).
 * {@code wireDialect} is fixed at registration (spec/BEHAVIOUR.md §7.3); heartbeats never change it.
 */
public record NodeFacts(
    String platform,
    String version,
    HardwareInfo hardware,
    List<InstalledService> installedServices,
    List<CapabilityByType> capabilityByType,
    List<InstalledModel> installedModels,
    FeatureFlags featuresSupported,
    boolean acceptPublicJobs,
    List<String> advancedFeatures,
    LanguageCapabilities languageCapabilities,
    JsonNode metrics,
    String wireDialect) implements dev.polyglot.scheduler.api.ClusterMessage {

  public static final LanguageCapabilities NO_LANGUAGES = new LanguageCapabilities(List.of(), List.of(), List.of(), null, List.of(), null);

  public NodeFacts {
    hardware = hardware == null ? new HardwareInfo(null, null, List.of()) : hardware;
    installedServices = installedServices == null ? List.of() : List.copyOf(installedServices);
    capabilityByType = capabilityByType == null ? List.of() : List.copyOf(capabilityByType);
    installedModels = installedModels == null ? List.of() : List.copyOf(installedModels);
    featuresSupported = featuresSupported == null ? FeatureFlags.empty() : featuresSupported;
    advancedFeatures = advancedFeatures == null ? List.of() : List.copyOf(advancedFeatures);
    languageCapabilities = languageCapabilities == null ? NO_LANGUAGES : languageCapabilities;
    wireDialect = wireDialect == null ? WireDialect.of(languageCapabilities).wireName() : wireDialect;
  }

  /** Replaces each list that a heartbeat carries; keeps the ones it omits. */
  public NodeFacts withHeartbeat(List<InstalledService> services, List<CapabilityByType> capabilities,
                                 List<InstalledModel> models, LanguageCapabilities languages, JsonNode newMetrics) {
    // an equal list keeps the old object, so what is derived from it (pools, ready types) is not recomputed
    List<InstalledService> s = pick(services, installedServices);
    List<CapabilityByType> c = pick(capabilities, capabilityByType);
    List<InstalledModel> m = pick(models, installedModels);
    LanguageCapabilities l = pick(languages, languageCapabilities);
    JsonNode x = pick(newMetrics, metrics);
    if (s == installedServices && c == capabilityByType && m == installedModels && l == languageCapabilities && x == metrics) {
      return this;
    }
    return new NodeFacts(platform, version, hardware, s, c, m, featuresSupported, acceptPublicJobs, advancedFeatures, l, x, wireDialect);
  }

  private static <T> T pick(T fresh, T old) {
    return fresh == null || fresh.equals(old) ? old : fresh;
  }

  /** Service types whose {@code capability_by_type} entry says {@code ready:true}. */
  public Set<String> readyTypes() {
    Set<String> out = new LinkedHashSet<>();
    for (CapabilityByType c : capabilityByType) if (c.ready() && c.type() != null) out.add(c.type());
    return Set.copyOf(out);
  }
}
