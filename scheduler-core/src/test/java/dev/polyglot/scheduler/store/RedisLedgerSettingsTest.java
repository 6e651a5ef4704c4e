package dev.polyglot.scheduler.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class RedisLedgerSettingsTest {

  @Test
  void the_reference_configuration_gives_a_local_redis_a_500_ms_command_timeout_and_the_lingua_prefix() {
    RedisLedger.Settings s = RedisLedger.Settings.fromConfig(ConfigFactory.load().getConfig("scheduler.redis"));
    assertEquals(new RedisLedger.Settings("redis://127.0.0.1:6379", Duration.ofMillis(500), "lingua"), s);
  }

  @Test
  void a_missing_key_prefix_defaults_to_lingua() {
    RedisLedger.Settings s = RedisLedger.Settings.fromConfig(
        ConfigFactory.parseString("uri = \"redis://10.0.0.1:6380/2\"\ncommand-timeout = 250ms"));
    assertEquals(new RedisLedger.Settings("redis://10.0.0.1:6380/2", Duration.ofMillis(250), "lingua"), s);
  }

  @Test
  void a_zero_command_timeout_or_a_blank_prefix_is_refused() {
    assertThrows(IllegalArgumentException.class,
        () -> new RedisLedger.Settings("redis://127.0.0.1:6379", Duration.ZERO, "lingua"));
    assertThrows(IllegalArgumentException.class,
        () -> new RedisLedger.Settings("redis://127.0.0.1:6379", Duration.ofMillis(500), " "));
  }
}
