package dev.polyglot.scheduler.layout;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import org.junit.jupiter.api.Test;

/**
 * LayoutTest's rules fail when the layout is broken: the test sources hold deliberate violations (the
 * {@code LayoutFixture*} classes), which LayoutTest does not import; here they are imported with the production
 * classes, and each rule must name its fixture.
 */
class LayoutRulesCanFailTest {
  /**
   * The production classes and the fixtures, nothing else of the test sources: the other test classes make package
   * cycles of their own (through testkit), and ArchUnit reports only the first {@code cycles.maxNumberToDetect}
   * cycles, in an order that depends on the class files found, so with them the fixture's cycle could go unreported.
   */
  private static final JavaClasses WITH_FIXTURES = new ClassFileImporter()
      .withImportOption(location -> !location.contains("/test-classes/") || location.contains("/LayoutFixture"))
      .importPackages("dev.polyglot.scheduler");

  private static void assertCaught(ArchRule rule, String fixture) {
    EvaluationResult r = rule.evaluate(WITH_FIXTURES);
    assertTrue(r.hasViolation() && r.getFailureReport().toString().contains(fixture),
        () -> "rule should have caught " + fixture + ": " + rule.getDescription());
  }

  @Test
  void apiImportingAnActorPackageFails() {
    assertCaught(LayoutTest.apiDependsOnNothingOfOurs, "LayoutFixtureApiUsesNode");
    assertCaught(LayoutTest.layers, "LayoutFixtureApiUsesNode");
  }

  @Test
  void importingBootstrapFails() {
    assertCaught(LayoutTest.nothingImportsBootstrap, "LayoutFixtureNodeUsesBootstrap");
    assertCaught(LayoutTest.layers, "LayoutFixtureNodeUsesBootstrap");
  }

  @Test
  void aPackageCycleFails() {
    assertCaught(LayoutTest.noPackageCycles, "LayoutFixtureNodeUsesBootstrap");
  }

  @Test
  void aWireFrameInAClusterMessageFails() {
    assertCaught(LayoutTest.noWireRecordsInClusterMessages, "LayoutFixtureWireInMessage");
  }

  @Test
  void aWireFrameInAnEntityProtocolFails() {
    assertCaught(LayoutTest.noWireRecordsInEntityProtocols, "LayoutFixtureEntity$Frame");
  }
}
