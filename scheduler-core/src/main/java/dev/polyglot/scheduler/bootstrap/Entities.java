package dev.polyglot.scheduler.bootstrap;

import dev.polyglot.scheduler.dispatch.Dispatcher;
import dev.polyglot.scheduler.dispatch.SessionReplies;
import dev.polyglot.scheduler.node.NodeEntity;
import dev.polyglot.scheduler.node.NodeRouter;
import dev.polyglot.scheduler.node.SessionRouter;
import dev.polyglot.scheduler.room.RoomEntity;
import dev.polyglot.scheduler.room.RoomMemberRouter;
import dev.polyglot.scheduler.room.RoomShards;
import dev.polyglot.scheduler.session.SessionEntity;
import dev.polyglot.scheduler.session.SessionShards;

/**
 * The one place that knows every entity's protocol: it implements the ports the actors own (a node tells sessions
 * through {@link SessionRouter}, the dispatcher answers through {@link SessionReplies}, sockets and sessions reach
 * nodes through {@link NodeRouter}, session sockets and sessions reach sessions through {@link SessionShards},
 * sessions reach rooms through {@link RoomShards}, rooms tell their members through {@link RoomMemberRouter}) by addressing
 * the entities by id through sharding, never by a remembered ActorRef, so a message follows an entity that moved.
 * Tests substitute probes.
 */
public interface Entities extends NodeRouter, SessionShards, RoomShards {
  /** The room entity of a room code (the {@code Room} shard region); tests without rooms need not provide it. */
  @Override
  default org.apache.pekko.actor.typed.RecipientRef<RoomEntity.Command> room(String roomCode) {
    throw new UnsupportedOperationException("no Room shard region behind this Entities: " + getClass().getName());
  }

  /** The port through which node entities tell sessions. */
  default SessionRouter fromNodes() {
    return (sessionId, event) -> session(sessionId).tell(new SessionEntity.FromNode(event));
  }

  /** The port through which a room tells its member sessions. */
  default RoomMemberRouter fromRooms() {
    return (sessionId, event) -> session(sessionId).tell(new SessionEntity.FromRoom(event));
  }

  /** The port through which the dispatcher answers sessions. */
  default SessionReplies fromDispatcher() {
    return (sessionId, reply) -> session(sessionId).tell(new SessionEntity.FromDispatcher(reply));
  }
}
