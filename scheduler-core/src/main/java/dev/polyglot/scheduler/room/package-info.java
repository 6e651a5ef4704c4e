/**
 * Rooms and the WebRTC signalling relay (spec/BEHAVIOUR.md §12, PROTOCOL.md §6.13–6.14, issue 13): who is in which
 * room, with what name, language and raw-voice choices, and what a room decides for its members.
 *
 * <p>{@link dev.polyglot.scheduler.room.RoomEntity}, sharded by room code (type key {@code Room}), is the only owner of
 * a room: its members (session id, display name, preferred language, raw-voice preferences, joined at), its creation
 * and last-delivery times. Because the entity of a code is its only authority, codes are unique cluster-wide: creating
 * a room is claiming its code at that entity, and {@link dev.polyglot.scheduler.room.RoomCreation} draws codes
 * ({@link dev.polyglot.scheduler.room.RoomCodes}) until a claim succeeds. Its decisions are a pure, immutable
 * {@link dev.polyglot.scheduler.room.Room}: join (ALREADY_IN_ROOM), leave (an empty room is deleted), raw-voice
 * preferences, the {@code room_members} view, expiry after {@code rooms.expiry} without a delivered result, the relay
 * decision for {@code webrtc_*}, and the fan-out of an utterance over the other members' languages
 * ({@link dev.polyglot.scheduler.room.FanoutPlan}). The room tells its members through the
 * {@link dev.polyglot.scheduler.room.RoomMemberRouter} port ({@link dev.polyglot.scheduler.room.RoomEvent}s, addressed by
 * session id) and is reached through the {@link dev.polyglot.scheduler.room.RoomShards} port; both are implemented by
 * the bootstrap, so this package never names the session entity. {@link dev.polyglot.scheduler.room.RoomRequest} is
 * what a member's client asks about rooms, in domain terms; the session package carries it out against the room
 * entities. Messages that cross instances implement {@link dev.polyglot.scheduler.room.RoomMessage}, an
 * {@code api.ClusterMessage} bound to Jackson in reference.conf. Depends on {@code api}, {@code config}, {@code ops}
 * and {@code store} only; {@code session} depends on it. docs/ROOMS-INTEGRATION.md says what the session side sends
 * and receives.
 *
 * <p>Promises: a code names at most one room at a time; a session is a member of a room at most once; every member is
 * told of every change of the member list ({@code room_members}), in versions that only rise within one incarnation of
 * the entity; a room with no delivered result for {@code rooms.expiry} is expired between {@code rooms.expiry} and
 * {@code rooms.expiry + rooms.scan-interval} after its last delivered result (or creation, or restore), each member being told
 * {@code room_expired}, and deleted; a signal reaches only a member of the sender's room who did not refuse the
 * sender's raw voice, and every dropped one is counted by reason ({@code room_relay_dropped_total}). Every ask of the
 * package has a timeout ({@code rooms.ask-timeout}), and a room never blocks on the ledger.
 *
 * <p>Lost when a RoomEntity stops, crashes or moves: its memory. The ledger holds the room as of its last written
 * change (written after every change, again at the next sweep after a failed write), so the entity re-created for the
 * code (at once on a survivor with remember-entities when the ledger is Redis, otherwise on the next message for the
 * code) continues it and tells every member to resync. Not recovered: the time since the last delivered result (the
 * expiry clock of a restored room starts again, so a crash can lengthen a room's life by up to one expiry, never
 * shorten it), a change whose write had not reached the ledger before the crash (a member that left may come back
 * until its session answers the resync with {@code MemberEnded}), and, with the in-memory ledger, the room itself: its
 * members then get {@code ROOM_NOT_FOUND} for their next room request. Lost when a RoomCreation stops early: only its
 * outcome. The member sessions are not touched by any of this: a session on another instance keeps its room.
 */
package dev.polyglot.scheduler.room;
