package dev.polyglot.scheduler.job;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.polyglot.scheduler.cluster.ClusterMessage;
import dev.polyglot.scheduler.dispatch.Dispatcher;
import dev.polyglot.scheduler.node.NodeEntity;

/**
 * A message for a SessionEntity from a node or a dispatcher. It is delivered through sharding by session id
 * (never to a remembered ActorRef), so it reaches the session wherever it lives now.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "@type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = Dispatcher.Placed.class, name = "placed"),
    @JsonSubTypes.Type(value = Dispatcher.NoEligible.class, name = "no-eligible"),
    @JsonSubTypes.Type(value = Dispatcher.Queued.class, name = "queued"),
    @JsonSubTypes.Type(value = Dispatcher.QueueFull.class, name = "queue-full"),
    @JsonSubTypes.Type(value = NodeEntity.AttemptDispatched.class, name = "attempt-dispatched"),
    @JsonSubTypes.Type(value = NodeEntity.AttemptLost.class, name = "attempt-lost"),
    @JsonSubTypes.Type(value = NodeEntity.ResultReceived.class, name = "result-received"),
    @JsonSubTypes.Type(value = NodeEntity.PartialReceived.class, name = "partial-received"),
    @JsonSubTypes.Type(value = NodeEntity.AckReceived.class, name = "ack-received")})
public interface SessionBound extends ClusterMessage {
  String jobId();
}
