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
    if (e instanceof ClientEvent.Busy b) return SessionOutbound.Backpressure.busy((int) b.resumeAfterMs(), b.message());
    return room(e);
  }

  /** The room messages of PROTOCOL.md §6.13–6.14. */
  private static SessionOutbound room(ClientEvent e) {
    if (e instanceof ClientEvent.RoomCreateAck a) return new SessionOutbound.RoomCreateAck(a.roomCode(), a.roomId());
    if (e instanceof ClientEvent.RoomMembers m) {
      return new SessionOutbound.RoomMembers(m.roomCode(), m.members().stream().map(p -> new SessionOutbound.Participant(
          p.participantId(), p.sessionId(), p.displayName(), p.preferredLang(), p.rawVoicePreferences(), p.joinedAt()))
          .toList());
    }
    if (e instanceof ClientEvent.RoomError x) return new SessionOutbound.RoomError(x.code(), x.message());
    if (e instanceof ClientEvent.RoomExpired x) return new SessionOutbound.RoomExpired(x.roomCode(), x.message());
    ClientEvent.RoomSignal s = (ClientEvent.RoomSignal) e;
    return new SessionOutbound.WebrtcSignal(s.type(), s.roomCode(), s.to(), s.sdp(), s.candidate());
  }
}
