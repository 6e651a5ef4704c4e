package dev.polyglot.scheduler.cluster;

import dev.polyglot.scheduler.job.SessionBound;
import dev.polyglot.scheduler.node.NodeEntity;
import dev.polyglot.scheduler.room.RoomEntity;
import dev.polyglot.scheduler.session.SessionEntity;
import org.apache.pekko.actor.typed.RecipientRef;

/**
 * How actors address sharded entities: by id, through sharding, never by a remembered ActorRef, so a
 * message follows an entity that moved. Tests substitute probes.
 */
public interface Entities {
  RecipientRef<NodeEntity.Command> node(String nodeId);

  RecipientRef<SessionEntity.Command> session(String sessionId);

  /** The room entity of a room code (the {@code Room} shard region). */
  default RecipientRef<RoomEntity.Command> room(String roomCode) {
    throw new UnsupportedOperationException("no Room shard region behind this Entities: " + getClass().getName());
  }

  default void tellSession(String sessionId, SessionBound message) {
    session(sessionId).tell(new SessionEntity.Notify(message));
  }
}
