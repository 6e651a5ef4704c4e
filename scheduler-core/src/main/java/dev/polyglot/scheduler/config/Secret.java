package dev.polyglot.scheduler.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A configured credential (a bearer token). It never prints itself, and {@link #matches} compares in constant time:
 * both sides are hashed first, so neither the content nor the length of the configured value leaks through timing.
 */
public record Secret(String value) {
  public Secret {
    value = value == null ? "" : value;
  }

  /** Whether a credential is configured at all. */
  public boolean isSet() {
    return !value.isEmpty();
  }

  /** Whether {@code presented} equals the configured value; always false when none is configured. */
  public boolean matches(String presented) {
    if (!isSet() || presented == null) return false;
    return MessageDigest.isEqual(sha256(value), sha256(presented));
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }

  @Override
  public String toString() {
    return isSet() ? "Secret[***]" : "Secret[unset]";
  }
}
