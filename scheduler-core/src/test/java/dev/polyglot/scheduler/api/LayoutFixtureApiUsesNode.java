package dev.polyglot.scheduler.api;

/** A deliberate layout violation (api importing an actor package) that LayoutRulesCanFailTest must catch. */
final class LayoutFixtureApiUsesNode {
  dev.polyglot.scheduler.node.NodeEntity.Command command;
}
