package dev.polyglot.scheduler.edge;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What one socket actor shares with its connection's stream, without locks.
 *
 * <ul>
 *   <li>The outbound queue, bounded in frames and in bytes (counted as characters of the encoded JSON, which is
 *       what the queue holds). The actor {@link #offer}s each frame and learns at once when the queue is full,
 *       before anything overflows: it then answers the spec's way ({@code error OUTBOUND_QUEUE_FULL}, then close)
 *       with {@link #closeWith}, whose one last frame may pass the bounds. The stream calls {@link #sent} as each
 *       frame leaves the queue for the network.</li>
 *   <li>The largest inbound message the connection accepts now: set by the actor (a node socket raises it once
 *       {@code node_register} succeeded), read by the stream as each part of a message arrives.</li>
 * </ul>
 *
 * <p>Only the socket actor offers and closes; only the stream marks frames sent and the connection ended.
 */
public final class SocketLink {
  private final ActorRef<SocketOut> out;
  private final int maxFrames;
  private final long maxBytes;
  private final AtomicLong queuedFrames = new AtomicLong();
  private final AtomicLong queuedBytes = new AtomicLong();
  private final AtomicLong inboundLimit;
  private volatile boolean closing;
  private volatile boolean ended;

  public SocketLink(ActorRef<SocketOut> out, int maxFrames, long maxBytes, long inboundLimit) {
    if (maxFrames < 1 || maxBytes < 1) throw new IllegalArgumentException("outbound bounds must be positive");
    this.out = out;
    this.maxFrames = maxFrames;
    this.maxBytes = maxBytes;
    this.inboundLimit = new AtomicLong(inboundLimit);
  }

  /** The capacity the stream's own buffer needs: every frame {@link #offer} can queue, plus the last one. */
  public static int streamBuffer(int maxFrames) {
    return maxFrames + 1;
  }

  /**
   * Queues one frame unless the queue is at either bound (an empty queue always takes one frame, however large).
   * Returns false, and queues nothing, when it is full. After the connection ended, frames are dropped silently:
   * there is no one to tell.
   */
  public boolean offer(String json) {
    if (ended) return true;
    long frames = queuedFrames.get();
    if (frames > 0 && (frames >= maxFrames || queuedBytes.get() + json.length() > maxBytes)) return false;
    enqueue(json);
    return true;
  }

  /** Queues {@code lastJson} (if not null) past the bounds, then closes the connection after the queued frames. */
  public void closeWith(String lastJson) {
    closing = true;
    if (lastJson != null && !ended) enqueue(lastJson);
    out.tell(SocketOut.Complete.INSTANCE);
  }

  private void enqueue(String json) {
    queuedFrames.incrementAndGet();
    queuedBytes.addAndGet(json.length());
    out.tell(new SocketOut.Text(json));
  }

  /** Called by the stream: this frame left the queue for the network. */
  public void sent(String json) {
    queuedFrames.decrementAndGet();
    queuedBytes.addAndGet(-json.length());
  }

  /** Called by the stream once the connection is gone. */
  public void ended() {
    ended = true;
  }

  /** Whether the actor closes the connection: the stream reads no further message. */
  public boolean closing() {
    return closing;
  }

  public int queuedFrames() {
    return (int) queuedFrames.get();
  }

  public long queuedBytes() {
    return queuedBytes.get();
  }

  public int maxFrames() {
    return maxFrames;
  }

  public long maxBytes() {
    return maxBytes;
  }

  /** The largest inbound message this connection accepts now, in bytes. */
  public long inboundLimit() {
    return inboundLimit.get();
  }

  public void inboundLimit(long bytes) {
    inboundLimit.set(bytes);
  }
}
