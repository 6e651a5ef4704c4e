package dev.polyglot.scheduler.api;

/** A node's load snapshot ({@code resource_usage}); the first three fields are required on input. */
public record ResourceUsage(
    double cpuPercent,
    double memPercent,
    int runningJobs,
    Double gpuPercent,
    Double gpuMemPercent,
    Integer gpuQueueLength) {}
