package dev.polyglot.scheduler.pool;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import scala.Option;
import scala.collection.immutable.HashMap;
import scala.collection.immutable.Vector;

/**
 * An immutable, versioned snapshot of every node that matters for placement, indexed by directed language
 * pool. Built from persistent structures (Scala's immutable {@code HashMap}, which Pekko
 * already ships), so applying one changed node costs O(log n) and shares everything else with the previous
 * view: publishing after a change never copies the whole fleet.
 *
 * <p>A node is a member of its pools while connected; an Offline node leaves every pool at once.
 */
public final class PoolView {

  /**
   * The members of one pool as a dense, persistent array: position → id in a Scala {@code Vector} (a 32-way
   * trie of arrays: random access is a few array loads, no hashing or boxing, which is what a selection's
   * probes need), and id → position for O(1)-ish removal by swapping in the last member. It also counts its
   * {@link NodeView#ready() ready} and {@link NodeView#open() open} members, so that a selection whose sample holds
   * nothing selectable knows without probing the rest whether anything could be.
   */
  public static final class Members {
    static final Members EMPTY = new Members(emptyVector(), emptyMap(), 0, 0);
    private final Vector<String> ids;
    private final HashMap<String, Integer> positions;
    private final int ready;
    private final int open;

    private Members(Vector<String> ids, HashMap<String, Integer> positions, int ready, int open) {
      this.ids = ids;
      this.positions = positions;
      this.ready = ready;
      this.open = open;
    }

    public int size() { return ids.length(); }

    public String get(int i) { return ids.apply(i); }

    public boolean contains(String id) { return positions.contains(id); }

    /** Members that are connected, Ready and not draining. */
    public int ready() { return ready; }

    /** Members that are ready, under their threshold and with a free slot: an upper bound on the selectable ones. */
    public int open() { return open; }

    Members add(NodeView v) {
      String id = v.nodeId();
      if (positions.contains(id)) return this;
      int n = ids.length();
      return new Members(appended(ids, id), positions.updated(id, n), ready + (v.ready() ? 1 : 0), open + (v.open() ? 1 : 0));
    }

    /** A member's view changed without it leaving: its counts move with it. */
    Members changed(NodeView before, NodeView after) {
      int r = (after.ready() ? 1 : 0) - (before.ready() ? 1 : 0);
      int o = (after.open() ? 1 : 0) - (before.open() ? 1 : 0);
      return r == 0 && o == 0 ? this : new Members(ids, positions, ready + r, open + o);
    }

    /** Swap-remove: the last member takes the removed one's place. {@code v}: the view it was counted by. */
    Members remove(NodeView v) {
      String id = v.nodeId();
      Option<Integer> pos = positions.get(id);
      if (pos.isEmpty()) return this;
      int i = pos.get();
      int last = ids.length() - 1;
      String lastId = ids.apply(last);
      Vector<String> vec = ids.init();
      HashMap<String, Integer> p = positions.removed(id);
      if (i != last) {
        vec = updated(vec, i, lastId);
        p = p.updated(lastId, i);
      }
      return new Members(vec, p, ready - (v.ready() ? 1 : 0), open - (v.open() ? 1 : 0));
    }

    // Called through the Scala trait: javac sees Vector's own generic method and AbstractSeq's erased bridge
    // as ambiguous overloads.
    @SuppressWarnings("unchecked")
    private static Vector<String> appended(Vector<String> v, String id) {
      return (Vector<String>) ((scala.collection.immutable.IndexedSeq<String>) v).appended(id);
    }

    @SuppressWarnings("unchecked")
    private static Vector<String> updated(Vector<String> v, int i, String id) {
      return (Vector<String>) ((scala.collection.immutable.IndexedSeq<String>) v).updated(i, id);
    }
  }

  private final long epoch;
  private final long version;
  private final HashMap<String, NodeView> nodes;
  private final HashMap<String, Members> pools;

  private PoolView(long epoch, long version, HashMap<String, NodeView> nodes, HashMap<String, Members> pools) {
    this.epoch = epoch;
    this.version = version;
    this.nodes = nodes;
    this.pools = pools;
  }

