package dev.polyglot.scheduler.wire;

/**
 * Every cap on a decoded field, in one place (README "Input limits"). A field over its cap rejects the whole
 * message with {@code error INVALID_MESSAGE} naming the field ({@code field <path>: ...}); nothing of it reaches an
 * actor. These caps bound what one message can make the scheduler keep and echo (a session's trace id is repeated
 * in every reply), and how many pools one node can join.
 *
 * <p>Each string field is one of four {@link Kind}s:
 * <ul>
 *   <li>{@link Kind#ID}: ids we route, log or echo ({@code node_id}, {@code session_id}, {@code job_id},
 *       {@code trace_id}, {@code tenant_id}, {@code group_id}, room codes): at most {@link #maxIdChars} characters of
 *       {@link #ID_CHARSET} (printable ASCII without space, quotes, backslash, markup or separators);</li>
 *   <li>{@link Kind#LANGUAGE}: language codes, which make pool names: at most {@link #maxLanguageChars} characters of
 *       the same charset;</li>
 *   <li>{@link Kind#NAME}: short one-line strings (versions, platforms, open enums, dialect, display names, formats,
 *       codes): at most {@link #maxNameChars} characters, no control characters (they would split log lines);</li>
 *   <li>{@link Kind#TEXT}: free text (recognised and translated text, error messages): at most {@link #maxTextChars}
 *       characters; and {@link Kind#BLOB}, the node's base64 {@code tts_audio}: at most {@link #maxBlobChars}.</li>
 * </ul>
 * Lists: every language list (and {@code auto_langs}) at most {@link #maxLanguages} entries, so a node is in at most
 * {@code maxLanguages²} pools ({@code asr_languages × semantic_languages}, 4,096 by default), or at most
 * {@link #maxLanguagePairs} with explicit pairs; every other list or map at most {@link #maxListEntries}. Pass-through
 * JSON (metrics, error details, {@code nmt_capabilities}, WebRTC payloads) at most {@link #maxJsonValues} values,
 * its strings {@link Kind#TEXT}. Numbers must be finite (JSON allows {@code 1e400}, which is Infinity as a double):
 * a non-finite number rejects the message. {@code utterance.audio} at most {@link #maxAudioBytes} decoded bytes
 * ({@code segmentation.max-buffer-bytes}).
 */
public record InputLimits(int maxIdChars, int maxLanguageChars, int maxNameChars, int maxTextChars, int maxBlobChars,
                          int maxLanguages, int maxLanguagePairs, int maxListEntries, int maxJsonValues,
                          int maxAudioBytes) {

  /** The characters an id or a language code may contain, as the error message names them. */
  public static final String ID_CHARSET = "[A-Za-z0-9._:@/+=~-]";

  public static final InputLimits DEFAULT =
      new InputLimits(128, 32, 256, 65_536, 8_000_000, 64, 256, 256, 4_096, 512_000);

  /** How a string field is capped. */
  public enum Kind { ID, LANGUAGE, NAME, TEXT, BLOB }

  public InputLimits {
    if (maxIdChars <= 0 || maxLanguageChars <= 0 || maxNameChars <= 0 || maxTextChars <= 0 || maxBlobChars <= 0
        || maxLanguages <= 0 || maxLanguagePairs <= 0 || maxListEntries <= 0 || maxJsonValues <= 0
        || maxAudioBytes <= 0) {
      throw new IllegalArgumentException("every input limit must be > 0: " + this);
    }
  }

  /** The same caps with {@code utterance.audio} bounded by {@code segmentation.max-buffer-bytes}. */
  public InputLimits withMaxAudioBytes(int bytes) {
    return new InputLimits(maxIdChars, maxLanguageChars, maxNameChars, maxTextChars, maxBlobChars, maxLanguages,
        maxLanguagePairs, maxListEntries, maxJsonValues, bytes);
  }

  /** The most pools one node can be in. */
  public int maxPoolsPerNode() {
    return Math.max(maxLanguages * maxLanguages, maxLanguagePairs);
  }

  int maxChars(Kind kind) {
    return switch (kind) {
      case ID -> maxIdChars;
      case LANGUAGE -> maxLanguageChars;
      case NAME -> maxNameChars;
      case TEXT -> maxTextChars;
      case BLOB -> maxBlobChars;
    };
  }

  /** Why {@code s} is not a valid value of this kind (length already checked), or null when it is. */
  static String badCharacter(String s, Kind kind) {
    switch (kind) {
      case ID, LANGUAGE -> {
        for (int i = 0; i < s.length(); i++) {
          if (!idChar(s.charAt(i))) return "contains a character outside " + ID_CHARSET;
        }
      }
      case NAME -> {
        for (int i = 0; i < s.length(); i++) {
          char c = s.charAt(i);
          if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) || c == '\u2028' || c == '\u2029') {
            return "contains a control character";
          }
        }
      }
      default -> { }
    }
    return null;
  }

  static boolean idChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '.' || c == '_' || c == ':' || c == '@' || c == '/' || c == '+' || c == '=' || c == '~' || c == '-';
  }
}
