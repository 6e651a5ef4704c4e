package dev.polyglot.scheduler.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A small TCP fault proxy on loopback (the Toxiproxy idea): forwards to a target and can add latency to every
 * chunk in both directions, keeping order. Stops with {@link #close()}.
 */
final class FaultProxy implements AutoCloseable {
  private final ServerSocket server;
  private final int targetPort;
  private volatile long latencyMs;
  private final CopyOnWriteArrayList<Socket> sockets = new CopyOnWriteArrayList<>();

  FaultProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = new ServerSocket();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    Thread accept = new Thread(this::acceptLoop, "fault-proxy-accept");
    accept.setDaemon(true);
    accept.start();
  }

  int port() {
    return server.getLocalPort();
  }

  void latency(long ms) {
    latencyMs = ms;
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        sockets.add(client);
        sockets.add(upstream);
        pump(client, upstream);
        pump(upstream, client);
      } catch (IOException e) {
        return;
      }
    }
  }

  private record Chunk(long deliverAt, byte[] bytes) {}

  /** One direction: a reader stamps each chunk with its delivery time, a writer delivers in order. */
  private void pump(Socket from, Socket to) throws IOException {
    InputStream in = from.getInputStream();
    OutputStream out = to.getOutputStream();
    BlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      byte[] buf = new byte[64 * 1024];
      try {
        for (int n; (n = in.read(buf)) > 0; ) queue.put(new Chunk(System.nanoTime() + latencyMs * 1_000_000, Arrays.copyOf(buf, n)));
      } catch (Exception ignored) {
        // closed
      }
      queue.add(new Chunk(0, null));
    });
    Thread writer = new Thread(() -> {
      try {
        while (true) {
          Chunk c = queue.take();
          if (c.bytes() == null) break;
          long wait = c.deliverAt() - System.nanoTime();
          if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
          out.write(c.bytes());
          out.flush();
        }
      } catch (Exception ignored) {
        // closed
      }
      try {
        to.close();
      } catch (IOException ignored) {
        // already closed
      }
    });
    reader.setDaemon(true);
    writer.setDaemon(true);
    reader.start();
    writer.start();
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException ignored) {
      // closing
    }
    for (Socket s : sockets) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing
      }
    }
  }
}
