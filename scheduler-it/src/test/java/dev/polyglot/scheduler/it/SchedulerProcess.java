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
  /** The loopback address the instance listens on and announces to the cluster. */
  final String host;
  final int httpPort;
  final int arteryPort;
  private final Process process;
  final List<String> log = new CopyOnWriteArrayList<>();

  private SchedulerProcess(String name, String host, int httpPort, int arteryPort, List<String> settings, String heap)
      throws Exception {
    this.name = name;
    this.host = host;
    this.httpPort = httpPort;
    this.arteryPort = arteryPort;
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx" + heap,
        // -Dit.logback=<file> on the mvn command line: another logback configuration (e.g. sharding at DEBUG)
        "-Dlogback.configurationFile=" + System.getProperty("it.logback",
            Path.of("..", "conf", "logback.xml").toAbsolutePath().toString()),
        // the runnable application's configuration, so its environment variables are what this test uses
        "-Dconfig.file=" + Path.of("..", "conf", "application.conf").toAbsolutePath(),
        "-Dscheduler.instance-id=" + name,
        "-Dscheduler.http.host=" + host, "-Dscheduler.http.port=" + httpPort));
    for (String s : settings) cmd.add("-D" + s);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.polyglot.scheduler.http.Main"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("SCHEDULER_HOST", host);
    pb.environment().put("SCHEDULER_ARTERY_PORT", Integer.toString(arteryPort));
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

  /** Address and ports chosen before the start, so seeds can name an instance before it runs. */
  record Ports(String host, int http, int artery) {
    static Ports free() {
      return on("127.0.0.1");
    }

    /** Free ports on another loopback address (127.0.0.2, …: Linux routes all of 127/8 to loopback). */
    static Ports on(String host) {
      return new Ports(host, RedisServerProcess.freePort(), RedisServerProcess.freePort());
    }

    String address() {
      return "pekko://scheduler@" + host + ":" + artery;
    }
  }

  static SchedulerProcess start(String name, Ports ports, List<String> settings) {
    return start(name, ports, settings, "256m");
  }

  /** With a given maximum heap ({@code -Xmx}), e.g. {@code 512m}. */
  static SchedulerProcess start(String name, Ports ports, List<String> settings, String heap) {
    try {
      return new SchedulerProcess(name, ports.host(), ports.http(), ports.artery(), settings, heap);
    } catch (Exception e) {
      throw new AssertionError("could not start " + name, e);
    }
  }

  /** The heap in use right after a full collection, in bytes, read from outside ({@code jcmd}). */
  long heapUsedAfterGc() {
    return dev.polyglot.scheduler.bench.Heap.usedAfterGc(process.pid());
  }

  /** Waits until every instance answers {@code /ready} as a member of a cluster of all of them. */
  static void awaitCluster(Duration within, SchedulerProcess... instances) {
    String members = "\"cluster_members\":" + instances.length;
    Server.await(instances.length + " instances ready", () -> {
      for (SchedulerProcess p : instances) {
        String r = p.ready();
        if (r == null || !r.contains(members)) return false;
      }
      return true;
    }, within);
  }

  /** The body of {@code GET /ready} when it answers 200, else null. */
  String ready() {
    try {
      var r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + httpPort + "/ready"))
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

  /**
   * SIGTERM: the JVM's shutdown hook runs coordinated shutdown (close sockets, hand shards over, leave). Sent
   * through the process handle, because {@link Process#destroy()} also closes the pipes at once, and the log of
   * the shutdown would be lost.
   */
  void terminate() {
    process.toHandle().destroy();
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
