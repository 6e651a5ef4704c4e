package dev.polyglot.scheduler.room;

import org.apache.pekko.actor.typed.RecipientRef;

/**
 * How anything addresses a room entity: by room code, through sharding (the {@code Room} shard region), never by a
 * remembered ActorRef, so a message follows a room that moved. The room package owns this port; whoever starts the
 * shard region implements it.
 */
@FunctionalInterface
public interface RoomShards {
  RecipientRef<RoomEntity.Command> room(String roomCode);
}
