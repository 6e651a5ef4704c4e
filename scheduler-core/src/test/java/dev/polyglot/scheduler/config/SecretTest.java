package dev.polyglot.scheduler.config;

import static org.junit.jupiter.api.Assertions.*;

import dev.polyglot.scheduler.testkit.TestSettings;
import org.junit.jupiter.api.Test;

class SecretTest {

  @Test
  void matchesOnlyTheConfiguredValue() {
    Secret s = new Secret("s3cret-token");
    assertTrue(s.matches("s3cret-token"));
    assertFalse(s.matches("s3cret-toke"));
    assertFalse(s.matches("s3cret-token "));
    assertFalse(s.matches(""));
    assertFalse(s.matches(null));
  }

  @Test
  void anUnsetSecretMatchesNothingNotEvenTheEmptyString() {
    Secret s = new Secret("");
    assertFalse(s.isSet());
    assertFalse(s.matches(""));
  }

  @Test
  void neverPrintsItsValueNotEvenInsideTheSettings() {
    SchedulerSettings settings = TestSettings.with("scheduler.nodes.token = \"hunter2\"\nscheduler.http.api-token = \"hunter3\"");
    assertTrue(settings.nodes().token().matches("hunter2"));
    assertTrue(settings.http().apiToken().matches("hunter3"));
    assertFalse(settings.toString().contains("hunter2"), settings.toString());
    assertFalse(settings.toString().contains("hunter3"));
  }
}
