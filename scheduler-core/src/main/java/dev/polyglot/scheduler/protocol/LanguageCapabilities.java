package dev.polyglot.scheduler.protocol;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
public record LanguageCapabilities(List<String> asrLanguages, List<String> ttsLanguages, List<String> semanticLanguages, Boolean semanticCoreReady, List<LanguagePair> supportedLanguagePairs, JsonNode nmtCapabilities) {}
