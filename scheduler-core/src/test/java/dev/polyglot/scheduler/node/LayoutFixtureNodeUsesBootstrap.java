package dev.polyglot.scheduler.node;

/** A deliberate layout violation (an actor package importing bootstrap: also a cycle) for LayoutRulesCanFailTest. */
final class LayoutFixtureNodeUsesBootstrap {
  dev.polyglot.scheduler.bootstrap.Entities entities;
}
