/**
 * JMH microbenchmarks of the hot pure paths ({@code ./scheduler bench jmh}): one {@code Selection.select} over a
 * PoolView of up to 10,000 nodes ({@link dev.polyglot.scheduler.bench.jmh.SelectionBench}), one PoolView publication
 * after one node changed ({@link dev.polyglot.scheduler.bench.jmh.PublishBench}), and the decoding of one
 * {@code node_heartbeat} frame, the tree way and a connection's way ({@link dev.polyglot.scheduler.bench.jmh.HeartbeatDecodeBench}).
 * No actors, no I/O.
 */
package dev.polyglot.scheduler.bench.jmh;
