package dev.polyglot.scheduler.dispatch;

/**
 * How the dispatcher answers a session's placement request: by session id, wherever that session lives now (the
 * bootstrap routes it through sharding). The dispatch package never sees the session's protocol.
 */
@FunctionalInterface
public interface SessionReplies {
  void tell(String sessionId, Dispatcher.Reply reply);
}
