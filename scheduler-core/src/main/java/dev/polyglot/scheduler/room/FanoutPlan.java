package dev.polyglot.scheduler.room;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How one utterance of a speaker in a room is translated and to whom each translation goes (spec/BEHAVIOUR.md §12):
 * the other members are grouped by preferred language (members without one are ignored), one {@link Target} per
 * distinct language, whose result goes only to the members of that language. When no other member has a preferred
 * language, the plan is a single target with the speaker's own {@code tgt_lang}, delivered to the speaker. The speaker
 * is never a recipient otherwise, even when it shares a listener's language.
 *
 * <p>Languages are compared without case and surrounding blanks ({@code "EN"} and {@code "en "} are one target); a
 * target carries the spelling of the first member (in join order) who chose it. Targets are in order of the first
 * member choosing them, recipients in join order, so a plan is deterministic for a given member list.
 *
 * @param targets never empty
 */
public record FanoutPlan(String roomCode, String speakerSessionId, List<Target> targets) {

  /** One fan-out job: translate to {@code tgtLang}, deliver the result to {@code recipients} (session ids). */
  public record Target(String tgtLang, List<String> recipients) {
    public Target {
      Objects.requireNonNull(tgtLang, "tgtLang");
      recipients = List.copyOf(recipients);
    }
  }

  /** What fan-out needs to know of a member; both the room's members and a session's cached view provide it. */
  public interface Listener {
    String sessionId();

    String preferredLang();
  }

  public FanoutPlan {
    targets = List.copyOf(targets);
    if (targets.isEmpty()) throw new IllegalArgumentException("a fan-out plan has at least one target");
  }

  /**
   * The plan for an utterance of {@code speakerSessionId} whose own target language is {@code speakerTgtLang}, over
   * {@code members} in join order; empty when the speaker is not among them (it is then not in that room).
   */
  public static Optional<FanoutPlan> of(String roomCode, String speakerSessionId, String speakerTgtLang,
                                        List<? extends Listener> members) {
    Objects.requireNonNull(speakerSessionId, "speakerSessionId");
    Objects.requireNonNull(speakerTgtLang, "speakerTgtLang");
    boolean speakerPresent = false;
    Map<String, String> spelling = new LinkedHashMap<>();
    Map<String, List<String>> recipients = new LinkedHashMap<>();
    for (Listener m : members) {
      if (m.sessionId().equals(speakerSessionId)) {
        speakerPresent = true;
        continue;
      }
      String lang = m.preferredLang() == null ? "" : m.preferredLang().strip();
      if (lang.isEmpty()) continue;
      String key = lang.toLowerCase(Locale.ROOT);
      spelling.putIfAbsent(key, lang);
      recipients.computeIfAbsent(key, k -> new ArrayList<>()).add(m.sessionId());
    }
    if (!speakerPresent) return Optional.empty();
    List<Target> targets = new ArrayList<>();
    recipients.forEach((key, ids) -> targets.add(new Target(spelling.get(key), ids)));
    if (targets.isEmpty()) targets.add(new Target(speakerTgtLang, List.of(speakerSessionId)));
    return Optional.of(new FanoutPlan(roomCode, speakerSessionId, targets));
  }

  /** True when nobody else has a preferred language: one job with the speaker's {@code tgt_lang}, to the speaker. */
  public boolean speakerOnly() {
    return targets.size() == 1 && targets.get(0).recipients().equals(List.of(speakerSessionId));
  }

  /** The distinct target languages, one job each. */
  public List<String> languages() {
    return targets.stream().map(Target::tgtLang).toList();
  }

  /** The members who receive the result translated to {@code tgtLang} (compared without case); empty if none. */
  public List<String> recipientsOf(String tgtLang) {
    if (tgtLang == null) return List.of();
    String key = tgtLang.strip().toLowerCase(Locale.ROOT);
    for (Target t : targets) if (t.tgtLang().strip().toLowerCase(Locale.ROOT).equals(key)) return t.recipients();
    return List.of();
  }
}
