package dev.polyglot.scheduler.api;



/**
 * Which generation of lingua's node agent is on the other end of a node socket, fixed at registration
 * (spec/BEHAVIOUR.md §7.3). The two read the cut flags of {@code job_assign} differently: the January 2026 agent
 * reads {@code is_pause_triggered} for a gap cut, takes {@code is_timeout_triggered} as a timeout split (it may hold
 * back part of the audio for the next job) and does not know {@code is_max_duration_triggered}; the June 2026 agent
 * reads {@code is_timeout_triggered} for gap and timer cuts and {@code is_max_duration_triggered} for the rest.
 */
public enum WireDialect {
  JANUARY_2026("2026-01"),
  JUNE_2026("2026-06");

  /** The {@code job_assign} cut flags for one reason; each is sent only when true. */
  public record Flags(boolean manualCut, boolean timeoutTriggered, boolean maxDurationTriggered, boolean pauseTriggered) {}

  private final String wire;

  WireDialect(String wire) {
    this.wire = wire;
  }

  /** The name shown to operators ({@code wire_dialect} in {@code /api/v1/cluster}) and in logs. */
  public String wireName() {
    return wire;
  }

  /** The January agent announces {@code supported_language_pairs} or {@code nmt_capabilities}; the June one neither. */
  public static WireDialect of(LanguageCapabilities languages) {
    if (languages == null) return JUNE_2026;
    return languages.supportedLanguagePairs() != null || languages.nmtCapabilities() != null ? JANUARY_2026 : JUNE_2026;
  }

  /** Reads a name written by {@link #wireName()}; anything else is the current agent's dialect. */
  public static WireDialect fromWireName(String name) {
    return JANUARY_2026.wire.equals(name) ? JANUARY_2026 : JUNE_2026;
  }

  public Flags flags(Cut cut) {
    return switch (cut) {
      case MANUAL -> new Flags(true, false, false, false);
      case GAP -> this == JANUARY_2026 ? new Flags(false, false, false, true) : new Flags(false, true, false, false);
      case TIMER -> new Flags(false, true, false, false);
      case MAX_DURATION -> this == JANUARY_2026 ? new Flags(false, true, false, false) : new Flags(false, false, true, false);
      case NONE -> new Flags(false, false, false, false);
    };
  }
}
