package dev.polyglot.scheduler.room;

import dev.polyglot.scheduler.api.ClusterMessage;

/**
 * Marker of every room message that may cross scheduler instances (the room entity's commands and replies, the
 * events it sends to member sessions, the creation outcome). It is a {@link ClusterMessage}, so the one Jackson JSON
 * binding of reference.conf covers it and the layout's rules on cluster messages (no wire frame inside) apply to it.
 * Java serialization is never used.
 */
public interface RoomMessage extends ClusterMessage {}
