/**
 * One client session. {@link dev.polyglot.scheduler.session.SessionEntity}, sharded by session id, owns the audio
 * segmenter, the session's jobs and their attempts, result ordering, utterance groups, backpressure and the client
 * connection; its decisions are pure values: {@link dev.polyglot.scheduler.session.Segmenter} (where the audio is cut),
 * {@link dev.polyglot.scheduler.session.JobBook} (jobs, attempts, failover, first valid result wins, turn-aware
 * completion), {@link dev.polyglot.scheduler.session.ResultOrder} (utterance order within a bounded hold),
 * {@link dev.polyglot.scheduler.session.Groups}, and {@link dev.polyglot.scheduler.session.SealedJobs} and
 * {@link dev.polyglot.scheduler.session.DurableCursor} for the crash contract.
 * {@link dev.polyglot.scheduler.session.SessionSocket}, one per client WebSocket on the instance holding the connection,
 * owns what is session-specific: it handles {@code session_init} and admits sessions, checks that every message names
 * a live session of its own, numbers the audio it forwards and keeps it until its session says it is durable, and turns
 * each {@link dev.polyglot.scheduler.session.ClientEvent} into one wire message; frame handling, rejection, deadlines
 * and flow control are its {@code edge.SocketEdge}, shared with the node socket.
 *
 * <p>Promises: each sealed utterance becomes one job, in index order; each job reaches one terminal outcome the client
 * sees; results leave in utterance order within the hold (RELIABILITY.md P1, P2, P9).
 *
 * <p>Lost when a SessionEntity stops, crashes or moves: its memory. With the Redis ledger it restarts at once
 * (remember-entities), continues from its snapshot at the floors its job records raised, places its unfinished jobs
 * again, and its socket sends again the audio not yet durable. Not recovered: results finished but still held or on
 * their way to the client; with the in-memory ledger, the session. Lost when a SessionSocket stops: the connection and
 * the audio it kept; every session it opened hears {@code SocketClosed}, cancels its live jobs and ends. A socket that
 * died with its instance is not heard by its sessions elsewhere (nothing watches it): they are not ended today.
 */
package dev.polyglot.scheduler.session;
