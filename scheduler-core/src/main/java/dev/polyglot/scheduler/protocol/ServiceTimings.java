package dev.polyglot.scheduler.protocol;
public record ServiceTimings(Integer asrMs, Integer nmtMs, Integer ttsMs, Integer totalMs) {}
