package dev.polyglot.scheduler.api;

/** Segmentation metadata of a result (seconds), copied through from node to client. */
public record SegmentsMeta(int count, double maxGap, double avgDuration) {}
