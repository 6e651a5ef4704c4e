package dev.polyglot.scheduler.session;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The finalize engine of one session (BEHAVIOUR §7): decides where a stream of {@code audio_chunk}
 * payloads is cut into utterances, and when each sealed utterance's job must be created.
 *
 * <p><b>What it decides.</b> For every event (a chunk, a timer firing, a playback message, the
 * session closing) it returns a {@link Step}: the next engine state, the utterances whose jobs must be
 * created now (already in index order, with their reason, flags, {@code padding_ms} and
 * {@code turn_id} assigned, §7.3 and §7.5) and an {@link Outcome} for replies and metrics.
 *
 * <p><b>What it promises.</b>
 * <ul>
 *   <li>Pure and immutable: no I/O, no clock, no threads; time is the caller's monotonic
 *       {@code nowMs}. An instance never changes; the same inputs give the same outputs (given the
 *       same {@code newTurnId} supplier answers).</li>
 *   <li>Only non-empty buffers are sealed, so the index advances only on a non-empty finalize;
 *       sealing skips every index reserved with {@link #reserveIndex(int)}; indices never repeat.</li>
 *   <li>Hangover is a due time, never a sleep: a sealed utterance is released once its hangover has
 *       elapsed <em>and</em> every earlier sealed utterance was released (FIFO), so jobs are created
 *       in index order. A hangover of 0 releases in the same step (when nothing is ahead of it).</li>
 *   <li>The owner re-arms its timers after every step from {@link #pauseDueAt()},
 *       {@link #hangoverDueAt()} and {@link #playbackWindowDueAt()}; a timer that fires late or stale
 *       is harmless (the engine re-checks the due time).</li>
 *   <li>Appending a chunk costs O(chunk) (a persistent cons-list of defensive chunk copies); the
 *       buffer is concatenated once, at seal.</li>
 * </ul>
 */
public final class Segmenter {

  /** Why an utterance was sealed (§7.3). */
  public enum Reason { IS_FINAL, TIMEOUT_GAP, TIMEOUT_TIMER, MAX_DURATION, MAX_LENGTH, SESSION_CLOSE }

  /** Where the first chunk after a gap goes ({@code segmentation.gap-chunk-goes-to}, §7.2). */
  public enum GapMode { NEXT_UTTERANCE, CURRENT_UTTERANCE }

  /** What happened besides the returned utterances, for replies ({@code error INVALID_MESSAGE}) and metrics. */
  public enum Outcome {
    OK,
    /** The chunk's payload alone exceeded max-buffer-bytes: not appended (its is_final still applied). */
    CHUNK_TOO_LARGE,
    /** is_final or the pause timer found an empty buffer: nothing created, index kept ({@code empty_finalize_total}). */
    EMPTY_FINALIZE,
    /** Both: an oversized chunk was rejected and its is_final then found an empty buffer. */
    CHUNK_TOO_LARGE_AND_EMPTY_FINALIZE
  }

  /** The {@code segmentation.*} configuration (§16). */
  public record Settings(long pauseMs, long maxDurationMs, int maxBufferBytes, long hangoverAutoMs, long hangoverManualMs,
                         int paddingAutoMs, int paddingManualMs, int opusBytesPerFrame, GapMode gapMode,
                         long playbackWindowMaxMs) {
    public Settings {
      Objects.requireNonNull(gapMode, "gapMode");
      if (pauseMs <= 0) throw new IllegalArgumentException("pauseMs must be > 0");
      if (maxDurationMs <= 0) throw new IllegalArgumentException("maxDurationMs must be > 0");
      if (maxBufferBytes <= 0) throw new IllegalArgumentException("maxBufferBytes must be > 0");
      if (hangoverAutoMs < 0 || hangoverManualMs < 0) throw new IllegalArgumentException("hangover must be >= 0");
      if (paddingAutoMs < 0 || paddingManualMs < 0) throw new IllegalArgumentException("padding must be >= 0");
      if (opusBytesPerFrame <= 0) throw new IllegalArgumentException("opusBytesPerFrame must be > 0");
      if (playbackWindowMaxMs <= 0) throw new IllegalArgumentException("playbackWindowMaxMs must be > 0");
    }

    /** Defaults of §16: 3000, 10000, 512000, 150, 200, 220, 280, 60, NEXT_UTTERANCE, 60000. */
    public static Settings defaults() {
      return new Settings(3000, 10_000, 512_000, 150, 200, 220, 280, 60, GapMode.NEXT_UTTERANCE, 60_000);
    }
  }

  /**
   * An utterance whose job must be created now, in index order. {@code audio} is a fresh array owned by the
   * receiver. {@code paddingMs} is always set for streamed audio (0 for MAX_LENGTH).
   */
  public record Utterance(int index, byte[] audio, Reason reason, long estMs, Long firstClientTs, String turnId,
              Integer paddingMs, boolean manualCut, boolean timeoutTriggered, boolean maxDurationTriggered) {}

  /** Result of one event. */
  public record Step(Segmenter next, List<Utterance> ready, Outcome outcome) {
    public Step {
      Objects.requireNonNull(next, "next");
      ready = List.copyOf(ready);
      Objects.requireNonNull(outcome, "outcome");
    }
  }

  /** Persistent cons-list of chunks, newest first; {@code bytes} is the total of this node and all older ones. */
  private record Chunks(byte[] chunk, Chunks older, int bytes) {
    static Chunks push(Chunks list, byte[] chunk) {
      return new Chunks(chunk, list, (list == null ? 0 : list.bytes) + chunk.length);
    }

    byte[] concat() {
      byte[] out = new byte[bytes];
      int end = bytes;
      for (Chunks c = this; c != null; c = c.older) {
        end -= c.chunk.length;
        System.arraycopy(c.chunk, 0, out, end, c.chunk.length);
      }
      return out;
    }
  }

  /** A sealed utterance waiting for its hangover (and for every earlier one). */
  private record Sealed(int index, byte[] audio, Reason reason, long estMs, Long firstClientTs, long dueAt) {}

  private final Settings settings;
  private final String audioFormat;          // lower-case
  private final int index;                   // utterance being collected; never a reserved index
  private final Set<Integer> reserved;       // reserved indices > index (unmodifiable)
  private final Chunks buffer;               // null = empty
  private final long estMs;
  private final Long firstClientTs;
  private final Long lastChunkAt;            // null = never set
  private final Long pauseDue;               // null = disarmed
  private final List<Sealed> sealed;         // FIFO, unmodifiable, index order
  private final boolean windowOpen;
  private final Long windowDue;              // null when closed
  private final String turnId;               // null = none

  private Segmenter(Settings settings, String audioFormat, int index, Set<Integer> reserved, Chunks buffer, long estMs,
                    Long firstClientTs, Long lastChunkAt, Long pauseDue, List<Sealed> sealed, boolean windowOpen,
                    Long windowDue, String turnId) {
    this.settings = settings;
    this.audioFormat = audioFormat;
    this.index = index;
    this.reserved = reserved;
    this.buffer = buffer;
    this.estMs = estMs;
    this.firstClientTs = firstClientTs;
    this.lastChunkAt = lastChunkAt;
    this.pauseDue = pauseDue;
    this.sealed = sealed;
    this.windowOpen = windowOpen;
    this.windowDue = windowDue;
    this.turnId = turnId;
  }

  /** A fresh engine at index 0; {@code audioFormat} "opus" or "pcm16" (16 kHz); other formats estimate 0 ms. */
  public static Segmenter initial(Settings s, String audioFormat) {
    Objects.requireNonNull(s, "settings");
    String fmt = audioFormat == null ? "" : audioFormat.toLowerCase(Locale.ROOT);
    return new Segmenter(s, fmt, 0, Set.of(), null, 0, null, null, null, List.of(), false, null, null);
  }

  // ------------------------------------------------------------------ mutable working copy (local to one event)

  /** Scratch state for one event; never escapes a method. */
  private static final class Work {
    final Settings settings;
    final String audioFormat;
    int index;
    TreeSet<Integer> reserved;
    Chunks buffer;
    long estMs;
    Long firstClientTs;
    Long lastChunkAt;
    Long pauseDue;
    List<Sealed> sealed;
    boolean sealedCopied;
    boolean windowOpen;
    Long windowDue;
    String turnId;
    final List<Utterance> ready = new ArrayList<>();

    Work(Segmenter s) {
      settings = s.settings;
      audioFormat = s.audioFormat;
      index = s.index;
      reserved = new TreeSet<>(s.reserved);
      buffer = s.buffer;
      estMs = s.estMs;
      firstClientTs = s.firstClientTs;
      lastChunkAt = s.lastChunkAt;
      pauseDue = s.pauseDue;
      sealed = s.sealed;
      windowOpen = s.windowOpen;
      windowDue = s.windowDue;
      turnId = s.turnId;
    }

    int bufferedBytes() {
      return buffer == null ? 0 : buffer.bytes;
    }

    void append(byte[] chunk, Long clientTs, long now) {
      buffer = Chunks.push(buffer, chunk.clone());
      if ("pcm16".equals(audioFormat)) {
        estMs = (buffer.bytes / 2L) * 1000L / 16_000L;     // exact over the whole buffer
      } else if ("opus".equals(audioFormat)) {
        estMs += (chunk.length / settings.opusBytesPerFrame()) * 20L;
      }
      lastChunkAt = now;
      if (firstClientTs == null) firstClientTs = clientTs;
    }

    /** Seals the (non-empty) buffer into the FIFO at {@code now + hangover}; advances the index. */
    void seal(Reason reason, long now) {
      Sealed s = new Sealed(index, buffer.concat(), reason, estMs, firstClientTs, now + hangover(settings, reason));
      if (!sealedCopied) {
        sealed = new ArrayList<>(sealed);
        sealedCopied = true;
      }
      sealed.add(s);
      index = nextFree(index + 1);
      buffer = null;
      estMs = 0;
      firstClientTs = null;
      pauseDue = null;
    }

    int nextFree(int from) {
      int i = from;
      while (reserved.contains(i)) i++;
      reserved.headSet(i, true).clear();   // only indices ahead of the collecting one matter
      return i;
    }

    void armPause() {
      pauseDue = (buffer != null && !windowOpen && lastChunkAt != null) ? lastChunkAt + settings.pauseMs() : null;
    }

    /** Releases due heads of the FIFO (all of them when {@code all}), assigning turn ids in release order. */
    void release(long now, Supplier<String> newTurnId, boolean all) {
      int n = 0;
      while (n < sealed.size() && (all || sealed.get(n).dueAt() <= now)) {
        ready.add(create(sealed.get(n), newTurnId));
        n++;
      }
      if (n > 0) {
        sealed = new ArrayList<>(sealed.subList(n, sealed.size()));
        sealedCopied = true;
      }
    }

    private Utterance create(Sealed s, Supplier<String> newTurnId) {
      String tid = turnId != null ? turnId : Objects.requireNonNull(newTurnId.get(), "newTurnId returned null");
      switch (s.reason()) {
        case MAX_DURATION -> turnId = tid;
        case IS_FINAL, TIMEOUT_GAP, TIMEOUT_TIMER -> turnId = null;
        case MAX_LENGTH, SESSION_CLOSE -> { /* unchanged */ }
      }
      boolean timeout = s.reason() == Reason.TIMEOUT_GAP || s.reason() == Reason.TIMEOUT_TIMER;
      return new Utterance(s.index(), s.audio(), s.reason(), s.estMs(), s.firstClientTs(), tid,
          padding(settings, s.reason()), s.reason() == Reason.IS_FINAL, timeout,
          s.reason() == Reason.MAX_DURATION);
    }

    Segmenter freeze() {
      return new Segmenter(settings, audioFormat, index, Collections.unmodifiableSet(new TreeSet<>(reserved)), buffer,
          estMs, firstClientTs, lastChunkAt, pauseDue,
          sealedCopied ? Collections.unmodifiableList(sealed) : sealed, windowOpen, windowDue, turnId);
    }

    Step step(Outcome outcome) {
      return new Step(freeze(), ready, outcome);
    }
  }

  static long hangover(Settings s, Reason r) {
    return switch (r) {
      case IS_FINAL -> s.hangoverManualMs();
      case TIMEOUT_GAP, TIMEOUT_TIMER, MAX_DURATION -> s.hangoverAutoMs();
      case MAX_LENGTH, SESSION_CLOSE -> 0;
    };
  }

  static int padding(Settings s, Reason r) {
    return switch (r) {
      case IS_FINAL -> s.paddingManualMs();
      case TIMEOUT_GAP, TIMEOUT_TIMER, MAX_DURATION, SESSION_CLOSE -> s.paddingAutoMs();
      case MAX_LENGTH -> 0;
    };
  }

  // ------------------------------------------------------------------ events

  /**
   * One {@code audio_chunk} (§7.2). {@code payload} null or empty is an empty chunk (pass null for invalid
   * base64: its is_final still cuts). A payload larger than max-buffer-bytes is rejected (not appended,
   * outcome CHUNK_TOO_LARGE) but its is_final still applies.
   */
  public Step onChunk(byte[] payload, boolean isFinal, Long clientTimestampMs, long nowMs, Supplier<String> newTurnId) {
    Work w = new Work(this);
    boolean tooLarge = payload != null && payload.length > settings.maxBufferBytes();
    boolean nonEmpty = payload != null && payload.length > 0 && !tooLarge;

    // 2. gap rule
    boolean gapNoted = false;
    if (nonEmpty && w.lastChunkAt != null && nowMs - w.lastChunkAt > settings.pauseMs() && !w.windowOpen) {
      if (settings.gapMode() == GapMode.NEXT_UTTERANCE) {
        if (w.buffer != null) w.seal(Reason.TIMEOUT_GAP, nowMs);
      } else {
        gapNoted = true;
      }
    }
    // 3. append
    if (nonEmpty) w.append(payload, clientTimestampMs, nowMs);

    // 4. at most one reason
    boolean emptyFinalize = false;
    if (w.bufferedBytes() > settings.maxBufferBytes()) {
      w.seal(Reason.MAX_LENGTH, nowMs);
    } else if (isFinal) {
      if (w.buffer != null) w.seal(Reason.IS_FINAL, nowMs);
      else emptyFinalize = true;
    } else if (w.buffer != null && w.estMs >= settings.maxDurationMs()) {
      w.seal(Reason.MAX_DURATION, nowMs);
    } else if (gapNoted && w.buffer != null) {
      w.seal(Reason.TIMEOUT_GAP, nowMs);
    }
    // 5. pause timer
    w.armPause();
    w.release(nowMs, newTurnId, false);

    Outcome outcome = tooLarge
        ? (emptyFinalize ? Outcome.CHUNK_TOO_LARGE_AND_EMPTY_FINALIZE : Outcome.CHUNK_TOO_LARGE)
        : (emptyFinalize ? Outcome.EMPTY_FINALIZE : Outcome.OK);
    return w.step(outcome);
  }

  /**
   * The pause timer fired. Seals with TIMEOUT_TIMER when the buffer is non-empty, the window is closed and the
   * timer is really due; an empty buffer gives EMPTY_FINALIZE; a stale (early) timer or an open window does nothing.
   */
  public Step onPauseTimer(long nowMs, Supplier<String> newTurnId) {
    Work w = new Work(this);
    Outcome outcome = Outcome.OK;
    if (w.buffer == null) {
      outcome = Outcome.EMPTY_FINALIZE;
    } else if (!w.windowOpen && w.pauseDue != null && nowMs >= w.pauseDue) {
      w.seal(Reason.TIMEOUT_TIMER, nowMs);
    }
    w.armPause();
    w.release(nowMs, newTurnId, false);
    return w.step(outcome);
  }

  /** The hangover timer fired: releases every due head of the sealed FIFO. */
  public Step onHangoverTimer(long nowMs, Supplier<String> newTurnId) {
    Work w = new Work(this);
    w.release(nowMs, newTurnId, false);
    return w.step(Outcome.OK);
  }

  /** {@code tts_started}: opens (or restarts) the playback window; last_chunk_at = now; pause timer disarmed. */
  public Step onTtsStarted(long nowMs, Supplier<String> newTurnId) {
    Work w = new Work(this);
    w.windowOpen = true;
    w.windowDue = nowMs + settings.playbackWindowMaxMs();
    w.lastChunkAt = nowMs;
    w.pauseDue = null;
    w.release(nowMs, newTurnId, false);
    return w.step(Outcome.OK);
  }

  /**
   * {@code tts_play_ended}: closes the window (if open); in any case last_chunk_at = now and the pause timer is
   * re-armed at now + pause when the buffer is non-empty.
   */
  public Step onTtsPlayEnded(long nowMs, Supplier<String> newTurnId) {
    Work w = new Work(this);
    closeWindow(w, nowMs);
    w.release(nowMs, newTurnId, false);
    return w.step(Outcome.OK);
  }

  /** The playback-window limit fired: if the window is open and due, closes it as if tts_play_ended arrived. */
  public Step onPlaybackWindowTimer(long nowMs, Supplier<String> newTurnId) {
    Work w = new Work(this);
    if (w.windowOpen && w.windowDue != null && nowMs >= w.windowDue) closeWindow(w, nowMs);
    w.release(nowMs, newTurnId, false);
    return w.step(Outcome.OK);
  }

  private static void closeWindow(Work w, long nowMs) {
    w.windowOpen = false;
    w.windowDue = null;
    w.lastChunkAt = nowMs;
    w.armPause();
  }

  /**
   * {@code session_close}: seals a non-empty buffer (SESSION_CLOSE) and releases every sealed utterance at once,
   * hangovers included. Afterwards no timer is due.
   */
  public Step onSessionClose(long nowMs, Supplier<String> newTurnId) {
    Work w = new Work(this);
    if (w.buffer != null) w.seal(Reason.SESSION_CLOSE, nowMs);
    w.release(nowMs, newTurnId, true);
    w.pauseDue = null;
    w.windowOpen = false;
    w.windowDue = null;
    return w.step(Outcome.OK);
  }

  /**
   * An {@code utterance} message used {@code clientIndex} (§8): sealing will skip it. If it is the index being
   * collected, the collecting index moves to the next free one (the buffer is not sealed). Indices below the
   * collecting one are already behind the stream and change nothing.
   */
  public Segmenter reserveIndex(int clientIndex) {
    if (clientIndex < index || (clientIndex > index && reserved.contains(clientIndex))) return this;
    Work w = new Work(this);
    w.reserved.add(clientIndex);
    w.index = w.nextFree(w.index);
    return w.freeze();
  }

  // ------------------------------------------------------------------ timers the owner must arm

  /** Due time of the pause timer; empty when the buffer is empty or the playback window is open. */
  public OptionalLong pauseDueAt() {
    return pauseDue == null ? OptionalLong.empty() : OptionalLong.of(pauseDue);
  }

  /** Due time of the head of the sealed FIFO; empty when nothing waits. */
  public OptionalLong hangoverDueAt() {
    return sealed.isEmpty() ? OptionalLong.empty() : OptionalLong.of(sealed.get(0).dueAt());
  }

  /** When an open playback window closes by itself; empty when closed. */
  public OptionalLong playbackWindowDueAt() {
    return windowDue == null ? OptionalLong.empty() : OptionalLong.of(windowDue);
  }

  // ------------------------------------------------------------------ admin view

  /** The index of the utterance being collected. */
  public int index() { return index; }

  public int bufferedBytes() { return buffer == null ? 0 : buffer.bytes; }

  public long estMs() { return estMs; }

  /** Sealed utterances waiting for their hangover (or for an earlier one). */
  public int sealedWaiting() { return sealed.size(); }

  /**
   * The sealed utterances still waiting for their hangover, as they would be released now but without a turn
   * id (the turn is decided at release). Lets the owner make an utterance durable from the moment it is sealed.
   */
  public List<Utterance> waiting() {
    List<Utterance> out = new ArrayList<>(sealed.size());
    for (Sealed s : sealed) {
      boolean timeout = s.reason() == Reason.TIMEOUT_GAP || s.reason() == Reason.TIMEOUT_TIMER;
      out.add(new Utterance(s.index(), s.audio(), s.reason(), s.estMs(), s.firstClientTs(), null,
          padding(settings, s.reason()), s.reason() == Reason.IS_FINAL, timeout, s.reason() == Reason.MAX_DURATION));
    }
    return out;
  }

  public boolean playbackWindowOpen() { return windowOpen; }

  /** The turn continuing across MAX_DURATION cuts, if any. */
  public Optional<String> turnId() { return Optional.ofNullable(turnId); }

  /** Settings this engine runs with. */
  public Settings settings() { return settings; }

  @Override
  public String toString() {
    return "Segmenter{index=" + index + ", bufferedBytes=" + bufferedBytes() + ", estMs=" + estMs
        + ", sealedWaiting=" + sealed.size() + ", pauseDue=" + pauseDue + ", windowOpen=" + windowOpen
        + ", turnId=" + turnId + "}";
  }
}
