package dev.polyglot.scheduler.ops;

import dev.polyglot.scheduler.api.ClusterMessage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * The sessions opened through this instance's client sockets and not ended yet, with what {@code session_init} said:
 * what {@code /api/v1/stats} counts languages over and the dashboard lists. The session sockets add a session when
 * they open it and remove it when it ends or their connection closes. Lost with the instance, like its sockets.
 */
public final class LiveSessions implements Extension {

  /** One live session as its client opened it. */
  public record Info(String sessionId, String srcLang, String tgtLang, String mode, String langA, String langB,
                     String platform, String clientVersion, String traceId, long openedAtMs) implements ClusterMessage {}

  private final Map<String, Info> sessions = new ConcurrentHashMap<>();

  public static LiveSessions get(ActorSystem<?> system) {
    return Id.INSTANCE.apply(system);
  }

  public void opened(Info info) {
    sessions.put(info.sessionId(), info);
  }

  public void ended(String sessionId) {
    sessions.remove(sessionId);
  }

  public int size() {
    return sessions.size();
  }

  /** The live sessions, newest first. */
  public List<Info> list() {
    List<Info> out = new ArrayList<>(sessions.values());
    out.sort(Comparator.comparingLong(Info::openedAtMs).reversed().thenComparing(Info::sessionId));
    return out;
  }

  private static final class Id extends ExtensionId<LiveSessions> {
    static final Id INSTANCE = new Id();

    @Override public LiveSessions createExtension(ActorSystem<?> system) { return new LiveSessions(); }
  }
}
