package dev.polyglot.scheduler.room;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The {@code scheduler.rooms} block (spec/BEHAVIOUR.md §16), read once.
 *
 * @param expiry       a room without a delivered result for this long is expired ({@code room_expired}) and deleted
 * @param scanInterval each room checks its expiry this often (so a room expires between {@code expiry} and
 *                     {@code expiry + scanInterval} after its last delivered result)
 * @param askTimeout   the timeout of every ask to a room entity (create claims, join, leave, preference, fan-out
 *                     and member queries)
 */
public record RoomSettings(Duration expiry, Duration scanInterval, Duration askTimeout) {
  public RoomSettings {
    positive(expiry, "expiry");
    positive(scanInterval, "scan-interval");
    positive(askTimeout, "ask-timeout");
  }

  public static final RoomSettings DEFAULT =
      new RoomSettings(Duration.ofMinutes(30), Duration.ofSeconds(60), Duration.ofSeconds(2));

  /** From the {@code scheduler.rooms} section; a missing key takes its default. */
  public static RoomSettings fromConfig(Config rooms) {
    return new RoomSettings(
        rooms.hasPath("expiry") ? rooms.getDuration("expiry") : DEFAULT.expiry(),
        rooms.hasPath("scan-interval") ? rooms.getDuration("scan-interval") : DEFAULT.scanInterval(),
        rooms.hasPath("ask-timeout") ? rooms.getDuration("ask-timeout") : DEFAULT.askTimeout());
  }

  private static void positive(Duration d, String key) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("scheduler.rooms." + key + " must be positive: " + d);
    }
  }
}
