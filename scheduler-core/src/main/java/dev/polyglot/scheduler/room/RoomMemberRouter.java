package dev.polyglot.scheduler.room;

/**
 * The port through which a room tells its member sessions about the room: each call delivers one event to one
 * session, wherever that session lives now (the implementation addresses the session entity by id through sharding,
 * never by a remembered ActorRef). The room package never names the session entity; whoever starts the room shard
 * region supplies this port.
 *
 * <p>An implementation must not block and must not throw: it only sends a message.
 */
@FunctionalInterface
public interface RoomMemberRouter {
  void tell(String sessionId, RoomEvent event);
}
