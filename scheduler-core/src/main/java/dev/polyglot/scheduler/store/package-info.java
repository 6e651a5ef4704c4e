/**
 * The ledger: {@link dev.polyglot.scheduler.store.Ledger} is the port, asynchronous, never blocking and failing fast. It
 * holds what a session needs to continue after its instance died (its snapshot, its unfinished jobs with their audio,
 * the floors of its next utterance index and of its durable audio, raised atomically by every job record), the utterance
 * idempotency keys, node registration snapshots, and rooms (each room as its entity last wrote it, so a room outlives
 * the instance hosting its entity). {@link dev.polyglot.scheduler.store.RedisLedger} keeps them in Redis
 * through Lettuce's asynchronous API (short command timeout, rejected while disconnected, a circuit breaker, a TTL on
 * every key); {@link dev.polyglot.scheduler.store.InMemoryLedger}, the default, keeps them in this instance's memory with
 * the same bounds. Redis is the ledger only, never a message bus: sharding routes the messages.
 *
 * <p>No actors. A Redis outage never stops dispatch: a failed write is counted and the session writes its live state
 * again once Redis answers (RELIABILITY.md P6). Lost when the instance stops: everything the in-memory ledger held;
 * nothing of Redis, whose keys expire after their TTL once no instance writes them.
 */
package dev.polyglot.scheduler.store;
