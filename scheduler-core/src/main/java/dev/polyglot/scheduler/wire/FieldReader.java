package dev.polyglot.scheduler.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Hand-mapping accessor over one JSON object, applying the §4.1 input rules. A bad optional field
 * is recorded in the shared ignored list and read as null; a bad required field throws
 * {@link Reject}. Paths are dotted, with {@code [i]} for array elements.
 *
 * <p>Every string, list, number and pass-through value is also held to its {@link InputLimits} cap: a value over it
 * (required or optional) rejects the whole message naming the field, never silently truncated or dropped.
 */
final class FieldReader {

  /** A rejected field. {@code droppable} problems only drop an enclosing optional object/element. */
  static final class Reject extends RuntimeException {
    final boolean droppable;

    Reject(String detail, boolean droppable) {
      super(detail, null, false, false);
      this.droppable = droppable;
    }
  }

  private final ObjectNode node;
  private final String prefix;
  private final List<String> ignored;
  private final InputLimits limits;

  FieldReader(ObjectNode node, String prefix, List<String> ignored, InputLimits limits) {
    this.node = node;
    this.prefix = prefix;
    this.ignored = ignored;
    this.limits = limits;
  }

  InputLimits limits() {
    return limits;
  }

  private FieldReader child(ObjectNode n, String path) {
    return new FieldReader(n, path, ignored, limits);
  }

  private static Reject over(String path, String why) {
    return new Reject("field " + path + ": " + why, false);
  }

  String path(String name) {
    return prefix.isEmpty() ? name : prefix + "." + name;
  }

  private JsonNode raw(String name) {
    JsonNode v = node.get(name);
    return v == null || v.isNull() ? null : v;
  }

  private JsonNode req(String name) {
    JsonNode v = raw(name);
    if (v == null) {
      throw new Reject("missing field " + path(name), true);
    }
    return v;
  }

  private static Reject wrong(String path, String expected) {
    return new Reject("field " + path + ": expected " + expected, true);
  }

  private <T> T ignore(String name) {
    ignored.add(path(name));
    return null;
  }

  // ---- strings

  String reqString(String name, InputLimits.Kind kind) {
    JsonNode v = req(name);
    if (!v.isTextual()) throw wrong(path(name), "a string");
    return capped(path(name), v.textValue(), kind);
  }

  String optString(String name, InputLimits.Kind kind) {
    JsonNode v = raw(name);
    if (v == null) return null;
    return v.isTextual() ? capped(path(name), v.textValue(), kind) : ignore(name);
  }

  /** The string itself when it is within its kind's cap; else the message is rejected naming {@code path}. */
  private String capped(String path, String s, InputLimits.Kind kind) {
    int max = limits.maxChars(kind);
    if (s.length() > max) throw over(path, "longer than " + max + " characters");
    String bad = InputLimits.badCharacter(s, kind);
    if (bad != null) throw over(path, bad);
    return s;
  }

  private void entries(String path, JsonNode array, int max) {
    if (array.size() > max) throw over(path, "more than " + max + " entries");
  }

  // ---- booleans

  boolean reqBool(String name) {
    JsonNode v = req(name);
    if (!v.isBoolean()) throw wrong(path(name), "a boolean");
    return v.booleanValue();
  }

  Boolean optBool(String name) {
    JsonNode v = raw(name);
    if (v == null) return null;
    return v.isBoolean() ? v.booleanValue() : ignore(name);
  }

  boolean optBool(String name, boolean dflt) {
    Boolean b = optBool(name);
    return b == null ? dflt : b;
  }

  // ---- numbers

  /** Integral value of v, or null if v is not an integral number within [0, max]. Rejects negatives. */
  private Long integral(JsonNode v, String name, long max) {
    if (!v.isNumber()) return null;
    long value;
    if (v.isIntegralNumber()) {
      if (!v.canConvertToLong()) {
        if (v.bigIntegerValue().signum() < 0) throw new Reject("field " + path(name) + ": must not be negative", false);
        return null;
      }
      value = v.longValue();
    } else {
      double d = v.doubleValue();
      if (d != Math.rint(d) || Double.isInfinite(d) || Math.abs(d) > 9.0e15) return null;
      value = (long) d;
    }
    if (value < 0) throw new Reject("field " + path(name) + ": must not be negative", false);
    return value > max ? null : value;
  }

  int reqInt(String name) {
    Long l = integral(req(name), name, Integer.MAX_VALUE);
    if (l == null) throw wrong(path(name), "an integer");
    return l.intValue();
  }

  Integer optInt(String name) {
    JsonNode v = raw(name);
    if (v == null) return null;
    Long l = integral(v, name, Integer.MAX_VALUE);
    return l == null ? ignore(name) : Integer.valueOf(l.intValue());
  }

  Long optLong(String name) {
    JsonNode v = raw(name);
    if (v == null) return null;
    Long l = integral(v, name, Long.MAX_VALUE);
    return l == null ? ignore(name) : l;
  }

  double reqDouble(String name) {
    JsonNode v = req(name);
    if (!v.isNumber()) throw wrong(path(name), "a number");
    return finite(path(name), v.doubleValue());
  }

  Double optDouble(String name) {
    JsonNode v = raw(name);
    if (v == null) return null;
    return v.isNumber() ? Double.valueOf(finite(path(name), v.doubleValue())) : ignore(name);
  }

  /** JSON allows {@code 1e400}, which is Infinity as a double: refused, so no JSON we write carries Infinity. */
  private static double finite(String path, double d) {
    if (!Double.isFinite(d)) throw over(path, "must be a finite number");
    return d;
  }

  // ---- raw JSON

