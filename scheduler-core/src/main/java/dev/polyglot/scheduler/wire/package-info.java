/**
 * The wire contract of PROTOCOL.md (lingua's node agent and web client): the frames a node or a client sends and
 * receives ({@link dev.polyglot.scheduler.wire.NodeInbound}, {@link dev.polyglot.scheduler.wire.NodeOutbound},
 * {@link dev.polyglot.scheduler.wire.SessionInbound}, {@link dev.polyglot.scheduler.wire.SessionOutbound},
 * {@link dev.polyglot.scheduler.wire.ErrorFrame}), the {@link dev.polyglot.scheduler.wire.WireCodec} that decodes
 * them by the input rules and the caps of {@link dev.polyglot.scheduler.wire.InputLimits} into {@code api} values,
 * and {@link dev.polyglot.scheduler.api.WireDialect}, how each generation of the node agent reads the cut flags of
 * {@code job_assign}. Depends on {@code api} only.
 *
 * <p>Promises: a message over a cap or against a rule is refused whole with {@code INVALID_MESSAGE} naming the field,
 * and nothing of it reaches an actor. Only the sockets use these frames; no actor protocol carries one (ArchUnit,
 * {@code LayoutTest}). Immutable, no actors: nothing to lose.
 */
package dev.polyglot.scheduler.wire;
