package dev.polyglot.scheduler.node;

import dev.polyglot.scheduler.api.NodeFacts;
import java.util.function.BooleanSupplier;

/**
 * An untrusted connection's claim to the id of a node whose live connection is still there, as an immutable value:
 * at most one claim waits at a time. It could be the agent itself after a reconnect whose old connection is dead but
 * not yet closed, or someone who read the id from {@code /api/v1/cluster}: the live connection heartbeating meanwhile
 * proves it alive and the claim is refused; a silent one is taken over when {@code nodes.takeover-wait} has passed, a
 * closed one at once, and one whose instance is lost to the cluster at once.
 *
 * @param <S> how a connection is named (the socket's ActorRef in the entity)
 */
final class Takeover<S> {

  /** What a claim comes to. */
  enum Claimed {
    /** another connection already waits: this one is refused at once */
    REFUSED,
    /** the live connection's instance is lost: the claimant takes over now */
    TAKES_OVER,
    /** the first claim: it waits for the live connection to prove itself (start the wait) */
    WAITS,
    /** the waiting claimant registered again: its newer facts are kept */
    STILL_WAITS
  }

  record Step<S>(Takeover<S> next, Claimed claimed) {}

  private static final Takeover<?> NONE = new Takeover<>(null, null);

  private final S claimant;
  private final NodeFacts facts;

  private Takeover(S claimant, NodeFacts facts) {
    this.claimant = claimant;
    this.facts = facts;
  }

  @SuppressWarnings("unchecked")
  static <S> Takeover<S> none() {
    return (Takeover<S>) NONE;
  }

  /** {@code s} claims the id while a live connection holds it; {@code liveLost}: that connection's instance is gone. */
  Step<S> claim(S s, NodeFacts f, BooleanSupplier liveLost) {
    if (claimant != null && !claimant.equals(s)) return new Step<>(this, Claimed.REFUSED);
    if (claimant == null && liveLost.getAsBoolean()) return new Step<>(this, Claimed.TAKES_OVER);
    return new Step<>(new Takeover<>(s, f), claimant == null ? Claimed.WAITS : Claimed.STILL_WAITS);
  }

  /** Whether a claim waits. */
  boolean waiting() {
    return claimant != null;
  }

  /** Whether a claim by another connection than {@code s} waits (it is refused when {@code s} registers). */
  boolean waitingOtherThan(S s) {
    return claimant != null && !claimant.equals(s);
  }

  boolean isClaimant(S s) {
    return claimant != null && claimant.equals(s);
  }

  /** The connection waiting, or null. */
  S claimant() {
    return claimant;
  }

  /** What the waiting connection registered with, or null. */
  NodeFacts facts() {
    return facts;
  }
}
