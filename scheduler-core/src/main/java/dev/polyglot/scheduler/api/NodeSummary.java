package dev.polyglot.scheduler.api;

import java.util.List;
import java.util.Set;

/** What operators and tests read about a node: its entity's state, as reported to {@code ops.InstanceReports}. */
public record NodeSummary(String nodeId, boolean known, NodeStatus status, boolean connected, boolean draining,
                        int runningJobs, int reservations, int effectiveLoad, int freeSlots, boolean overThreshold,
                        Set<String> pools, Set<String> readyTypes, int consecutiveUnhealthy, List<String> healthReasons,
                        long registeredAtMs, long lastHeartbeatMs, int maxSlots, String platform, ResourceUsage usage,
                        List<InstalledService> services, List<CapabilityByType> capabilities, String wireDialect,
                        NodeFigures figures)
    implements ClusterMessage {}
