package dev.polyglot.scheduler.api;

/** One installed model; stored and shown only. {@code version} is optional (lingua required it). */
public record InstalledModel(
    String modelId,
    String kind,
    String version,
    String srcLang,
    String tgtLang,
    String dialect,
    Boolean enabled) {}
