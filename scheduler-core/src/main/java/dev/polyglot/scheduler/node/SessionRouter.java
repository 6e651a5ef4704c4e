package dev.polyglot.scheduler.node;

/**
 * How a node entity tells the session that owns a job: by session id, wherever that session lives now (the
 * bootstrap routes it through sharding). The node package never sees the session's protocol.
 */
@FunctionalInterface
public interface SessionRouter {
  void tell(String sessionId, NodeEntity.ToSession event);
}
