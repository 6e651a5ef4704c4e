package dev.polyglot.scheduler.api;


import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Languages a node covers ({@code language_capabilities}). All fields optional; language codes
 * are lower-cased. {@code nmtCapabilities} is the seed-era raw array, stored only.
 */
public record LanguageCapabilities(
    List<String> asrLanguages,
    List<String> ttsLanguages,
    List<String> semanticLanguages,
    Boolean semanticCoreReady,
    List<LanguagePair> supportedLanguagePairs,
    JsonNode nmtCapabilities) {

  public LanguageCapabilities {
    asrLanguages = Norm.lowerAll(asrLanguages);
    ttsLanguages = Norm.lowerAll(ttsLanguages);
    semanticLanguages = Norm.lowerAll(semanticLanguages);
    supportedLanguagePairs = Norm.copy(supportedLanguagePairs);
    nmtCapabilities = Norm.json(nmtCapabilities);
  }
}
