package dev.polyglot.scheduler.protocol;
public record InstalledModel(String modelId, String kind, String version, String srcLang, String tgtLang, String dialect, Boolean enabled) {}
