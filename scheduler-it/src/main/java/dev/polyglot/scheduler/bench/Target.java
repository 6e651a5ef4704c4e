package dev.polyglot.scheduler.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The system under test as the rig sees it: a loopback port, and its {@code /bench/stats} when it has one. */
abstract class Target implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  final String kind;
  final String where;
  String host = "127.0.0.1";
  int port;

  Target(String kind, String where) {
    this.kind = kind;
    this.where = where;
  }

  /** {@code mode}: "" = read only; "full" = full GC first (heap after GC) and reset the pause watch; "reset" = reset the watch. */
  JsonNode stats(String mode) {
    try {
      var r = http.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/bench/stats"
              + (mode.isEmpty() ? "" : "?gc=" + mode))).timeout(Duration.ofSeconds(120)).build(),
          HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
    } catch (Exception e) {
      return null;
    }
  }

  @Override
  public abstract void close();

  /** In this JVM: the stats then include the rig's own CPU and heap. */
  static final class InProcess extends Target {
    private final TargetServer server;

    InProcess(String kind, String overrides) {
      super(kind, "in-process");
      server = TargetServer.start(kind, overrides);
      port = server.port;
    }

    @Override
    public void close() {
      server.close();
    }
  }

  /** A child JVM of its own (the default): its stats are the target's alone. It exits when we close its stdin. */
  static final class Child extends Target {
    private final Process process;

    Child(String kind, String overrides, List<String> jvmOpts, File log) throws Exception {
      super(kind, "child JVM");
      List<String> cmd = new ArrayList<>();
      cmd.add(System.getProperty("java.home") + "/bin/java");
      cmd.addAll(jvmOpts);
      cmd.add("-Dlogback.configurationFile=bench-logback.xml");
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add(TargetServer.class.getName());
      cmd.add(kind);
      cmd.add(overrides);
      process = new ProcessBuilder(cmd).redirectError(log).start();
      BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith(TargetServer.PORT_LINE)) {
          port = Integer.parseInt(line.substring(TargetServer.PORT_LINE.length()).trim());
          break;
        }
        if (System.nanoTime() > deadline) break;
      }
      if (port == 0) {
        process.destroyForcibly();
        throw new IllegalStateException("the " + kind + " target did not start; see " + log);
      }
      Thread drain = new Thread(() -> {
        try {
          while (out.readLine() != null) { /* discard */ }
        } catch (Exception ignored) {
          // gone
        }
      }, "rig-target-stdout");
      drain.setDaemon(true);
      drain.start();
    }

    @Override
    public void close() {
      try {
        process.getOutputStream().close();
        if (!process.waitFor(25, TimeUnit.SECONDS)) {
          process.destroy();
          if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (Exception e) {
        process.destroyForcibly();
      }
    }
  }

  /** A scheduler someone else started ({@code --url host:port}): no stats. */
  static final class Running extends Target {
    Running(String hostPort) {
      super("scheduler", "running at " + hostPort);
      host = hostPort.substring(0, hostPort.lastIndexOf(':'));
      port = Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
    }

    @Override
    public void close() { }
  }
}
