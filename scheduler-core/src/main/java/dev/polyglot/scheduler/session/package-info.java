/**
 * One client session. {@link dev.polyglot.scheduler.session.SessionEntity}, sharded by session id, owns its protocol,
 * its life (new, active, closing, ended) and the wiring of its parts; {@link dev.polyglot.scheduler.session.SessionJobs}
 * is the work of a started session. Its decisions are pure immutable values, each with its own tests:
 * {@link dev.polyglot.scheduler.session.Segmenter} (where the audio is cut), {@link dev.polyglot.scheduler.session.JobBook}
 * (jobs, attempts, failover, first valid result wins, turn-aware completion),
 * {@link dev.polyglot.scheduler.session.ResultOrder} (utterance order within a bounded hold),
 * {@link dev.polyglot.scheduler.session.DurableGate} (durable before placed, and how far the socket's audio is
 * durable), {@link dev.polyglot.scheduler.session.AudioSequence} (at-least-once audio from the socket),
 * {@link dev.polyglot.scheduler.session.UtteranceClaims}, {@link dev.polyglot.scheduler.session.BusySignal}
 * (backpressure windows), {@link dev.polyglot.scheduler.session.JobFactory},
 * {@link dev.polyglot.scheduler.session.JobEvents} and {@link dev.polyglot.scheduler.session.RoomMembership} (the
 * session's room and the fan-out of its utterances). Its I/O is in small collaborators the entity owns:
 * {@link dev.polyglot.scheduler.session.SessionLoading} (start from the ledger, with a bounded stash),
 * {@link dev.polyglot.scheduler.session.DurablePlacement}, {@link dev.polyglot.scheduler.session.EffectRunner} (what the
 * JobBook decided), {@link dev.polyglot.scheduler.session.ClientLink}, {@link dev.polyglot.scheduler.session.ResultRelease}
 * {@link dev.polyglot.scheduler.session.SessionLedger} and {@link dev.polyglot.scheduler.session.SessionRooms} (its room:
 * the client's room requests as asks to the room entity, what the room tells it, the relay, and where the results of
 * its room jobs go: to the listeners' session entities). {@link dev.polyglot.scheduler.session.SessionSocket}, one per
 * client WebSocket on the instance holding the connection, owns what is session-specific: it handles
 * {@code session_init} and admits sessions, checks that every message names a live session of its own, numbers the
 * audio it forwards and keeps it until its session says it is durable, and turns each
 * {@link dev.polyglot.scheduler.session.ClientEvent} into one wire message; frame handling, rejection, deadlines and
 * flow control are its {@code edge.SocketEdge}, shared with the node socket. It reaches its sessions through the
 * {@link dev.polyglot.scheduler.session.SessionShards} port; room messages go to its most recently created live session.
 * Depends on {@code api}, {@code config}, {@code ops}, {@code wire}, {@code edge}, {@code store}, {@code pool},
 * {@code node}, {@code dispatch} and {@code room}.
 *
 * <p>Promises: each sealed utterance becomes one job, in index order (in a room, one job per language of the other
 * members, on distinct nodes, each result to the members of its language); each job reaches one terminal outcome the
 * client sees; results leave in utterance order within the hold, per target language (RELIABILITY.md P1, P2, P9).
 *
 * <p>Lost when a SessionEntity stops, crashes or moves: its memory. With the Redis ledger it restarts at once
 * (remember-entities), continues from its snapshot at the floors its job records raised, places its unfinished jobs
 * again, and its socket sends again the audio not yet durable. Not recovered: results finished but still held or on
 * their way to the client; with the in-memory ledger, the session. Lost when a SessionSocket stops: the connection and
 * the audio it kept; every session it opened hears {@code SocketClosed} (death watch, also when its instance dies),
 * leaves its room, cancels its live jobs (except room jobs whose listeners still wait: it ends after them) and ends.
 * The room code is in the session's snapshot: a recovered session asks its room for the member list again; the list
 * itself, and the results of room jobs on their way to listeners, are not recovered.
 */
package dev.polyglot.scheduler.session;
