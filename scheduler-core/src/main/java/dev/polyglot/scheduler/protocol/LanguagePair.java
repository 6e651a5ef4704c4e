package dev.polyglot.scheduler.protocol;
public record LanguagePair(String src, String tgt) {}
