package dev.polyglot.scheduler.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The heap another JVM uses right after a full collection, read from outside with the JDK's own tools. */
public final class Heap {
  private Heap() {}

  /**
   * Runs {@code jcmd <pid> GC.run}, then adds up the "used N[KMG]" figures {@code jcmd <pid> GC.heap_info} prints for
   * the heap (one for G1 and ZGC, one per generation for Serial and Parallel; Metaspace left out); bytes.
   */
  public static long usedAfterGc(long pid) {
    try {
      Path bin = Path.of(System.getProperty("java.home"), "bin");
      run(bin.resolve("jcmd").toString(), Long.toString(pid), "GC.run");
      long total = 0;
      boolean found = false;
      for (String line : run(bin.resolve("jcmd").toString(), Long.toString(pid), "GC.heap_info")) {
        if (line.contains("Metaspace") || line.contains("class space")) continue;
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("used (\\d+)([KMG])").matcher(line);
        if (m.find()) {
          long v = Long.parseLong(m.group(1));
          total += switch (m.group(2)) {
            case "G" -> v << 30;
            case "M" -> v << 20;
            default -> v << 10;
          };
          found = true;
        }
      }
      if (!found) throw new IllegalStateException("no heap figure from jcmd GC.heap_info for " + pid);
      return total;
    } catch (Exception e) {
      throw new IllegalStateException("could not read the heap of process " + pid, e);
    }
  }

  private static List<String> run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
    return lines;
  }
}
