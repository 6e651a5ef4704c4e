package dev.polyglot.scheduler.bench.jmh;

import dev.polyglot.scheduler.dispatch.Selection;
import dev.polyglot.scheduler.api.NodeStatus;
import dev.polyglot.scheduler.pool.NodeView;
import dev.polyglot.scheduler.pool.PoolView;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One placement decision ({@link Selection#select}) over a PoolView of {@code nodes} nodes in one pool, the
 * defaults of reference.conf (8 candidates, a sample of 32). {@code busyPercent} of the nodes have no free slot (at
 * 100 all of them: the answer is NoCapacity).
 * Target: at most 5 µs on 10,000 nodes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SelectionBench {
  @Param({"100", "10000"})
  public int nodes;

  /** 100: a saturated pool, every node full (the answer is NoCapacity). */
  @Param({"0", "90", "100"})
  public int busyPercent;

  private PoolView view;
  private Selection.Request request;
  private final SplittableRandom rnd = new SplittableRandom(42);
  private static final ToIntFunction<String> NO_OWN = id -> 0;

  @Setup
  public void setup() {
    List<NodeView> all = new ArrayList<>(nodes);
    SplittableRandom r = new SplittableRandom(7);
    for (int i = 0; i < nodes; i++) {
      boolean busy = busyPercent == 100 || r.nextInt(100) < busyPercent;
      all.add(node("node-" + i, 1, true, busy ? 4 : r.nextInt(4)));
    }
    view = PoolView.empty(1).apply(all, 1);
    request = new Selection.Request("zh:en", Set.of("asr", "nmt", "tts"), Set.of(), null);
  }

  static NodeView node(String id, long version, boolean connected, int running) {
    return new NodeView(id, version, connected, NodeStatus.READY, false, Set.of("zh:en", "en:zh", "zh:zh", "en:en"),
        Set.of("asr", "nmt", "tts", "semantic"), false, running, 0, 0, 4);
  }

  @Benchmark
  public Selection.Outcome select() {
    return Selection.select(view, request, NO_OWN, rnd, 8, 32);
  }
}
