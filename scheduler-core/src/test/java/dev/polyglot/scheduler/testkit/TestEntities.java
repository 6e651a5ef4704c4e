package dev.polyglot.scheduler.testkit;

import dev.polyglot.scheduler.cluster.Entities;
import dev.polyglot.scheduler.job.SessionBound;
import dev.polyglot.scheduler.node.NodeEntity;
import dev.polyglot.scheduler.session.SessionEntity;
import org.apache.pekko.actor.typed.RecipientRef;

/**
 * Sharding replaced by probes: every node id goes to {@code nodes}, every session id to {@code sessions}; what is
 * told to a session as {@link SessionBound} goes to {@code sessionBound} when given (unwrapped), else to
 * {@code sessions} as {@link SessionEntity.Notify}, as sharding would deliver it. A {@code null} target fails the
 * test when used.
 */
public record TestEntities(RecipientRef<NodeEntity.Command> nodes, RecipientRef<SessionEntity.Command> sessions,
                           RecipientRef<SessionBound> sessionBound) implements Entities {

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
  public void tellSession(String sessionId, SessionBound message) {
    if (sessionBound != null) sessionBound.tell(message);
    else Entities.super.tellSession(sessionId, message);
  }
}
