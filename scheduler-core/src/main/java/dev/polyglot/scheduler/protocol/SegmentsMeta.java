package dev.polyglot.scheduler.protocol;
public record SegmentsMeta(int count, double maxGap, double avgDuration) {}
