package dev.polyglot.scheduler.session;

/**
 * Utterance groups of one session (spec/BEHAVIOUR.md §10.3), immutable. A new group starts when there is no
 * active group or more than the group window passed since its last playback end; {@code part_index} counts
 * results within a group. Only results with non-empty {@code text_asr} take part.
 */
public final class Groups {
  /** The group and part given to one released result. */
  public record Assigned(Groups next, String groupId, int partIndex) {}

  private final String sessionId;
  private final long windowMs;
  private final String groupId;
  private final long lastPlaybackEndMono;
  private final int nextPart;

  private Groups(String sessionId, long windowMs, String groupId, long lastPlaybackEndMono, int nextPart) {
    this.sessionId = sessionId;
    this.windowMs = windowMs;
    this.groupId = groupId;
    this.lastPlaybackEndMono = lastPlaybackEndMono;
    this.nextPart = nextPart;
  }

  public static Groups create(String sessionId, long windowMs) {
    return new Groups(sessionId, windowMs, null, 0, 0);
  }

  public Assigned assign(long nowMono, long nowWall) {
    if (groupId == null || nowMono - lastPlaybackEndMono > windowMs) {
      String id = "group_" + sessionId + "_" + nowWall;
      return new Assigned(new Groups(sessionId, windowMs, id, nowMono, 1), id, 0);
    }
    return new Assigned(new Groups(sessionId, windowMs, groupId, lastPlaybackEndMono, nextPart + 1), groupId, nextPart);
  }

  /** A {@code tts_play_ended} naming the active group moves its last playback end to now. */
  public Groups playbackEnded(String group, long nowMono) {
    if (group == null || !group.equals(groupId)) return this;
    return new Groups(sessionId, windowMs, groupId, nowMono, nextPart);
  }
}
