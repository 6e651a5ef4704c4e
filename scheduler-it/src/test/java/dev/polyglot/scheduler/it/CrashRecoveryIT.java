package dev.polyglot.scheduler.it;

import org.junit.jupiter.api.Test;

/** {@code kill -9} of the instance hosting the sessions: sessions restart elsewhere and continue from Redis. */
class CrashRecoveryIT extends InstanceLossScenario {
  @Override
  void lose(SchedulerProcess victim) {
    victim.kill();
  }

  @Override
  String how() {
    return "kill -9";
  }

  @Test
  void killingTheInstanceHostingTheSessionsLosesNoAcceptedUtterance() throws Exception {
    runScenario();
  }
}
