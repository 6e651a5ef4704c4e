package dev.polyglot.scheduler.api;


/** A seed-era explicit language pair; both codes lower-cased. */
public record LanguagePair(String src, String tgt) {

  public LanguagePair {
    src = Norm.lower(src);
    tgt = Norm.lower(tgt);
  }
}
