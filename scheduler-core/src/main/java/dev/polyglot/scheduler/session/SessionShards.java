package dev.polyglot.scheduler.session;

import org.apache.pekko.actor.typed.RecipientRef;

/** How a session socket addresses a session entity: by id, through sharding, never by a remembered ActorRef. */
@FunctionalInterface
public interface SessionShards {
  RecipientRef<SessionEntity.Command> session(String sessionId);
}
