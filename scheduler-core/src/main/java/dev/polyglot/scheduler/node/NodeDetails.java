package dev.polyglot.scheduler.node;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.polyglot.scheduler.api.NodeFacts;
import java.util.List;

/**
 * The part of an admin API NodeDetail (spec/BEHAVIOUR.md §14) that a summary does not carry, from the node's state:
 * what it last reported (hardware, services, capabilities, languages, models, metrics), its health, its live attempts
 * and its last 20 status changes. Pure; the lists are written in the wire's snake_case.
 */
public final class NodeDetails {
  private NodeDetails() {}

  static final int HISTORY = 20;
  private static final JsonMapper JSON = JsonMapper.builder()
      .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .serializationInclusion(JsonInclude.Include.NON_NULL).build();

  /** The summary with the extras, as {@link NodeEntity.GetDetail} answers. */
  static NodeEntity.Detail detail(NodeState s) {
    return new NodeEntity.Detail(NodeNews.summary(s), extras(s));
  }

  public static ObjectNode extras(NodeState s) {
    ObjectNode o = JSON.createObjectNode();
    NodeFacts f = s.facts();
    if (f != null) {
      o.set("hardware", JSON.valueToTree(f.hardware()));
      o.set("installed_services", JSON.valueToTree(f.installedServices()));
      o.set("capability_by_type", JSON.valueToTree(f.capabilityByType()));
      o.set("language_capabilities", JSON.valueToTree(f.languageCapabilities()));
      o.set("installed_models", JSON.valueToTree(f.installedModels()));
      if (f.metrics() != null) o.set("metrics", f.metrics());
    }
    ObjectNode health = o.putObject("health");
    health.put("healthy", s.healthReasons().isEmpty());
    ArrayNode reasons = health.putArray("reasons");
    s.healthReasons().forEach(reasons::add);
    health.put("consecutive_unhealthy", s.consecutiveUnhealthy());
    ArrayNode live = o.putArray("live_attempts");
    s.reservations().values().stream()
        .sorted(java.util.Comparator.comparing(NodeState.Reservation::jobId).thenComparing(NodeState.Reservation::attemptId))
        .forEach(r -> {
          ObjectNode a = live.addObject();
          a.put("job_id", r.jobId());
          a.put("attempt_id", r.attemptId());
          a.put("session_id", r.sessionId());
          a.put("utterance_index", r.utteranceIndex());
          a.put("dispatched", r.dispatched());
          if (r.dispatched()) a.put("dispatched_at_ms", r.dispatchedAtMs());
        });
    ArrayNode history = o.putArray("status_history");
    List<NodeState.Transition> h = s.history();
    for (NodeState.Transition t : h.subList(Math.max(0, h.size() - HISTORY), h.size())) {
      ObjectNode e = history.addObject();
      e.put("from", t.from() == null ? null : t.from().wire());
      e.put("to", t.to().wire());
      e.put("reason", t.reason());
      e.put("at_ms", t.atMs());
    }
    return o;
  }
}
