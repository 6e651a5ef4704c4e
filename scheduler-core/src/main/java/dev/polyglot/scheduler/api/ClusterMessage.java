package dev.polyglot.scheduler.api;

/**
 * Marker of every message that may cross scheduler instances; bound to Jackson JSON in reference.conf.
 * Java serialization is never used.
 */
public interface ClusterMessage {}
