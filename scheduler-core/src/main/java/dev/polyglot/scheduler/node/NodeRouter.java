package dev.polyglot.scheduler.node;

import org.apache.pekko.actor.typed.RecipientRef;

/** How anything addresses a node entity: by id, through sharding, never by a remembered ActorRef. */
@FunctionalInterface
public interface NodeRouter {
  RecipientRef<NodeEntity.Command> node(String nodeId);
}
