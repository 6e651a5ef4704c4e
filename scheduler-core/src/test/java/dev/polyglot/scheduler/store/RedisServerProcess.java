package dev.polyglot.scheduler.store;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} child process on a free loopback port, without persistence, for tests (RELIABILITY.md
 * level P). The binary is {@code redis-server} on the PATH (the Debian package), else the Linux binary shipped inside
 * the {@code com.github.codemonstur:embedded-redis} test dependency. When neither can be started the test fails with
 * a message saying what to install: it is never skipped.
 *
 * <p>System property {@code redis.server}: {@code path} or {@code embedded} forces one of the two sources, any other
 * value is taken as the path of a binary.
 */
public final class RedisServerProcess implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
  private static Path cachedBinary;

  private final Path binary;
  private final int port;
  private final Path dir;
  private final Process process;
  private boolean paused;

  private RedisServerProcess(Path binary, int port) {
    this.binary = binary;
    this.port = port;
    try {
      this.dir = Files.createTempDirectory("redis-test-" + port + "-");
    } catch (IOException e) {
      throw new AssertionError("cannot create a directory for redis-server: " + e, e);
    }
    try {
      List<String> cmd = new ArrayList<>(List.of(binary.toString(),
          "--bind", "127.0.0.1", "--port", Integer.toString(port), "--save", "", "--appendonly", "no",
          "--daemonize", "no", "--protected-mode", "yes", "--dir", dir.toString()));
      this.process = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(dir.resolve("redis.log").toFile()).start();
    } catch (IOException e) {
      deleteDir();
      throw new AssertionError("cannot start " + binary + " on port " + port + ": " + e, e);
    }
    awaitPing();
  }

  /** Starts a server on a free loopback port. */
  public static RedisServerProcess start() {
    return start(freePort());
  }

  /** Starts a server on this loopback port (e.g. the port a stopped server had). */
  public static RedisServerProcess start(int port) {
    return new RedisServerProcess(binary(), port);
  }

  /** Starts the binary shipped in the embedded-redis artifact, whatever is installed. */
  static RedisServerProcess startEmbedded() {
    return new RedisServerProcess(embeddedBinary(), freePort());
  }

  public int port() {
    return port;
  }

  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  /** The redis-server executable this process runs. */
  public Path executable() {
    return binary;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL, as a crash: connections are reset at once. */
  public void kill() {
    resumeIfPaused();
    process.destroyForcibly();
    waitForExit();
  }

  /** SIGSTOP: the process is frozen with its connections still open (R4). */
  public void pause() {
    signal("STOP");
    paused = true;
  }

  /** SIGCONT after {@link #pause()}. */
  public void resume() {
    signal("CONT");
    paused = false;
  }

  /** Sends one raw command (inline protocol) and returns the first reply line, e.g. {@code +PONG}. */
  public String command(String inline) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
      s.setSoTimeout(2000);
      OutputStream out = s.getOutputStream();
      out.write((inline + "\r\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = s.getInputStream();
      StringBuilder line = new StringBuilder();
      int c;
      while ((c = in.read()) != -1 && c != '\n') {
        if (c != '\r') line.append((char) c);
      }
      return line.toString();
    } catch (IOException e) {
      return "ERR-IO " + e.getMessage();
    }
  }

  /** Stops the server (SIGTERM, then SIGKILL if it does not exit) and removes its directory. */
  @Override
  public void close() {
    resumeIfPaused();
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
    waitForExit();
    deleteDir();
  }

  // ---------------------------------------------------------------------------------------------------------------

  private void resumeIfPaused() {
    if (paused && process.isAlive()) resume();
  }

  private void signal(String sig) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).inheritIO().start();
      if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new AssertionError("kill -" + sig + " " + process.pid() + " failed");
      }
    } catch (IOException e) {
      throw new AssertionError("kill -" + sig + " " + process.pid() + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private void waitForExit() {
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) throw new AssertionError("redis-server " + pid() + " did not exit");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private void awaitPing() {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        String log = readLog();
        deleteDir();
        throw new AssertionError("redis-server (" + binary + ") exited with " + process.exitValue()
            + " before answering PING on port " + port + ". Its output:\n" + log);
      }
      if ("+PONG".equals(command("PING"))) return;
      sleep(20);
    }
    String log = readLog();
    process.destroyForcibly();
    waitForExit();
    deleteDir();
    throw new AssertionError("redis-server (" + binary + ") did not answer PING on port " + port + " within "
        + START_TIMEOUT.toSeconds() + " s. Its output:\n" + log);
  }

  private String readLog() {
    try {
      return Files.readString(dir.resolve("redis.log"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private void deleteDir() {
    try (var files = Files.walk(dir)) {
      files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp dir left behind is harmless
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** A port free on loopback right now (the server binds it a moment later). */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new AssertionError("no free loopback port: " + e, e);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // finding the binary

  static synchronized Path binary() {
    if (cachedBinary != null) return cachedBinary;
    String choice = System.getProperty("redis.server", "");
    if (choice.equals("embedded")) {
      cachedBinary = embeddedBinary();
    } else if (choice.equals("path")) {
      cachedBinary = onPath().orElseThrow(() -> new AssertionError("-Dredis.server=path but no redis-server on PATH"));
    } else if (!choice.isEmpty()) {
      cachedBinary = Path.of(choice);
    } else {
      cachedBinary = onPath().orElseGet(RedisServerProcess::embeddedBinary);
    }
    return cachedBinary;
  }

  private static java.util.Optional<Path> onPath() {
    String path = System.getenv("PATH");
    if (path == null) return java.util.Optional.empty();
    for (String d : path.split(File.pathSeparator)) {
      if (d.isEmpty()) continue;
      Path p = Path.of(d, "redis-server");
      if (Files.isRegularFile(p) && Files.isExecutable(p)) return java.util.Optional.of(p);
    }
    return java.util.Optional.empty();
  }

  /** Resource name of the Linux binary in embedded-redis 1.4.3 for this CPU. */
  static String embeddedResource() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    if (!os.contains("linux")) {
      throw new AssertionError("no redis-server on PATH and the embedded-redis fallback is only wired for Linux (os "
          + os + "); install redis-server");
    }
    return switch (arch) {
      case "amd64", "x86_64" -> "redis-server-6.2.6-v5-linux-amd64";
      case "aarch64", "arm64" -> "redis-server-6.2.7-linux-arm64";
      case "x86", "i386", "i686" -> "redis-server-6.2.7-linux-386";
      default -> throw new AssertionError("no redis-server on PATH and embedded-redis ships no binary for " + arch
          + "; install redis-server (apt-get install -y redis-server)");
    };
  }

  static synchronized Path embeddedBinary() {
    String resource = embeddedResource();
    try (InputStream in = RedisServerProcess.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new AssertionError("no redis-server on PATH, and /" + resource + " is not on the test classpath: "
            + "install redis-server (apt-get install -y redis-server) or check the "
            + "com.github.codemonstur:embedded-redis test dependency");
      }
      Path file = Files.createTempFile("redis-server-embedded-", "");
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
      if (!file.toFile().setExecutable(true, true)) throw new AssertionError("cannot chmod +x " + file);
      file.toFile().deleteOnExit();
      return file;
    } catch (IOException e) {
      throw new AssertionError("cannot extract /" + resource + " from embedded-redis: " + e, e);
    }
  }
}
