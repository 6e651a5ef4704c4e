package dev.polyglot.scheduler.wire;

import java.util.List;

/**
 * Outcome of decoding one inbound text frame: {@link Ok} with the message and the paths of
 * wrongly typed optional fields that were treated as absent, or {@link Failed} with the
 * {@code INVALID_MESSAGE} code and the human text for the reply's {@code error.message}.
 */
public sealed interface Decoded<T> {

  record Ok<T>(T message, List<String> ignoredFields) implements Decoded<T> {
    public Ok {
      ignoredFields = List.copyOf(ignoredFields);
    }
  }

  record Failed<T>(String code, String detail) implements Decoded<T> {
    /** The {@code error} frame to send back (§4.3). */
    public ErrorFrame toErrorFrame() {
      return ErrorFrame.of(code, detail);
    }
  }
}
