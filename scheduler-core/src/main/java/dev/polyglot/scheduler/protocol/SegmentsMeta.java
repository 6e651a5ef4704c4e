package dev.polyglot.scheduler.protocol;

/** Segmentation metadata of a result (seconds), copied through from node to client. */
public record SegmentsMeta(int count, double maxGap, double avgDuration) {}
