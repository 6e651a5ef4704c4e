package dev.polyglot.scheduler.it;

import dev.polyglot.scheduler.store.RedisServerProcess;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One scheduler instance in its own JVM (the real {@code Main}), started by a test on loopback ports and
 * stopped by it: hard kill ({@code kill -9}) or graceful stop (SIGTERM, which runs coordinated shutdown).
 * Its log lines are kept so a test can see what happened where.
 */
final class SchedulerProcess implements AutoCloseable {
  final String name;
  final int httpPort;
  final int arteryPort;
  private final Process process;
  final List<String> log = new CopyOnWriteArrayList<>();

  private SchedulerProcess(String name, int httpPort, int arteryPort, List<String> settings) throws Exception {
    this.name = name;
    this.httpPort = httpPort;
    this.arteryPort = arteryPort;
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m",
        "-Dlogback.configurationFile=" + Path.of("..", "conf", "logback.xml").toAbsolutePath(),
        "-Dscheduler.instance-id=" + name,
        "-Dscheduler.http.host=127.0.0.1", "-Dscheduler.http.port=" + httpPort,
        "-Dpekko.remote.artery.canonical.port=" + arteryPort));
    for (String s : settings) cmd.add("-D" + s);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.polyglot.scheduler.http.Main"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    process = pb.start();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) log.add(line);
      } catch (Exception ignored) {
        // the process ended
      }
    }, name + "-log");
    reader.setDaemon(true);
    reader.start();
  }

  /** Ports chosen before the start, so seeds can name an instance before it runs. */
  record Ports(int http, int artery) {
    static Ports free() {
      return new Ports(RedisServerProcess.freePort(), RedisServerProcess.freePort());
    }

    String address() {
      return "pekko://scheduler@127.0.0.1:" + artery;
    }
  }

  static SchedulerProcess start(String name, Ports ports, List<String> settings) {
    try {
      return new SchedulerProcess(name, ports.http(), ports.artery(), settings);
    } catch (Exception e) {
      throw new AssertionError("could not start " + name, e);
    }
  }

  /** The body of {@code GET /ready} when it answers 200, else null. */
  String ready() {
    try {
      var r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/ready"))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? r.body() : null;
    } catch (Exception e) {
      return null;
    }
  }

  boolean logged(String text) {
    for (String l : log) if (l.contains(text)) return true;
    return false;
  }

  /** {@code kill -9}: nothing runs on the way out. */
  void kill() {
    process.destroyForcibly();
    waitFor();
  }

  /** SIGTERM: the JVM's shutdown hook runs coordinated shutdown (leave, hand shards over). */
  void terminate() {
    process.destroy();
    waitFor();
  }

  boolean alive() {
    return process.isAlive();
  }

  long pid() {
    return process.pid();
  }

  private void waitFor() {
    try {
      if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) kill();
  }
}
