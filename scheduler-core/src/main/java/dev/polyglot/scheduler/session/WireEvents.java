package dev.polyglot.scheduler.session;

import dev.polyglot.scheduler.wire.ErrorFrame;
import dev.polyglot.scheduler.wire.SessionOutbound;

/** Translates a session's {@link ClientEvent}s into the wire messages of PROTOCOL.md §6, one for one. */
final class WireEvents {
  private WireEvents() {}

  static SessionOutbound toWire(ClientEvent e) {
    if (e instanceof ClientEvent.InitAck a) return SessionOutbound.InitAck.of(a.sessionId(), a.traceId());
    if (e instanceof ClientEvent.Result r) {
      return new SessionOutbound.TranslationResult(r.sessionId(), r.utteranceIndex(), r.jobId(), r.textAsr(),
          r.textTranslated(), r.ttsAudio(), r.ttsFormat(), r.traceId(), r.extra(), r.groupId(), r.partIndex(),
          r.serviceTimings(), r.networkTimings(), r.schedulerSentAtMs(), r.asrQualityLevel(), r.reasonCodes(),
          r.qualityScore(), r.rerunCount(), r.segmentsMeta());
    }
    if (e instanceof ClientEvent.Partial p) {
      return new SessionOutbound.AsrPartial(p.sessionId(), p.utteranceIndex(), p.jobId(), p.text(), p.isFinal(), p.traceId());
    }
    if (e instanceof ClientEvent.Ui u) {
      return new SessionOutbound.UiEvent(u.traceId(), u.sessionId(), u.jobId(), u.utteranceIndex(), u.event(), u.status(),
          u.elapsedMs(), u.errorCode());
    }
    if (e instanceof ClientEvent.Error x) return new ErrorFrame(x.code(), x.message(), x.details(), x.traceId());
    if (e instanceof ClientEvent.ServerHeartbeat h) return new SessionOutbound.ServerHeartbeat(h.sessionId(), h.timestamp());
    if (e instanceof ClientEvent.CloseAck c) return new SessionOutbound.CloseAck(c.sessionId());
    ClientEvent.Busy b = (ClientEvent.Busy) e;
    return SessionOutbound.Backpressure.busy((int) b.resumeAfterMs(), b.message());
  }
}
