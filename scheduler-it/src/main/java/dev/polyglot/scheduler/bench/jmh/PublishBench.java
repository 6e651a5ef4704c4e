package dev.polyglot.scheduler.bench.jmh;

import dev.polyglot.scheduler.pool.NodeView;
import dev.polyglot.scheduler.pool.PoolView;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The cost of publishing a new view after one node changed: {@code PoolView.apply} of one changed NodeView to a
 * view of {@code nodes} nodes (what the PoolDirectory does per publication, and each Dispatcher on receipt).
 * {@code load}: the node's running jobs changed (no membership change); {@code leave}: the node disconnected, so
 * it leaves its four pools. Target: independent of the number of nodes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PublishBench {
  @Param({"1000", "10000", "100000"})
  public int nodes;

  @Param({"load", "leave"})
  public String change;

  private PoolView base;
  private NodeView[] changes;
  private int i;

  @Setup
  public void setup() {
    List<NodeView> all = new ArrayList<>(nodes);
    for (int n = 0; n < nodes; n++) all.add(SelectionBench.node("node-" + n, 1, true, 0));
    base = PoolView.empty(1).apply(all, 1);
    changes = new NodeView[4096];
    java.util.SplittableRandom r = new java.util.SplittableRandom(3);
    for (int k = 0; k < changes.length; k++) {
      String id = "node-" + r.nextInt(nodes);
      changes[k] = change.equals("load") ? SelectionBench.node(id, 2, true, 1 + r.nextInt(3)) : SelectionBench.node(id, 2, false, 0);
    }
  }

  /** The base view is immutable, so every call applies exactly one change to the same {@code nodes}-node view. */
  @Benchmark
  public PoolView publishOneChange() {
    return base.apply(List.of(changes[i++ & (changes.length - 1)]), 2);
  }
}
