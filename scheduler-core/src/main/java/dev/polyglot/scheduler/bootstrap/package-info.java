/**
 * How one instance joins the cluster and starts its actors: the only package that imports every actor, and that no
 * package of scheduler-core imports (only the server module's {@code http} package starts it).
 * {@link dev.polyglot.scheduler.bootstrap.SchedulerRuntime} joins the cluster (itself, when no seed nodes are
 * configured), opens the ledger, and starts the Node, Session and Room shard regions (sessions and rooms with
 * remember-entities when the ledger is durable), the PoolDirectory singleton and its Topic, this instance's Dispatcher
 * and its
 * {@link dev.polyglot.scheduler.ops.InstanceReports}. {@link dev.polyglot.scheduler.bootstrap.Entities} implements
 * the ports the actor packages own ({@code node.NodeRouter}, {@code node.SessionRouter},
 * {@code dispatch.SessionReplies}, {@code session.SessionShards}, {@code room.RoomShards},
 * {@code room.RoomMemberRouter}) by addressing entities by id (a room by its code) through sharding,
 * never by a remembered ActorRef, so a message follows an entity that moved.
 *
 * <p>No actors of its own. Lost when the instance stops: nothing beyond what the actors it started lose.
 */
package dev.polyglot.scheduler.bootstrap;
