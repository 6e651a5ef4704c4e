package dev.polyglot.scheduler.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A model of the real lingua web client's {@code BackpressureManager} (identical in its January and June versions),
 * written from its measured behaviour (issue 9), not from its code:
 *
 * <ul>
 *   <li>On {@code backpressure}: ignored if less than 500 ms after the previous one it took. Otherwise the state
 *       becomes BUSY / PAUSED / SLOW_DOWN from {@code action}; {@code resume = now + (resume_after_ms || 5000)};
 *       a running timer is cleared and a new interval timer starts: every 500 ms for BUSY and SLOW_DOWN, every
 *       100 ms for PAUSED.</li>
 *   <li>While the state is not NORMAL, every outgoing chunk (audio and {@code is_final}) is queued instead of sent.
 *       Queueing never starts a timer.</li>
 *   <li>Each tick: {@code now >= resume} → NORMAL, timer cleared, the whole queue sent at once. Else PAUSED: nothing.
 *       Else a non-empty queue sends one item. Else (queue empty) the timer is cleared, and nothing starts it again:
 *       the client stays BUSY and queues every later chunk for the rest of its connection.</li>
 * </ul>
 *
 * <p>Every event runs on one thread, as in the browser.
 */
final class WebClientBackpressure implements AutoCloseable {
  enum State { NORMAL, BUSY, PAUSED, SLOW_DOWN }

  private static final long IGNORE_WITHIN_MS = 500;
  private static final long DEFAULT_RESUME_MS = 5000;

  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "web-client-model");
    t.setDaemon(true);
    return t;
  });
  private final Consumer<String> socket;
  private final LongSupplier clockMs;
  private final Deque<String> queue = new ArrayDeque<>();
  private State state = State.NORMAL;
  private long resumeAt;
  private Long lastTaken;
  private ScheduledFuture<?> timer;
  private long sent;
  private long taken;
  private long ignored;

  WebClientBackpressure(Consumer<String> socket) {
    this(socket, () -> System.nanoTime() / 1_000_000);
  }

  WebClientBackpressure(Consumer<String> socket, LongSupplier clockMs) {
    this.socket = socket;
    this.clockMs = clockMs;
  }

  /** An outgoing chunk from the recorder or the silence detector. */
  void send(String chunkJson) {
    run(() -> {
      if (state == State.NORMAL) {
        write(chunkJson);
      } else {
        queue.addLast(chunkJson);
      }
    });
  }

  /** Every message from the scheduler passes here; only {@code backpressure} matters to this model. */
  void onMessage(JsonNode m) {
    if (!"backpressure".equals(m.path("type").asText())) return;
    run(() -> onBackpressure(m.path("action").asText(), m.path("resume_after_ms").asLong(0)));
  }

  private void onBackpressure(String action, long resumeAfterMs) {
    long now = clockMs.getAsLong();
    if (lastTaken != null && now - lastTaken < IGNORE_WITHIN_MS) {
      ignored++;
      return;
    }
    lastTaken = now;
    taken++;
    state = switch (action) {
      case "PAUSE", "PAUSED" -> State.PAUSED;
      case "SLOW_DOWN" -> State.SLOW_DOWN;
      default -> State.BUSY;
    };
    resumeAt = now + (resumeAfterMs > 0 ? resumeAfterMs : DEFAULT_RESUME_MS);
    stopTimer();
    long every = state == State.PAUSED ? 100 : 500;
    timer = loop.scheduleAtFixedRate(this::tick, every, every, TimeUnit.MILLISECONDS);
  }

  private void tick() {
    if (clockMs.getAsLong() >= resumeAt) {
      state = State.NORMAL;
      stopTimer();
      while (!queue.isEmpty()) write(queue.pollFirst());
    } else if (state == State.PAUSED) {
      // waits for the resume time
    } else if (!queue.isEmpty()) {
      write(queue.pollFirst());
    } else {
      stopTimer(); // the real client's defect: nothing restarts the timer, the state stays BUSY
    }
  }

  private void stopTimer() {
    if (timer != null) timer.cancel(false);
    timer = null;
  }

  private void write(String json) {
    socket.accept(json);
    sent++;
  }

  private void run(Runnable r) {
    loop.execute(r);
  }

  /** A consistent look at the model, taken on its own thread. */
  record Snapshot(State state, int queued, long sent, long taken, long ignored, boolean timerRunning) {}

  Snapshot snapshot() {
    try {
      return loop.submit(() -> new Snapshot(state, queue.size(), sent, taken, ignored, timer != null)).get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the client model did not answer", e);
    }
  }

  @Override
  public void close() {
    loop.shutdownNow();
  }
}
