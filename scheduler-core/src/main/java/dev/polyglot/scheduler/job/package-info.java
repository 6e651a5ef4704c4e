/**
 * The records a job is made of as it crosses actors and instances: {@link dev.polyglot.scheduler.job.JobOrder} (one
 * attempt of one job with everything {@code job_assign} carries, its audio included),
 * {@link dev.polyglot.scheduler.job.NodeResult} (a node's answer as the scheduler keeps it),
 * {@link dev.polyglot.scheduler.job.Cut} (why the utterance was cut; the node socket writes it as the flags of the node's
 * wire dialect) and {@link dev.polyglot.scheduler.job.SessionBound}, the sealed type of what a dispatcher or a node entity
 * tells a session through sharding by session id. Immutable records, no actors: nothing to lose.
 *
 * <p>Today a grab-bag inside the package cycle: {@code SessionBound} names its subtypes from {@code dispatch} and
 * {@code node} in {@code @JsonSubTypes}, and {@code JobOrder} and {@code NodeResult} carry wire records of
 * {@code protocol}. docs/ARCHITECTURE.md plans these records for {@code api}.
 */
package dev.polyglot.scheduler.job;
