/**
 * JMH microbenchmarks of the two hot pure decisions ({@code ./scheduler bench jmh}): one {@code Selection.select} over a
 * PoolView of up to 10,000 nodes ({@link dev.polyglot.scheduler.bench.jmh.SelectionBench}) and one PoolView publication
 * after one node changed ({@link dev.polyglot.scheduler.bench.jmh.PublishBench}). No actors, no I/O.
 */
package dev.polyglot.scheduler.bench.jmh;
