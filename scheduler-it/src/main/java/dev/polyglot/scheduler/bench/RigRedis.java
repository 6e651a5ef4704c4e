package dev.polyglot.scheduler.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@code redis-server} child process for the cluster benchmark, on a free loopback port without persistence: the
 * binary on the PATH (the Debian package), else the Linux x86-64 binary inside the {@code embedded-redis} artifact
 * (a runtime dependency of this module), as the tests' {@code RedisServerProcess} does. {@link #start()} returns null
 * when neither runs; the benchmark then says it measured the in-memory store only.
 */
final class RigRedis implements AutoCloseable {
  private static final String EMBEDDED = "redis-server-6.2.6-v5-linux-amd64";

  private final Process process;
  private final Path dir;
  final int port;
  final String binary;

  private RigRedis(String binary, int port, Path dir) throws IOException {
    this.binary = binary;
    this.port = port;
    this.dir = dir;
    process = new ProcessBuilder(List.of(binary, "--bind", "127.0.0.1", "--port", Integer.toString(port), "--save", "",
        "--appendonly", "no", "--daemonize", "no", "--protected-mode", "yes", "--dir", dir.toString()))
        .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
  }

  String uri() {
    return "redis://127.0.0.1:" + port;
  }

  /** A running server, or null (with the reason printed) when no binary could be started. */
  static RigRedis start() {
    String binary = onPath();
    try {
      if (binary == null) binary = embedded();
      if (binary == null) {
        System.out.println("   no redis-server on the PATH and no embedded-redis binary on the classpath");
        return null;
      }
      RigRedis r = new RigRedis(binary, freePort(), Files.createTempDirectory("rig-redis-"));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (System.nanoTime() < deadline) {
        if (!r.process.isAlive()) break;
        if (r.ping()) return r;
        Thread.sleep(20);
      }
      System.out.println("   redis-server (" + binary + ") did not answer PING: " + Files.readString(r.dir.resolve("redis.log")));
      r.close();
      return null;
    } catch (IOException e) {
      System.out.println("   redis-server could not be started: " + e);
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private boolean ping() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
      s.setSoTimeout(1000);
      s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      byte[] b = new byte[5];
      int n = s.getInputStream().read(b);
      return n == 5 && new String(b, StandardCharsets.US_ASCII).equals("+PONG");
    } catch (IOException e) {
      return false;
    }
  }

  private static String onPath() {
    for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (d.isEmpty()) continue;
      Path p = Path.of(d, "redis-server");
      if (Files.isRegularFile(p) && Files.isExecutable(p)) return p.toString();
    }
    return null;
  }

  private static String embedded() throws IOException {
    String arch = System.getProperty("os.arch", "");
    if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")
        || !(arch.equals("amd64") || arch.equals("x86_64"))) {
      return null;
    }
    try (InputStream in = RigRedis.class.getClassLoader().getResourceAsStream(EMBEDDED)) {
      if (in == null) return null;
      Path file = Files.createTempFile("rig-redis-server-", "");
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
      if (!file.toFile().setExecutable(true, true)) return null;
      file.toFile().deleteOnExit();
      return file.toString();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    try (var files = Files.walk(dir)) {
      files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp dir left behind is harmless
    }
  }
}
