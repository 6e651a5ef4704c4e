package dev.polyglot.scheduler.room;

/**
 * Marker of every room message that may cross scheduler instances (the room entity's commands and replies, the
 * events it sends to member sessions, the creation outcome); bound to Jackson JSON in reference.conf. Java
 * serialization is never used. The room package owns its marker and binding, so it depends on no other package's
 * message marker.
 */
public interface RoomMessage {}
