package dev.polyglot.scheduler.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A WebSocket peer built on the JDK client, as the real node agent and web client would be: it sends exact
 * JSON text and collects every message the scheduler sends, in order.
 */
class Peer implements WebSocket.Listener, AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration WAIT = Duration.ofSeconds(20);

  private final List<JsonNode> inbox = new ArrayList<>();
  private final StringBuilder partial = new StringBuilder();
  /** The status of the close frame the scheduler sent, or -1 when the connection ended without one (onError). */
  final CompletableFuture<Integer> closed = new CompletableFuture<>();
  /** The reason text of that close frame; null until one arrived. */
  volatile String closeReason;
  /** What ended the connection when no close frame came; null otherwise. */
  volatile Throwable dropped;
  /** {@link System#nanoTime()} when {@link #closed} completed. */
  volatile long closedAtNanos;
  private WebSocket ws;
  /** Messages requested from the socket when it opens; fewer than all makes a peer that stops reading. */
  private long initialDemand = Long.MAX_VALUE;
  /** Sees every message as it arrives, on the socket's thread, before it is queued for {@link #await}. */
  private volatile java.util.function.Consumer<JsonNode> observer = m -> {};

  static Peer connect(int port, String path) {
    return connect("127.0.0.1", port, path);
  }

  static Peer connect(String host, int port, String path) {
    return connect(host, port, path, java.util.Map.of(), Long.MAX_VALUE);
  }

  /** Connects with extra request headers (e.g. {@code Authorization}). */
  static Peer connect(int port, String path, java.util.Map<String, String> headers) {
    return connect("127.0.0.1", port, path, headers, Long.MAX_VALUE);
  }

  /**
   * A peer that reads only {@code demand} messages (each text fragment counts as one) and then stops reading until
   * {@link #request} is called: the JDK client then stops reading its TCP socket, as a slow or stuck browser would.
   */
  static Peer connect(int port, String path, long demand) {
    return connect("127.0.0.1", port, path, java.util.Map.of(), demand);
  }

  static Peer connect(String host, int port, String path, java.util.Map<String, String> headers, long demand) {
    Peer p = new Peer();
    p.initialDemand = demand;
    WebSocket.Builder b = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(WAIT);
    headers.forEach(b::header);
    p.ws = b.buildAsync(URI.create("ws://" + host + ":" + port + path), p).join();
    return p;
  }

  synchronized void send(String json) {
    ws.sendText(json, true).join();
  }

  /** Sends without waiting: the future completes when the message was written to the connection. */
  java.util.concurrent.CompletableFuture<WebSocket> sendAsync(String json) {
    return ws.sendText(json, true);
  }

  /** Sends one frame of a text message; {@code last} ends the message. Completes when the frame was written. */
  CompletableFuture<WebSocket> sendPart(String text, boolean last) {
    return ws.sendText(text, last);
  }

  /** Reads {@code n} more messages (Long.MAX_VALUE: all from now on). */
  void request(long n) {
    ws.request(n);
  }

  void sendBinary(byte[] data) {
    ws.sendBinary(java.nio.ByteBuffer.wrap(data), true).join();
  }

  /** Sends one text message split into several WebSocket frames. */
  void sendFragmented(String json, int parts) {
    int step = Math.max(1, json.length() / parts);
    for (int i = 0; i < json.length(); i += step) {
      ws.sendText(json.substring(i, Math.min(json.length(), i + step)), i + step >= json.length()).join();
    }
  }

  /** Waits for, and removes, the first message (in arrival order) of this type that matches. */
  JsonNode await(String type, Predicate<JsonNode> match) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    synchronized (inbox) {
      while (true) {
        for (Iterator<JsonNode> it = inbox.iterator(); it.hasNext(); ) {
          JsonNode m = it.next();
          if (type.equals(m.path("type").asText()) && match.test(m)) {
            it.remove();
            return m;
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) throw new AssertionError("no " + type + " within " + WAIT + "; inbox: " + inbox);
        try {
          inbox.wait(TimeUnit.NANOSECONDS.toMillis(left) + 1);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError(e);
        }
      }
    }
  }

  void observe(java.util.function.Consumer<JsonNode> o) {
    observer = o;
  }

  JsonNode await(String type) {
    return await(type, m -> true);
  }

  /** Asserts that no message of this type arrives within the given time. */
  void expectNone(String type, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    synchronized (inbox) {
      while (true) {
        for (JsonNode m : inbox) {
          if (type.equals(m.path("type").asText())) throw new AssertionError("unexpected " + m);
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) return;
        try {
          inbox.wait(TimeUnit.NANOSECONDS.toMillis(left) + 1);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  List<JsonNode> all(String type) {
    synchronized (inbox) {
      return inbox.stream().filter(m -> type.equals(m.path("type").asText())).toList();
    }
  }

  boolean awaitClosed() {
    try {
      closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  @Override
  public void onOpen(WebSocket webSocket) {
    webSocket.request(initialDemand);
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    partial.append(data);
    if (last) {
      String text = partial.toString();
      partial.setLength(0);
      try {
        JsonNode m = JSON.readTree(text);
        observer.accept(m);
        synchronized (inbox) {
          inbox.add(m);
          inbox.notifyAll();
        }
      } catch (Exception e) {
        throw new AssertionError("scheduler sent invalid JSON: " + text, e);
      }
    }
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    closeReason = reason;
    closedAtNanos = System.nanoTime();
    closed.complete(statusCode);
    synchronized (inbox) {
      inbox.notifyAll();
    }
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    dropped = error;
    closedAtNanos = System.nanoTime();
    closed.complete(-1);
  }

  @Override
  public void close() {
    if (!closed.isDone()) {
      try {
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(2, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        ws.abort();
      }
    }
  }

  void abort() {
    ws.abort();
  }
}
