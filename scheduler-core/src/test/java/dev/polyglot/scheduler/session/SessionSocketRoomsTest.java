package dev.polyglot.scheduler.session;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.polyglot.scheduler.config.SchedulerSettings;
import dev.polyglot.scheduler.edge.Admission;
import dev.polyglot.scheduler.edge.SocketAck;
import dev.polyglot.scheduler.edge.SocketIn;
import dev.polyglot.scheduler.edge.SocketOut;
import dev.polyglot.scheduler.room.RoomEvent;
import dev.polyglot.scheduler.room.RoomRequest;
import dev.polyglot.scheduler.testkit.ManualClock;
import dev.polyglot.scheduler.testkit.TestKits;
import dev.polyglot.scheduler.testkit.TestSettings;
import dev.polyglot.scheduler.wire.WireCodec;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Room messages at the session socket (PROTOCOL.md §6.13–6.14): to the most recent live session, and back as JSON. */
class SessionSocketRoomsTest {
  static final ActorTestKit kit = TestKits.manualTime();
  static final ManualTime time = ManualTime.get(kit.system());
  static final String INIT = "{\"type\":\"session_init\",\"src_lang\":\"zh\",\"tgt_lang\":\"en\"}";

  private final ManualClock clock = new ManualClock(time);
  private final TestProbe<SessionEntity.Command> sessions = kit.createTestProbe();
  private final TestProbe<SocketOut> out = kit.createTestProbe();
  private final TestProbe<SocketAck> acks = kit.createTestProbe();
  /** Every session id the socket addressed, in order. */
  private final List<String> addressed = new CopyOnWriteArrayList<>();
  private final ActorRef<SessionSocket.Command> socket = socket();

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private ActorRef<SessionSocket.Command> socket() {
    SchedulerSettings settings = TestSettings.with("");
    return kit.spawn(SessionSocket.create(out.getRef(), new SessionSocket.Deps(settings, clock, id -> {
      addressed.add(id);
      return sessions.getRef();
    }, new WireCodec(), new Admission(settings.admission(), clock::monoMillis))));
  }

  private void send(String json) {
    socket.tell(new SessionSocket.Frame(new SocketIn.Text(json), acks.getRef()));
    acks.receiveMessage();
  }

  private String text() {
    return ((SocketOut.Text) out.receiveMessage()).text();
  }

  private String init() {
    send(INIT);
    sessions.expectMessageClass(SessionEntity.Init.class);
    return addressed.get(addressed.size() - 1);
  }

  private SessionEntity.ForRoom forwarded() {
    return sessions.expectMessageClass(SessionEntity.ForRoom.class);
  }

  @Test
  void aRoomMessageWithoutASessionIsInvalidSession() {
    send("{\"type\":\"room_create\",\"display_name\":\"Alice\",\"preferred_lang\":\"zh\"}");
    String error = text();
    assertTrue(error.contains("\"code\":\"INVALID_SESSION\"") && error.contains("session not initialized"), error);
    sessions.expectNoMessage(java.time.Duration.ofMillis(50));
  }

  @Test
  void roomMessagesGoToTheMostRecentlyCreatedLiveSession() {
    String first = init();
    String second = init();
    send("{\"type\":\"room_create\",\"client_ts\":1767225600000,\"display_name\":\"Alice\",\"preferred_lang\":\"zh\"}");
    assertEquals(new RoomRequest.Create("Alice", "zh"), forwarded().request());
    assertEquals(second, addressed.get(addressed.size() - 1));
    send("{\"type\":\"session_close\",\"session_id\":\"" + second + "\"}");
    sessions.expectMessageClass(SessionEntity.Close.class);
    send("{\"type\":\"room_join\",\"room_code\":\"482913\",\"preferred_lang\":\"en\"}");
    assertEquals(new RoomRequest.Join("482913", null, "en"), forwarded().request());
    assertEquals(first, addressed.get(addressed.size() - 1), "a closing session is no longer the caller");
  }

