package dev.polyglot.scheduler.protocol;
import java.util.Map;
public record ExtraResult(String emotion, Double speechRate, String voiceStyle, ServiceTimings serviceTimings, Double languageProbability, Map<String, Double> languageProbabilities, String reason) {}
