/**
 * How one instance joins the cluster and starts its actors, and the marker every cross-instance message carries.
 * {@link dev.polyglot.scheduler.cluster.SchedulerRuntime} joins the cluster (itself, when no seed nodes are configured),
 * opens the ledger, and starts the Node, Session and Room shard regions (sessions and rooms with remember-entities when
 * the ledger is durable), the PoolDirectory singleton and its Topic, this instance's Dispatcher and its
 * {@link dev.polyglot.scheduler.cluster.InstanceReports}. {@link dev.polyglot.scheduler.cluster.Entities} is how actors
 * address sharded entities: by id through sharding, never by a remembered ActorRef, so a message follows an entity
 * that moved. {@link dev.polyglot.scheduler.cluster.ClusterMessage} marks every message bound to Jackson (never Java
 * serialization).
 *
 * <p>Today this package is both the leaf every actor package imports ({@code ClusterMessage}, {@code Entities}) and the
 * root that imports every actor: the package cycle docs/ARCHITECTURE.md lists, to be split into {@code api} and
 * {@code bootstrap} (issue 12).
 *
 * <p>Actor: {@code InstanceReports}, one per instance, local. Lost when it stops: only the {@code /api/v1/cluster}
 * snapshot, which the next round (every {@code stats.snapshot-interval}) rebuilds; the other instances drop this one's
 * report once it leaves the membership.
 */
package dev.polyglot.scheduler.cluster;
