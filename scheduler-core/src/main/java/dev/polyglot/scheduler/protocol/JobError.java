package dev.polyglot.scheduler.protocol;
import com.fasterxml.jackson.databind.JsonNode;
public record JobError(String code, String message, JsonNode details) {}
