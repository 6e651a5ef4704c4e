package dev.polyglot.scheduler.testkit;

import dev.polyglot.scheduler.store.InMemoryLedger;
import dev.polyglot.scheduler.store.Ledger;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/** An in-memory ledger whose session reads and utterance claims fail as many times as a test says. */
public class FlakyLedger implements Ledger {
  public final InMemoryLedger inner = new InMemoryLedger();
  public final AtomicInteger failingLoads = new AtomicInteger();
  public final AtomicInteger failingClaims = new AtomicInteger();
  public final AtomicInteger loads = new AtomicInteger();

  private static <T> CompletionStage<T> failed() {
    return CompletableFuture.failedFuture(new IllegalStateException("ledger unavailable (test)"));
  }

  @Override public CompletionStage<Void> saveNode(NodeSnapshot s) { return inner.saveNode(s); }

  @Override public CompletionStage<Optional<NodeSnapshot>> loadNode(String id) { return inner.loadNode(id); }

  @Override public CompletionStage<Void> forgetNode(String id) { return inner.forgetNode(id); }

  @Override public CompletionStage<Void> saveSession(SessionSnapshot s) { return inner.saveSession(s); }

  @Override
  public CompletionStage<Optional<SessionSnapshot>> loadSession(String id) {
    loads.incrementAndGet();
    return failingLoads.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? failed() : inner.loadSession(id);
  }

  @Override public CompletionStage<Void> recordJob(String id, JobRecord j) { return inner.recordJob(id, j); }

  @Override public CompletionStage<Void> finishJob(String id, String jobId) { return inner.finishJob(id, jobId); }

  @Override public CompletionStage<List<JobRecord>> unfinishedJobs(String id) { return inner.unfinishedJobs(id); }

  @Override
  public CompletionStage<Boolean> claimUtterance(String id, int index, String jobId) {
    return failingClaims.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? failed() : inner.claimUtterance(id, index, jobId);
  }

  @Override public CompletionStage<Void> deleteSession(String id) { return inner.deleteSession(id); }

  @Override public CompletionStage<Void> saveRoom(RoomRecord r) { return inner.saveRoom(r); }

  @Override public CompletionStage<Optional<RoomRecord>> loadRoom(String code) { return inner.loadRoom(code); }

  @Override public CompletionStage<Void> deleteRoom(String code) { return inner.deleteRoom(code); }

  @Override public String kind() { return "flaky"; }
}
