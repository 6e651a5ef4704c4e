package dev.polyglot.scheduler.room;

import static org.junit.jupiter.api.Assertions.*;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The scheduler.rooms block of reference.conf (spec/BEHAVIOUR.md §16). */
class RoomSettingsTest {

  @Test
  void theReferenceConfigurationGivesThirtyMinutesOneMinuteSweepsAndTwoSecondAsks() {
    RoomSettings s = RoomSettings.fromConfig(ConfigFactory.defaultReference().getConfig("scheduler.rooms"));
    assertEquals(new RoomSettings(Duration.ofMinutes(30), Duration.ofSeconds(60), Duration.ofSeconds(2)), s);
    assertEquals(RoomSettings.DEFAULT, s);
  }

  @Test
  void keysAreReadAndAMissingOneTakesItsDefault() {
    RoomSettings s = RoomSettings.fromConfig(ConfigFactory.parseString("expiry = 90s\nscan-interval = 5s"));
    assertEquals(new RoomSettings(Duration.ofSeconds(90), Duration.ofSeconds(5), Duration.ofSeconds(2)), s);
  }

  @Test
  void aZeroOrNegativeDurationIsRefusedNamingItsKey() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> RoomSettings.fromConfig(ConfigFactory.parseString("scan-interval = 0s")));
    assertTrue(e.getMessage().contains("scheduler.rooms.scan-interval"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> new RoomSettings(Duration.ofMinutes(-1), Duration.ofSeconds(1), Duration.ofSeconds(1)));
  }
}
