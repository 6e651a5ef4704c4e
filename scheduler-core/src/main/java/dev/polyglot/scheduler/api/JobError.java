package dev.polyglot.scheduler.api;


import com.fasterxml.jackson.databind.JsonNode;

/** A node's job failure: {@code code} and {@code message} required, {@code details} any JSON. */
public record JobError(String code, String message, JsonNode details) {

  public JobError {
    details = Norm.json(details);
  }
}
