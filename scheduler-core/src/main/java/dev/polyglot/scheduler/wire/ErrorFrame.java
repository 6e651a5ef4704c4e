package dev.polyglot.scheduler.wire;

import dev.polyglot.scheduler.api.Norm;

import com.fasterxml.jackson.annotation.JsonTypeName;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The {@code error} frame, on both sockets (§6.10, §7.10): {@code code} and {@code message}
 * always, {@code details} and {@code trace_id} only when set.
 */
@JsonTypeName("error")
public record ErrorFrame(String code, String message, JsonNode details, String traceId)
    implements NodeOutbound, SessionOutbound {

  public ErrorFrame {
    details = Norm.json(details);
  }

  public static ErrorFrame of(String code, String message) {
    return new ErrorFrame(code, message, null, null);
  }
}