  public static PoolView empty(long epoch) {
    return new PoolView(epoch, 0, emptyMap(), emptyMap());
  }

  /**
   * Applies changed node views, keeping for each node only a newer version than the one held, and returns
   * the view at {@code newVersion}. Cost: O(changed × log n).
   */
  public PoolView apply(Collection<NodeView> changed, long newVersion) {
    HashMap<String, NodeView> n = nodes;
    HashMap<String, Members> p = pools;
    for (NodeView v : changed) {
      Option<NodeView> old = n.get(v.nodeId());
      if (old.isDefined() && old.get().version() >= v.version()) continue;
      Set<String> before = old.isDefined() && old.get().connected() ? old.get().pools() : Set.of();
      Set<String> after = v.connected() ? v.pools() : Set.of();
      for (String pool : before) {
        Members m = members(p, pool);
        p = withMembers(p, pool, after.contains(pool) ? m.changed(old.get(), v) : m.remove(old.get()));
      }
      for (String pool : after) {
        if (!before.contains(pool)) p = withMembers(p, pool, members(p, pool).add(v));
      }
      n = n.updated(v.nodeId(), v);
    }
    return new PoolView(epoch, newVersion, n, p);
  }

  /**
   * The same nodes under a new directory epoch: what a dispatcher places by while a new directory
   * incarnation is being rebuilt (a stale entry costs at most a refused reservation).
   */
  public PoolView rebase(long newEpoch, long newVersion) {
    return new PoolView(newEpoch, newVersion, nodes, pools);
  }

  /** Drops forgotten nodes from the view and every pool (their records expired while Offline). */
  public PoolView remove(java.util.Collection<String> nodeIds, long newVersion) {
    HashMap<String, NodeView> n = nodes;
    HashMap<String, Members> p = pools;
    for (String id : nodeIds) {
      Option<NodeView> old = n.get(id);
      if (old.isEmpty()) continue;
      for (String pool : old.get().pools()) p = withMembers(p, pool, members(p, pool).remove(old.get()));
      n = n.removed(id);
    }
    return new PoolView(epoch, newVersion, n, p);
  }

  /** Whether this view is older than {@code (otherEpoch, otherVersion)}. */
  public boolean olderThan(long otherEpoch, long otherVersion) {
    return epoch < otherEpoch || (epoch == otherEpoch && version < otherVersion);
  }

  public long epoch() { return epoch; }

  public long version() { return version; }

  public Optional<NodeView> node(String nodeId) {
    return Optional.ofNullable(nodeOrNull(nodeId));
  }

  /** The node's view, or {@code null} when the view does not know it: the allocation-free form for selection. */
  public NodeView nodeOrNull(String nodeId) {
    return nodes.getOrElse(nodeId, () -> null);
  }

  public Members members(String pool) {
    return members(pools, pool);
  }

  public int nodeCount() { return nodes.size(); }

  /** Every node view (O(n): for snapshots and the admin API, never on the placement path). */
  public List<NodeView> allNodes() {
    List<NodeView> out = new ArrayList<>(nodes.size());
    nodes.valuesIterator().foreach(v -> out.add(v));
    return out;
  }

  private static Members members(HashMap<String, Members> p, String pool) {
    Option<Members> m = p.get(pool);
    return m.isDefined() ? m.get() : Members.EMPTY;
  }

  private static HashMap<String, Members> withMembers(HashMap<String, Members> p, String pool, Members m) {
    return m.size() == 0 ? p.removed(pool) : p.updated(pool, m);
  }

  @SuppressWarnings("unchecked")
  private static <T> Vector<T> emptyVector() {
    return (Vector<T>) scala.collection.immutable.Vector$.MODULE$.empty();
  }

  @SuppressWarnings("unchecked")
  private static <K, V> HashMap<K, V> emptyMap() {
    return (HashMap<K, V>) scala.collection.immutable.HashMap$.MODULE$.empty();
  }
}
