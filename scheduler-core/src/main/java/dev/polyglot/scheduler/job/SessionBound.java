package dev.polyglot.scheduler.job;

import dev.polyglot.scheduler.cluster.ClusterMessage;

/**
 * A message for a SessionEntity from a node or a dispatcher. It is delivered through sharding by session id
 * (never to a remembered ActorRef), so it reaches the session wherever it lives now.
 */
public interface SessionBound extends ClusterMessage {
  String jobId();
}
