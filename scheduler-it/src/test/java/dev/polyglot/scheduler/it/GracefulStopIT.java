package dev.polyglot.scheduler.it;

import org.junit.jupiter.api.Test;

/** SIGTERM of the instance hosting the sessions under load: coordinated shutdown hands them over, zero lost jobs. */
class GracefulStopIT extends InstanceLossScenario {
  @Override
  void lose(SchedulerProcess victim) {
    victim.terminate();
  }

  @Override
  String how() {
    return "SIGTERM";
  }

  @Test
  void stoppingTheInstanceHostingTheSessionsGracefullyLosesNoJob() throws Exception {
    runScenario();
  }
}