  @Test
  void everyRoomAndWebrtcMessageIsForwardedInDomainTerms() {
    init();
    send("{\"type\":\"room_leave\",\"room_code\":\"482913\"}");
    assertEquals(new RoomRequest.Leave("482913"), forwarded().request());
    send("{\"type\":\"room_raw_voice_preference\",\"room_code\":\"482913\",\"target_session_id\":\"s-77E01A2C\","
        + "\"receive_raw_voice\":false}");
    assertEquals(new RoomRequest.RawVoice("482913", "s-77E01A2C", false), forwarded().request());
    send("{\"type\":\"webrtc_offer\",\"room_code\":\"482913\",\"to\":\"s-77E01A2C\",\"sdp\":{\"type\":\"offer\","
        + "\"sdp\":\"v=0\"}}");
    RoomRequest.Signal offer = (RoomRequest.Signal) forwarded().request();
    assertEquals("webrtc_offer", offer.type());
    assertEquals("s-77E01A2C", offer.to());
    assertEquals("v=0", offer.sdp().get("sdp").asText());
    send("{\"type\":\"webrtc_ice\",\"room_code\":\"482913\",\"to\":\"s-77E01A2C\",\"candidate\":{\"candidate\":\"c\"}}");
    RoomRequest.Signal ice = (RoomRequest.Signal) forwarded().request();
    assertNull(ice.sdp());
    assertEquals("c", ice.candidate().get("candidate").asText());
    out.expectNoMessage(java.time.Duration.ofMillis(50)); // no "rooms are not supported" any more
  }

  @Test
  void roomEventsReachTheClientAsTheWireMessagesOfTheProtocol() {
    String id = init();
    socket.tell(new SessionSocket.Deliver(id, new ClientEvent.RoomCreateAck("482913", "room-1")));
    assertEquals("{\"type\":\"room_create_ack\",\"room_code\":\"482913\",\"room_id\":\"room-1\"}", text());
    socket.tell(new SessionSocket.Deliver(id, new ClientEvent.RoomMembers("482913", List.of(new RoomEvent.Participant(
        "s-3F9A0C1B", "s-3F9A0C1B", "Alice", "zh", Map.of("s-77E01A2C", false), "2026-01-10T08:15:30.123Z")))));
    assertEquals("{\"type\":\"room_members\",\"room_code\":\"482913\",\"members\":[{\"participant_id\":\"s-3F9A0C1B\","
        + "\"session_id\":\"s-3F9A0C1B\",\"display_name\":\"Alice\",\"preferred_lang\":\"zh\","
        + "\"raw_voice_preferences\":{\"s-77E01A2C\":false},\"joined_at\":\"2026-01-10T08:15:30.123Z\"}]}", text());
    socket.tell(new SessionSocket.Deliver(id, new ClientEvent.RoomError("ALREADY_IN_ROOM", "already in room 482913")));
    assertEquals("{\"type\":\"room_error\",\"code\":\"ALREADY_IN_ROOM\",\"message\":\"already in room 482913\"}", text());
    socket.tell(new SessionSocket.Deliver(id, new ClientEvent.RoomExpired("482913", "room expired after 30 minutes "
        + "without speech")));
    assertEquals("{\"type\":\"room_expired\",\"room_code\":\"482913\",\"message\":\"room expired after 30 minutes "
        + "without speech\"}", text());
    var sdp = JsonNodeFactory.instance.objectNode().put("type", "offer").put("sdp", "v=0");
    socket.tell(new SessionSocket.Deliver(id, new ClientEvent.RoomSignal("webrtc_offer", "482913", "s-3F9A0C1B", sdp,
        null)));
    assertEquals("{\"type\":\"webrtc_offer\",\"room_code\":\"482913\",\"to\":\"s-3F9A0C1B\",\"sdp\":{\"type\":\"offer\","
        + "\"sdp\":\"v=0\"}}", text());
  }
}
