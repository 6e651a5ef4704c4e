package dev.polyglot.scheduler.session;

import dev.polyglot.scheduler.api.NodeResult;
import dev.polyglot.scheduler.api.NetworkTimings;
import dev.polyglot.scheduler.api.ServiceTimings;

/** Builds the client's {@code translation_result} from a winning node result (spec/BEHAVIOUR.md §10.3). Pure. */
public final class ResultBuilder {
  private ResultBuilder() {}

  /** The event to send, and the groups after assigning this result's group. */
  public record Built(ClientEvent.Result event, Groups groups) {}

  public static Built build(JobBook.Draft d, Groups groups, long nowMono, long nowWall) {
    NodeResult r = d.result();
    JobBook.Job j = d.job();
    String asr = r.textAsr() == null ? "" : r.textAsr();
    String groupId = null;
    Integer part = null;
    Groups next = groups;
    if (!asr.isEmpty()) {
      Groups.Assigned a = groups.assign(nowMono, nowWall);
      next = a.next();
      groupId = a.groupId();
      part = a.partIndex();
    }
    ServiceTimings service = r.extra() != null && r.extra().serviceTimings() != null ? r.extra().serviceTimings()
        : r.processingTimeMs() != null ? new ServiceTimings(null, null, null, r.processingTimeMs()) : null;
    ClientEvent.Result event = new ClientEvent.Result(j.order().sessionId(), j.index(), j.jobId(), asr,
        r.textTranslated() == null ? "" : r.textTranslated(), r.ttsAudio() == null ? "" : r.ttsAudio(),
        r.ttsFormat() == null ? "pcm16" : r.ttsFormat(), j.order().traceId(), r.extra(), groupId, part, service,
        network(j, r, d.dispatchedAtWall()), nowWall, r.asrQualityLevel(), r.reasonCodes(), r.qualityScore(),
        r.rerunCount(), r.segmentsMeta());
    return new Built(event, next);
  }

  /** Unknown or non-positive members are omitted; the object is omitted when empty. */
  static NetworkTimings network(JobBook.Job j, NodeResult r, Long dispatchedAtWall) {
    Integer web = j.firstClientTs() == null ? null : positive(j.createdWall() - j.firstClientTs());
    Integer toNode = dispatchedAtWall == null ? null : positive(dispatchedAtWall - j.createdWall());
    Integer fromNode = r.nodeCompletedAtMs() == null ? null : positive(r.receivedAtMs() - r.nodeCompletedAtMs());
    if (web == null && toNode == null && fromNode == null) return null;
    return new NetworkTimings(web, toNode, fromNode, null);
  }

  private static Integer positive(long v) {
    return v > 0 && v < Integer.MAX_VALUE ? (int) v : null;
  }
}
