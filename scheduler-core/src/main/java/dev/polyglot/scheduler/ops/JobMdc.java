package dev.polyglot.scheduler.ops;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.MDC;

/**
 * The ids an operator searches logs by (spec/BEHAVIOUR.md §15), as MDC keys: {@code trace_id}, {@code session_id},
 * {@code job_id}, {@code attempt_id}, {@code node_id}, {@code utterance_index}.
 *
 * <p>{@link #of} reads them from an actor message, for {@code Behaviors.withMdc}: every log line written while that
 * message is handled carries them. It reads record components by name ({@code jobId}, {@code attemptId},
 * {@code traceId}, {@code sessionId}, {@code nodeId}, {@code utteranceIndex}), one level into the components that
 * carry a job ({@code order}, {@code result}, {@code request}, and {@code event} and {@code reply}, which wrap a node's
 * or the dispatcher's news for a session), so no message type has to change;
 * which components a class has is looked up once per class. Audio and texts are never read. {@link #with} sets them
 * around one log line written outside such a message.
 */
public final class JobMdc {
  private JobMdc() {}

  public static final String TRACE_ID = "trace_id";
  public static final String SESSION_ID = "session_id";
  public static final String JOB_ID = "job_id";
  public static final String ATTEMPT_ID = "attempt_id";
  public static final String NODE_ID = "node_id";
  public static final String UTTERANCE_INDEX = "utterance_index";

  private static final Map<String, String> KEYS = Map.of("jobId", JOB_ID, "attemptId", ATTEMPT_ID, "traceId", TRACE_ID,
      "sessionId", SESSION_ID, "nodeId", NODE_ID, "utteranceIndex", UTTERANCE_INDEX);
  private static final Set<String> NESTED = Set.of("order", "result", "request", "event", "reply");

  private record Reader(String key, MethodHandle accessor, boolean nested) {}

  private static final ClassValue<Reader[]> READERS = new ClassValue<>() {
    @Override
    protected Reader[] computeValue(Class<?> type) {
      if (!type.isRecord()) return new Reader[0];
      List<Reader> out = new ArrayList<>();
      for (RecordComponent c : type.getRecordComponents()) {
        String key = KEYS.get(c.getName());
        boolean nested = NESTED.contains(c.getName());
        boolean scalar = c.getType() == String.class || c.getType() == int.class || c.getType() == Integer.class
            || c.getType() == long.class || c.getType() == Long.class;
        if ((key == null || !scalar) && !nested) continue;
        try {
          c.getAccessor().setAccessible(true);
          out.add(new Reader(key, MethodHandles.lookup().unreflect(c.getAccessor()), nested));
        } catch (ReflectiveOperationException | RuntimeException inaccessible) {
          // a component the logger cannot read is simply not in the MDC
        }
      }
      return out.toArray(new Reader[0]);
    }
  };

  /** The MDC of one message: empty (and allocation-free) for messages that carry no job or node id. */
  public static Map<String, String> of(Object message) {
    if (message == null) return Map.of();
    Reader[] readers = READERS.get(message.getClass());
    if (readers.length == 0) return Map.of();
    Map<String, String> out = new HashMap<>(8);
    collect(message, readers, out, 0);
    return out.isEmpty() ? Map.of() : out;
  }

  private static void collect(Object message, Reader[] readers, Map<String, String> out, int depth) {
    for (Reader r : readers) {
      Object v;
      try {
        v = r.accessor().invoke(message);
      } catch (Throwable unreadable) {
        continue;
      }
      if (v == null) continue;
      if (r.nested()) {
        if (depth == 0) collect(v, READERS.get(v.getClass()), out, 1);
      } else {
        String s = v.toString();
        if (!s.isEmpty() && s.length() <= 128) out.putIfAbsent(r.key(), s);
      }
    }
  }

  /** Sets the given keys (pairs of key and value; null values skipped) until {@link Scope#close()}, which restores. */
  public static Scope with(String... pairs) {
    String[] previous = new String[pairs.length / 2];
    for (int i = 0; i + 1 < pairs.length; i += 2) {
      previous[i / 2] = MDC.get(pairs[i]);
      if (pairs[i + 1] != null) MDC.put(pairs[i], pairs[i + 1]);
    }
    return () -> {
      for (int i = 0; i + 1 < pairs.length; i += 2) {
        if (previous[i / 2] == null) MDC.remove(pairs[i]);
        else MDC.put(pairs[i], previous[i / 2]);
      }
    };
  }

  /** An MDC scope; closing it never throws. */
  @FunctionalInterface
  public interface Scope extends AutoCloseable {
    @Override
    void close();
  }
}
