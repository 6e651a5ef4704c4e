package dev.polyglot.scheduler.api;

/** Per-stage processing times in ms; all optional. */
public record ServiceTimings(Integer asrMs, Integer nmtMs, Integer ttsMs, Integer totalMs) {}
