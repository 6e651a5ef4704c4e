package dev.polyglot.scheduler.protocol;

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

  FieldReader(ObjectNode node, String prefix, List<String> ignored) {
    this.node = node;
    this.prefix = prefix;
    this.ignored = ignored;
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

  String reqString(String name) {
    JsonNode v = req(name);
    if (!v.isTextual()) throw wrong(path(name), "a string");
    return v.textValue();
  }

  String optString(String name) {
    JsonNode v = raw(name);
    if (v == null) return null;
    return v.isTextual() ? v.textValue() : ignore(name);
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
    return v.doubleValue();
  }

  Double optDouble(String name) {
    JsonNode v = raw(name);
    if (v == null) return null;
    return v.isNumber() ? Double.valueOf(v.doubleValue()) : ignore(name);
  }

  // ---- raw JSON

  /** Any non-null JSON value, passed through. */
  JsonNode reqJson(String name) {
    return req(name);
  }

  JsonNode optJson(String name) {
    return raw(name);
  }

  /** An optional value that must be a JSON object (kept as a tree). */
  JsonNode optJsonObject(String name) {
    JsonNode v = raw(name);
    if (v == null) return null;
    return v.isObject() ? v : ignore(name);
  }

  /** An optional value that must be a JSON array (kept as a tree). */
  JsonNode optJsonArray(String name) {
    JsonNode v = raw(name);
    if (v == null) return null;
    return v.isArray() ? v : ignore(name);
  }

  // ---- base64

  /** Decoded base64 (standard alphabet); "" is zero bytes. */
  byte[] reqBase64(String name) {
    String s = reqString(name);
    try {
      return Base64.getDecoder().decode(s);
    } catch (IllegalArgumentException e) {
      throw new Reject("field " + path(name) + ": invalid base64", false);
    }
  }

  // ---- objects and arrays

  <T> T reqObject(String name, Function<FieldReader, T> f) {
    JsonNode v = req(name);
    if (!v.isObject()) throw wrong(path(name), "an object");
    return f.apply(new FieldReader((ObjectNode) v, path(name), ignored));
  }

  /** Optional object; if it is not an object or lacks one of its own req fields, it is ignored. */
  <T> T optObject(String name, Function<FieldReader, T> f) {
    JsonNode v = raw(name);
    if (v == null) return null;
    if (!v.isObject()) return ignore(name);
    try {
      return f.apply(new FieldReader((ObjectNode) v, path(name), ignored));
    } catch (Reject r) {
      if (!r.droppable) throw r;
      return ignore(name);
    }
  }

  /** Optional array of objects; bad elements are dropped (their path recorded), the rest kept. */
  <T> List<T> optList(String name, Function<FieldReader, T> f) {
    JsonNode v = raw(name);
    if (v == null) return null;
    if (!v.isArray()) return ignore(name);
    List<T> out = new ArrayList<>(v.size());
    for (int i = 0; i < v.size(); i++) {
      String p = path(name) + "[" + i + "]";
      JsonNode e = v.get(i);
      if (!e.isObject()) {
        ignored.add(p);
        continue;
      }
      try {
        out.add(f.apply(new FieldReader((ObjectNode) e, p, ignored)));
      } catch (Reject r) {
        if (!r.droppable) throw r;
        ignored.add(p);
      }
    }
    return out;
  }

  /** Optional array of strings; non-string elements are dropped. */
  List<String> optStrings(String name) {
    JsonNode v = raw(name);
    if (v == null) return null;
    if (!v.isArray()) return ignore(name);
    List<String> out = new ArrayList<>(v.size());
    for (int i = 0; i < v.size(); i++) {
      JsonNode e = v.get(i);
      if (e.isTextual()) out.add(e.textValue());
      else ignored.add(path(name) + "[" + i + "]");
    }
    return out;
  }

  /** Optional object of string to number; non-number entries are dropped. */
  Map<String, Double> optDoubleMap(String name) {
    JsonNode v = raw(name);
    if (v == null) return null;
    if (!v.isObject()) return ignore(name);
    Map<String, Double> out = new LinkedHashMap<>();
    v.properties().forEach(e -> {
      if (e.getValue().isNumber()) out.put(e.getKey(), e.getValue().doubleValue());
      else ignored.add(path(name) + "." + e.getKey());
    });
    return out;
  }
}
