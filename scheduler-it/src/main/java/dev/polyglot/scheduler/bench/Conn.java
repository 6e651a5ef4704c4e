package dev.polyglot.scheduler.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One lean loopback WebSocket on the JDK client: text out through a per-socket FIFO (the JDK client allows one
 * outstanding send), whole text messages in to a callback. Many sockets share a few {@link HttpClient}s.
 */
final class Conn implements WebSocket.Listener {

  /** A small pool of JDK HTTP clients (one selector thread each) shared by thousands of sockets. */
  static final class Clients implements AutoCloseable {
    private final HttpClient[] clients;
    private final ExecutorService executor;
    private final AtomicInteger next = new AtomicInteger();

    Clients(int n, int threads) {
      AtomicInteger t = new AtomicInteger();
      executor = Executors.newFixedThreadPool(threads, r -> {
        Thread th = new Thread(r, "rig-ws-" + t.incrementAndGet());
        th.setDaemon(true);
        return th;
      });
      clients = new HttpClient[n];
      for (int i = 0; i < n; i++) {
        clients[i] = HttpClient.newBuilder().executor(executor).connectTimeout(Duration.ofSeconds(120)).build();
      }
    }

    HttpClient next() {
      return clients[Math.floorMod(next.getAndIncrement(), clients.length)];
    }

    @Override
    public void close() {
      executor.shutdownNow();
      for (HttpClient c : clients) {
        try {
          c.getClass().getMethod("shutdownNow").invoke(c); // Java 21+; on 17 the selector thread is a daemon
        } catch (ReflectiveOperationException ignored) {
          // Java 17: nothing to do
        }
      }
    }
  }

  private final StringBuilder partial = new StringBuilder();
  private record Out(String text, java.util.concurrent.atomic.LongAdder done) {}

  private final ArrayDeque<Out> queue = new ArrayDeque<>();
  private boolean sending;
  private volatile Consumer<String> onMessage;
  private WebSocket ws;
  volatile boolean closed;

  static CompletableFuture<Conn> open(Clients clients, String host, int port, String path, Consumer<String> onMessage) {
    Conn c = new Conn();
    c.onMessage = onMessage;
    return clients.next().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(120))
        .buildAsync(URI.create("ws://" + host + ":" + port + path), c)
        .thenApply(ws -> {
          c.ws = ws;
          return c;
        });
  }

  /** Queues a text message; messages leave in order, one outstanding send at a time. */
  void send(String text) {
    send(text, null);
  }

  /** Queues a text message and, once the JDK client has written it, increments {@code done} (may be null). */
  void send(String text, java.util.concurrent.atomic.LongAdder done) {
    Out o = new Out(text, done);
    synchronized (queue) {
      if (closed) return;
      if (sending) {
        queue.add(o);
        return;
      }
      sending = true;
    }
    doSend(o);
  }

  private void doSend(Out o) {
    ws.sendText(o.text(), true).whenComplete((w, ex) -> {
      if (ex == null && o.done() != null) o.done().increment();
      Out next;
      synchronized (queue) {
        if (ex != null) {
          closed = true;
          queue.clear();
        }
        next = queue.poll();
        if (next == null) {
          sending = false;
          return;
        }
      }
      doSend(next);
    });
  }

  @Override
  public void onOpen(WebSocket webSocket) {
    webSocket.request(Long.MAX_VALUE);
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    if (last && partial.length() == 0) {
      onMessage.accept(data.toString());
    } else {
      partial.append(data);
      if (last) {
        String s = partial.toString();
        partial.setLength(0);
        onMessage.accept(s);
      }
    }
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    closed = true;
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    closed = true;
  }

  void close() {
    closed = true;
    if (ws != null) ws.abort();
  }
}
