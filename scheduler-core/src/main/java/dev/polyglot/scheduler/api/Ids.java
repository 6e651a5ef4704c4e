package dev.polyglot.scheduler.api;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/** Identifier formats of PROTOCOL.md §3. */
public final class Ids {
  private Ids() {}

  /** Session ids are unguessable: a recovered session adopts the connection of whoever names it first. */
  private static final SecureRandom SESSION_RANDOM = new SecureRandom();
  private static final HexFormat HEX = HexFormat.of().withUpperCase();

  public static String nodeId() {
    return "node-" + hex8();
  }

  /**
   * {@code s-} + 32 upper-case hex digits: 128 bits from a {@link SecureRandom}, so ids neither collide (which would
   * let a new session adopt another user's recovered one) nor can be guessed (spec §3 said 8 digits; peers treat ids
   * as opaque strings).
   */
  public static String sessionId() {
    byte[] b = new byte[16];
    SESSION_RANDOM.nextBytes(b);
    return "s-" + HEX.formatHex(b);
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
