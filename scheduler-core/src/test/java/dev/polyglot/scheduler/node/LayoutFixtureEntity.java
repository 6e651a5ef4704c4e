package dev.polyglot.scheduler.node;

import dev.polyglot.scheduler.wire.ErrorFrame;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Receive;

/** A deliberate layout violation (an entity whose protocol carries a wire frame) for LayoutRulesCanFailTest. */
final class LayoutFixtureEntity extends AbstractBehavior<LayoutFixtureEntity.Command> {
  interface Command {}

  record Frame(ErrorFrame frame) implements Command {}

  private LayoutFixtureEntity(ActorContext<Command> ctx) {
    super(ctx);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder().build();
  }
}
