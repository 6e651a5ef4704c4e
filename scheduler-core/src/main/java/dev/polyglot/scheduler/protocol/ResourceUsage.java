package dev.polyglot.scheduler.protocol;
public record ResourceUsage(double cpuPercent, double memPercent, int runningJobs, Double gpuPercent, Double gpuMemPercent, Integer gpuQueueLength) {}
