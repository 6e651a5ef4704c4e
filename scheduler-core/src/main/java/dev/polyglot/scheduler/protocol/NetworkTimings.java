package dev.polyglot.scheduler.protocol;
public record NetworkTimings(Integer webToSchedulerMs, Integer schedulerToNodeMs, Integer nodeToSchedulerMs, Integer schedulerToWebMs) {}
