package dev.polyglot.scheduler.protocol;
public record InstalledService(String serviceId, String type, String status, String device, String version, String modelId, String engine, String lastError, Integer memMb, Integer warmupMs) {}
