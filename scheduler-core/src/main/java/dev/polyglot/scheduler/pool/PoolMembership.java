package dev.polyglot.scheduler.pool;

import dev.polyglot.scheduler.api.LanguageCapabilities;
import dev.polyglot.scheduler.api.LanguagePair;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/** Which directed language-pair pools a node belongs to (spec/BEHAVIOUR.md §4). Pure. */
public final class PoolMembership {
  private PoolMembership() {}

  /** The pool name of a pair, lower-case {@code src:tgt}. */
  public static String pool(String src, String tgt) {
    return src.toLowerCase(Locale.ROOT) + ":" + tgt.toLowerCase(Locale.ROOT);
  }

  /**
   * Seed-era explicit pairs win when non-empty; otherwise every {@code asr × semantic} combination,
   * same-language pairs included. TTS languages are not used.
   */
  public static Set<String> poolsOf(LanguageCapabilities caps) {
    Set<String> out = new TreeSet<>();
    if (caps == null) return Set.of();
    List<LanguagePair> pairs = caps.supportedLanguagePairs();
    if (pairs != null && !pairs.isEmpty()) {
      for (LanguagePair p : pairs) {
        if (p != null && notBlank(p.src()) && notBlank(p.tgt())) out.add(pool(p.src(), p.tgt()));
      }
      return Set.copyOf(out);
    }
    List<String> asr = caps.asrLanguages() == null ? List.of() : caps.asrLanguages();
    List<String> sem = caps.semanticLanguages() == null ? List.of() : caps.semanticLanguages();
    for (String s : asr) {
      for (String t : sem) {
        if (notBlank(s) && notBlank(t)) out.add(pool(s, t));
      }
    }
    return Set.copyOf(out);
  }

  private static boolean notBlank(String s) {
    return s != null && !s.isBlank();
  }
}
