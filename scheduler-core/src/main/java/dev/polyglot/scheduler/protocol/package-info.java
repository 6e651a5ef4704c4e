/**
 * The wire contract of PROTOCOL.md (lingua's node agent and web client): the records of every message a node or a
 * client sends and receives ({@link dev.polyglot.scheduler.protocol.NodeInbound},
 * {@link dev.polyglot.scheduler.protocol.NodeOutbound}, {@link dev.polyglot.scheduler.protocol.SessionInbound},
 * {@link dev.polyglot.scheduler.protocol.SessionOutbound}, {@link dev.polyglot.scheduler.protocol.ErrorFrame} and their
 * parts), the {@link dev.polyglot.scheduler.protocol.WireCodec} that decodes them by the input rules and the caps of
 * {@link dev.polyglot.scheduler.protocol.InputLimits}, and {@link dev.polyglot.scheduler.protocol.WireDialect}, how each
 * generation of the node agent reads the cut flags of {@code job_assign}.
 *
 * <p>Promises: a message over a cap or against a rule is refused whole with {@code INVALID_MESSAGE} naming the field,
 * and nothing of it reaches an actor. Immutable, no actors. The sockets translate these records at the edge, though
 * some still ride inside actor messages ({@code NodeEntity.Heartbeat}, {@code JobOrder}, {@code NodeResult}); see
 * docs/ARCHITECTURE.md.
 */
package dev.polyglot.scheduler.protocol;
