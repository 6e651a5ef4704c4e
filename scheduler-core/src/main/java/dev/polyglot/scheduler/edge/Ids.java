package dev.polyglot.scheduler.edge;

import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/** Identifier formats of PROTOCOL.md §3. */
public final class Ids {
  private Ids() {}

  public static String nodeId() {
    return "node-" + hex8();
  }

  public static String sessionId() {
    return "s-" + hex8();
  }

  public static String jobId() {
    return "job-" + UUID.randomUUID();
  }

  public static String uuid() {
    return UUID.randomUUID().toString();
  }

  private static String hex8() {
    return String.format(Locale.ROOT, "%08X", ThreadLocalRandom.current().nextInt());
  }
}
