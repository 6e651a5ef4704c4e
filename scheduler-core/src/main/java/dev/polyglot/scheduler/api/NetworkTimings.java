package dev.polyglot.scheduler.api;

/** Network legs of a job in ms (B§10.3); all optional, absent ones omitted on output. */
public record NetworkTimings(
    Integer webToSchedulerMs,
    Integer schedulerToNodeMs,
    Integer nodeToSchedulerMs,
    Integer schedulerToWebMs) {}