  /** Any non-null JSON value, passed through (within the pass-through caps). */
  JsonNode reqJson(String name) {
    return passThrough(path(name), req(name));
  }

  JsonNode optJson(String name) {
    JsonNode v = raw(name);
    return v == null ? null : passThrough(path(name), v);
  }

  /** An optional value that must be a JSON object (kept as a tree). */
  JsonNode optJsonObject(String name) {
    JsonNode v = raw(name);
    if (v == null) return null;
    return v.isObject() ? passThrough(path(name), v) : ignore(name);
  }

  /** An optional value that must be a JSON array (kept as a tree). */
  JsonNode optJsonArray(String name) {
    JsonNode v = raw(name);
    if (v == null) return null;
    return v.isArray() ? passThrough(path(name), v) : ignore(name);
  }

  /**
   * A pass-through tree is kept and shown as it came: at most {@code maxJsonValues} values, its strings and keys
   * {@link InputLimits.Kind#TEXT}, its numbers finite. Nesting is already bounded by the parser (64 levels).
   */
  private JsonNode passThrough(String path, JsonNode tree) {
    int[] count = {0};
    walk(path, tree, count);
    return tree;
  }

  private void walk(String path, JsonNode n, int[] count) {
    if (++count[0] > limits.maxJsonValues()) throw over(path, "more than " + limits.maxJsonValues() + " JSON values");
    if (n.isTextual()) {
      capped(path, n.textValue(), InputLimits.Kind.TEXT);
    } else if (n.isNumber()) {
      if (n.isFloatingPointNumber() && !n.isBigDecimal()) finite(path, n.doubleValue());
    } else if (n.isArray()) {
      for (JsonNode e : n) walk(path, e, count);
    } else if (n.isObject()) {
      for (var e : n.properties()) {
        capped(path, e.getKey(), InputLimits.Kind.TEXT);
        walk(path, e.getValue(), count);
      }
    }
  }

  // ---- base64

  /**
   * Decoded base64 (standard alphabet) of at most {@code maxBytes} bytes; "" is zero bytes. A text too long to be
   * within the cap is refused before it is decoded.
   */
  byte[] reqBase64(String name, int maxBytes) {
    JsonNode v = req(name);
    if (!v.isTextual()) throw wrong(path(name), "a string");
    String s = v.textValue();
    if (s.length() > 4L * ((maxBytes + 2L) / 3)) throw over(path(name), "larger than " + maxBytes + " bytes");
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(s);
    } catch (IllegalArgumentException e) {
      throw new Reject("field " + path(name) + ": invalid base64", false);
    }
    if (bytes.length > maxBytes) throw over(path(name), "larger than " + maxBytes + " bytes");
    return bytes;
  }

  // ---- objects and arrays

  <T> T reqObject(String name, Function<FieldReader, T> f) {
    JsonNode v = req(name);
    if (!v.isObject()) throw wrong(path(name), "an object");
    return f.apply(child((ObjectNode) v, path(name)));
  }

  /** Optional object; if it is not an object or lacks one of its own req fields, it is ignored. */
  <T> T optObject(String name, Function<FieldReader, T> f) {
    JsonNode v = raw(name);
    if (v == null) return null;
    if (!v.isObject()) return ignore(name);
    try {
      return f.apply(child((ObjectNode) v, path(name)));
    } catch (Reject r) {
      if (!r.droppable) throw r;
      return ignore(name);
    }
  }

  /**
   * Optional array of objects, at most {@code maxEntries}; bad elements are dropped (their path recorded), the rest
   * kept.
   */
  <T> List<T> optList(String name, int maxEntries, Function<FieldReader, T> f) {
    JsonNode v = raw(name);
    if (v == null) return null;
    if (!v.isArray()) return ignore(name);
    entries(path(name), v, maxEntries);
    List<T> out = new ArrayList<>(v.size());
    for (int i = 0; i < v.size(); i++) {
      String p = path(name) + "[" + i + "]";
      JsonNode e = v.get(i);
      if (!e.isObject()) {
        ignored.add(p);
        continue;
      }
      try {
        out.add(f.apply(child((ObjectNode) e, p)));
      } catch (Reject r) {
        if (!r.droppable) throw r;
        ignored.add(p);
      }
    }
    return out;
  }

  /** Optional array of at most {@code maxEntries} strings of one kind; non-string elements are dropped. */
  List<String> optStrings(String name, InputLimits.Kind kind, int maxEntries) {
    JsonNode v = raw(name);
    if (v == null) return null;
    if (!v.isArray()) return ignore(name);
    entries(path(name), v, maxEntries);
    List<String> out = new ArrayList<>(v.size());
    for (int i = 0; i < v.size(); i++) {
      JsonNode e = v.get(i);
      String p = path(name) + "[" + i + "]";
      if (e.isTextual()) out.add(capped(p, e.textValue(), kind));
      else ignored.add(p);
    }
    return out;
  }

  /**
   * Optional object of string to number, at most {@code maxListEntries} entries, keys {@link InputLimits.Kind#NAME};
   * non-number entries are dropped.
   */
  Map<String, Double> optDoubleMap(String name) {
    JsonNode v = raw(name);
    if (v == null) return null;
    if (!v.isObject()) return ignore(name);
    entries(path(name), v, limits.maxListEntries());
    Map<String, Double> out = new LinkedHashMap<>();
    v.properties().forEach(e -> {
      String p = path(name) + "." + capped(path(name), e.getKey(), InputLimits.Kind.NAME);
      if (e.getValue().isNumber()) out.put(e.getKey(), finite(p, e.getValue().doubleValue()));
      else ignored.add(p);
    });
    return out;
  }
}
