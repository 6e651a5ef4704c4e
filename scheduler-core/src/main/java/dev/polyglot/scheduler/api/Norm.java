package dev.polyglot.scheduler.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Small normalisation helpers used by the records' compact constructors. */
public final class Norm {
  private Norm() {}

  public static String lower(String s) {
    return s == null ? null : s.toLowerCase(Locale.ROOT);
  }

  public static List<String> lowerAll(List<String> l) {
    return l == null ? null : l.stream().map(Norm::lower).toList();
  }

  public static <T> List<T> copy(List<T> l) {
    return l == null ? null : List.copyOf(l);
  }

  public static <K, V> Map<K, V> copy(Map<K, V> m) {
    return m == null ? null : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(m));
  }

  /** JSON {@code null} equals absent: a NullNode/MissingNode becomes Java null. */
  public static JsonNode json(JsonNode n) {
    return n == null || n.isNull() || n.isMissingNode() ? null : n;
  }

  /** Sends a boolean flag only when true. */
  public static Boolean onlyTrue(Boolean b) {
    return Boolean.TRUE.equals(b) ? Boolean.TRUE : null;
  }
}
