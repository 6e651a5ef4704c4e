package dev.polyglot.scheduler.api;


import java.util.Map;

/**
 * The filtered {@code extra} of a result: only these keys survive, any other key a node sends is
 * dropped. {@code reason} marks empty results ({@code ASR_EMPTY}, {@code NO_TEXT_ASSIGNED}).
 */
public record ExtraResult(
    String emotion,
    Double speechRate,
    String voiceStyle,
    ServiceTimings serviceTimings,
    Double languageProbability,
    Map<String, Double> languageProbabilities,
    String reason) {

  public ExtraResult {
    languageProbabilities = Norm.copy(languageProbabilities);
  }
}
