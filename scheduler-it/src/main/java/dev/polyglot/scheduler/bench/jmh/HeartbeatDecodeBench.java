package dev.polyglot.scheduler.bench.jmh;

import dev.polyglot.scheduler.wire.Decoded;
import dev.polyglot.scheduler.wire.NodeDecoder;
import dev.polyglot.scheduler.wire.NodeInbound;
import dev.polyglot.scheduler.wire.WireCodec;
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
 * Decoding one {@code node_heartbeat} as the node socket does, per frame. {@code shape}: {@code agent} is what the real
 * agent sends every heartbeat (PROTOCOL.md §7.3: its services, capabilities and languages repeated, about 1.5 KB, the
 * load rig's default), {@code lean} only usage and metrics (about 330 bytes). {@code tree} is
 * {@link WireCodec#decodeNode} (the whole frame as a Jackson tree, mapped field by field: the only path before issue
 * 16); {@code connection} is a connection's {@link NodeDecoder}, which reads the frame with a streaming parser and
 * reuses what it decoded from a list whose text did not change. The usage numbers and timestamp change every frame,
 * as a real node's do.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HeartbeatDecodeBench {
  @Param({"agent", "lean"})
  public String shape;

  private final WireCodec codec = new WireCodec();
  private NodeDecoder decoder;
  private final String[] frames = new String[64];
  private int next;

  @Setup
  public void setup() {
    decoder = codec.nodeDecoder();
    for (int i = 0; i < frames.length; i++) {
      frames[i] = dev.polyglot.scheduler.bench.RigNode.heartbeatJson("node-7D21E0AF", i % 4, shape.equals("lean"))
          .replace("\"cpu_percent\":12.5", "\"cpu_percent\":" + (10 + i % 50) + ".5");
    }
    if (!(decoder.decode(frames[0]) instanceof Decoded.Ok<NodeInbound>)) throw new IllegalStateException("bad frame");
  }

  private String frame() {
    return frames[next++ & (frames.length - 1)];
  }

  @Benchmark
  public Decoded<NodeInbound> tree() {
    return codec.decodeNode(frame());
  }

  @Benchmark
  public Decoded<NodeInbound> connection() {
    return decoder.decode(frame());
  }
}
