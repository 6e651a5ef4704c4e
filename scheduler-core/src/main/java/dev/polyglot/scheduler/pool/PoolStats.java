package dev.polyglot.scheduler.pool;

import dev.polyglot.scheduler.ops.PoolRow;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Per language pool, what the pool view says, as the operators' {@link PoolRow} (spec/BEHAVIOUR.md §4): members
 * (connected nodes in the pool), eligible ones (Ready, not draining, the types of the default streaming pipeline
 * ready: asr, nmt, tts), selectable ones (eligible, under the resource threshold, a free slot), their free slots, and
 * the jobs waiting for the pool. Pure; O(nodes × pools per node), computed once per snapshot off the dispatcher's
 * thread (the bootstrap maps the dispatcher's answer to {@code GetPools}), never on the placement path.
 */
public final class PoolStats {
  private PoolStats() {}

  /** The service types a web client's streamed audio needs (the default pipeline). */
  public static final Set<String> DEFAULT_TYPES = Set.of("asr", "nmt", "tts");

  private static final class Acc {
    int nodes;
    int eligible;
    int selectable;
    int free;
    final TreeSet<String> ids = new TreeSet<>();
  }

  /** Rows sorted by pair; {@code pending} are waiting jobs by pool (pools with waiting jobs but no node included). */
  public static List<PoolRow> of(PoolView view, Map<String, Integer> pending) {
    Map<String, Acc> pools = new TreeMap<>();
    for (NodeView v : view.allNodes()) {
      if (!v.connected()) continue;
      boolean eligible = v.eligibleFor(DEFAULT_TYPES);
      int free = v.freeSlots(0);
      for (String pool : v.pools()) {
        Acc a = pools.computeIfAbsent(pool, p -> new Acc());
        a.nodes++;
        a.ids.add(v.nodeId());
        if (eligible) {
          a.eligible++;
          a.free += free;
          if (!v.overThreshold() && free > 0) a.selectable++;
        }
      }
    }
    pending.keySet().forEach(p -> pools.computeIfAbsent(p, k -> new Acc()));
    List<PoolRow> out = new ArrayList<>(pools.size());
    pools.forEach((pair, a) -> {
      int colon = pair.indexOf(':');
      String src = colon < 0 ? pair : pair.substring(0, colon);
      String tgt = colon < 0 ? "" : pair.substring(colon + 1);
      out.add(new PoolRow(pair, src, tgt, a.nodes, a.eligible, a.selectable, a.free, pending.getOrDefault(pair, 0),
          List.copyOf(a.ids)));
    });
    return out;
  }
}
