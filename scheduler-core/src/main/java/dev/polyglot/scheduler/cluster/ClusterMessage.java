package dev.polyglot.scheduler.cluster;

/**
 * Marker of every message that may cross scheduler instances; bound to Jackson JSON in reference.conf.
 * Java serialization is never used.
 */
public interface ClusterMessage {}
