package dev.polyglot.scheduler.node;

import dev.polyglot.scheduler.api.ClusterMessage;
import dev.polyglot.scheduler.wire.ErrorFrame;

/** A deliberate layout violation (a wire frame inside a cluster message) for LayoutRulesCanFailTest. */
record LayoutFixtureWireInMessage(ErrorFrame frame) implements ClusterMessage {}
