package dev.polyglot.scheduler.layout;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.polyglot.scheduler.api.ClusterMessage;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;

/**
 * The package layout of docs/ARCHITECTURE.md, checked on the compiled production classes: dependencies run one way
 * ({@code api} at the bottom, {@code bootstrap} at the top), no package cycle, and no actor protocol carries a wire
 * frame. A new import that breaks the layout fails the build here, naming the offending class and dependency.
 */
@AnalyzeClasses(packages = "dev.polyglot.scheduler", importOptions = ImportOption.DoNotIncludeTests.class)
class LayoutTest {

  private static final String ROOT = "dev.polyglot.scheduler";

  @ArchTest
  static final ArchRule noPackageCycles = slices().matching(ROOT + ".(*)..").should().beFreeOfCycles();

  @ArchTest
  static final ArchRule apiDependsOnNothingOfOurs = noClasses().that().resideInAPackage(ROOT + ".api..")
      .should().dependOnClassesThat(ourClassesOutsideApi());

  @ArchTest
  static final ArchRule nothingImportsBootstrap = noClasses().that().resideOutsideOfPackage(ROOT + ".bootstrap..")
      .should().dependOnClassesThat().resideInAPackage(ROOT + ".bootstrap..");

  /** Every package may use only the layers below it; a port interface owned by the lower layer turns a call upwards. */
  @ArchTest
  static final ArchRule layers = layeredArchitecture().consideringOnlyDependenciesInAnyPackage(ROOT + "..")
      .layer("api").definedBy(ROOT + ".api..")
      .layer("wire").definedBy(ROOT + ".wire..")
      .layer("config").definedBy(ROOT + ".config..")
      .layer("ops").definedBy(ROOT + ".ops..")
      .layer("store").definedBy(ROOT + ".store..")
      .layer("edge").definedBy(ROOT + ".edge..")
      .layer("pool").definedBy(ROOT + ".pool..")
      .layer("node").definedBy(ROOT + ".node..")
      .layer("dispatch").definedBy(ROOT + ".dispatch..")
      .layer("room").definedBy(ROOT + ".room..")
      .layer("session").definedBy(ROOT + ".session..")
      .layer("bootstrap").definedBy(ROOT + ".bootstrap..")
      .whereLayer("api").mayNotAccessAnyLayer()
      .whereLayer("wire").mayOnlyAccessLayers("api")
      .whereLayer("config").mayOnlyAccessLayers("api")
      .whereLayer("ops").mayOnlyAccessLayers("api", "config")
      .whereLayer("store").mayOnlyAccessLayers("api", "config")
      .whereLayer("edge").mayOnlyAccessLayers("api", "config", "ops", "wire")
      .whereLayer("pool").mayOnlyAccessLayers("api", "config", "ops")
      .whereLayer("node").mayOnlyAccessLayers("api", "config", "ops", "wire", "edge", "store", "pool")
      .whereLayer("dispatch").mayOnlyAccessLayers("api", "config", "ops", "pool", "node")
      .whereLayer("room").mayOnlyAccessLayers("api", "config", "ops", "store")
      .whereLayer("session").mayOnlyAccessLayers("api", "config", "ops", "wire", "edge", "store", "pool", "node",
          "dispatch", "room")
      .whereLayer("bootstrap").mayNotBeAccessedByAnyLayer();

  /** What crosses actors or instances carries api values, never a wire frame: the sockets translate at the edge. */
  @ArchTest
  static final ArchRule noWireRecordsInClusterMessages = noClasses().that().areAssignableTo(ClusterMessage.class)
      .should().dependOnClassesThat().resideInAPackage(ROOT + ".wire..");

  /** The same for every message an entity or the dispatcher receives (nested in the actor that owns the protocol). */
  @ArchTest
  static final ArchRule noWireRecordsInEntityProtocols = noClasses().that(nestedIn(entityActors()))
      .should().dependOnClassesThat().resideInAPackage(ROOT + ".wire..");

  private static DescribedPredicate<JavaClass> ourClassesOutsideApi() {
    return DescribedPredicate.describe("classes of ours outside api",
        c -> c.getPackageName().startsWith(ROOT) && !c.getPackageName().startsWith(ROOT + ".api"));
  }

  /** The actors that own state behind a protocol: every actor except the two sockets (which speak the wire). */
  private static DescribedPredicate<JavaClass> entityActors() {
    return DescribedPredicate.describe("entity actors",
        c -> c.isAssignableTo(AbstractBehavior.class) && !c.getSimpleName().endsWith("Socket"));
  }

  private static DescribedPredicate<JavaClass> nestedIn(DescribedPredicate<JavaClass> outer) {
    return DescribedPredicate.describe("nested in " + outer.getDescription(),
        c -> c.getEnclosingClass().map(outer::test).orElse(false));
  }
}
