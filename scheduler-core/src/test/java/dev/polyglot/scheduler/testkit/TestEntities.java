package dev.polyglot.scheduler.testkit;

import dev.polyglot.scheduler.bootstrap.Entities;
import dev.polyglot.scheduler.api.ClusterMessage;
import dev.polyglot.scheduler.dispatch.SessionReplies;
import dev.polyglot.scheduler.node.SessionRouter;
import dev.polyglot.scheduler.node.NodeEntity;
import dev.polyglot.scheduler.session.SessionEntity;
import org.apache.pekko.actor.typed.RecipientRef;

/**
 * Sharding replaced by probes: every node id goes to {@code nodes}, every session id to {@code sessions}; what a node
 * or the dispatcher tells a session goes to {@code sessionBound} when given (unwrapped), else to {@code sessions}
 * as {@link SessionEntity.FromNode} or {@link SessionEntity.FromDispatcher}, as sharding would deliver it. A {@code null} target fails the
 * test when used.
 */
public record TestEntities(RecipientRef<NodeEntity.Command> nodes, RecipientRef<SessionEntity.Command> sessions,
                           RecipientRef<ClusterMessage> sessionBound) implements Entities {

  @Override
  public RecipientRef<NodeEntity.Command> node(String nodeId) {
    if (nodes == null) throw new AssertionError("no node entity expected: " + nodeId);
    return nodes;
  }

  @Override
  public RecipientRef<SessionEntity.Command> session(String sessionId) {
    if (sessions == null) throw new AssertionError("no session entity expected: " + sessionId);
    return sessions;
  }

  @Override
  public SessionRouter fromNodes() {
    return sessionBound == null ? Entities.super.fromNodes() : (sessionId, event) -> sessionBound.tell(event);
  }

  @Override
  public SessionReplies fromDispatcher() {
    return sessionBound == null ? Entities.super.fromDispatcher() : (sessionId, reply) -> sessionBound.tell(reply);
  }
}
