package dev.polyglot.scheduler.bootstrap;

import dev.polyglot.scheduler.api.Cut;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.polyglot.scheduler.dispatch.Dispatcher;
import dev.polyglot.scheduler.api.JobOrder;
import dev.polyglot.scheduler.api.NodeResult;
import dev.polyglot.scheduler.node.NodeEntity;
import dev.polyglot.scheduler.node.NodeSocket;
import dev.polyglot.scheduler.api.NodeStatus;
import dev.polyglot.scheduler.api.NodeSummary;
import dev.polyglot.scheduler.pool.NodeView;
import dev.polyglot.scheduler.pool.PoolDirectory;
import dev.polyglot.scheduler.pool.PoolUpdate;
import dev.polyglot.scheduler.api.ExtraResult;
import dev.polyglot.scheduler.api.FeatureFlags;
import dev.polyglot.scheduler.api.PipelineConfig;
import dev.polyglot.scheduler.api.ServiceTimings;
import dev.polyglot.scheduler.session.ClientEvent;
import dev.polyglot.scheduler.session.SessionEntity;
import dev.polyglot.scheduler.session.SessionSocket;
import dev.polyglot.scheduler.testkit.Fixtures;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Every message that may cross instances survives Jackson serialization intact (never Java serialization). */
class ClusterSerializationTest {
  static final ActorTestKit kit = ActorTestKit.create();

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private Object roundTrip(Object m) {
    var classic = (org.apache.pekko.actor.ExtendedActorSystem) Adapter.toClassic(kit.system());
    Serialization s = SerializationExtension.get(classic);
    var serializer = s.findSerializerFor(m);
    assertEquals("org.apache.pekko.serialization.jackson.JacksonJsonSerializer", serializer.getClass().getName(),
        m.getClass() + " must be bound to Jackson");
    scala.Function0<Object> both = () -> {
      byte[] bytes = serializer.toBinary(m);
      return s.deserialize(bytes, serializer.identifier(), Serializers.manifestFor(serializer, m)).get();
    };
    return org.apache.pekko.serialization.Serialization$.MODULE$.withTransportInformation(classic, both);
  }

  /** Same concrete type and same content (records print every component). */
  private void assertSurvives(Object m) {
    Object back = roundTrip(m);
    assertEquals(m.getClass(), back.getClass());
    assertEquals(m.toString(), back.toString());
  }

  static JobOrder order(byte[] audio) {
    return new JobOrder("job-1", 2, "s-1", 3, "auto", "en", PipelineConfig.streamingDefault(), audio, "opus", 16000,
        "trace", true, 1000, "turn", "yue", FeatureFlags.empty(), "two_way_auto", "zh", "en", List.of("zh", "en"), 220,
        Cut.MAX_DURATION);
  }

  @Test
  void anAssignWithAFiveHundredKibibyteUtteranceArrivesByteForByte() {
    byte[] audio = new byte[512_000];
    new Random(7).nextBytes(audio);
    NodeEntity.Assign back = (NodeEntity.Assign) roundTrip(new NodeEntity.Assign(order(audio), 1234));
    assertArrayEquals(audio, back.order().audio());
    assertEquals(List.of("zh", "en"), back.order().autoLangs());
    assertTrue(back.order().maxDurationTriggered());
  }

  @Test
  void nodeCommandsSurvive() {
    ActorRef<NodeSocket.Command> socket = kit.createTestProbe(NodeSocket.Command.class).getRef();
    ActorRef<NodeEntity.ReserveReply> reply = kit.createTestProbe(NodeEntity.ReserveReply.class).getRef();
    assertSurvives(new NodeEntity.Register(Fixtures.agentFacts(List.of("zh", "en")), true, true, socket));
    assertSurvives(new NodeEntity.Heartbeat(Fixtures.usage(10, 1), null, null, null, null,
        JsonNodeFactory.instance.objectNode().put("x", 1), socket));
    assertSurvives(new NodeEntity.Reserve("job-1", 1, "s-1", 0, Set.of("asr"), Set.of("node-a"), reply));
    assertSurvives(new NodeEntity.Reserved("node-a", "job-1", 1, 9));
    assertSurvives(new NodeEntity.Mark(64, socket));
    assertSurvives(new NodeSocket.Taken(64, 5));
    assertSurvives(new NodeEntity.Refused("node-a", "job-1", 1, "full"));
    assertSurvives(new NodeEntity.Cancel("job-1", 1, "trace", "superseded"));
    assertSurvives(NodeEntity.Reannounce.INSTANCE);
    assertSurvives(new NodeSocket.SendStatus(NodeStatus.READY, "healthy heartbeat", 5));
    assertSurvives(new NodeSocket.CloseWith("NODE_CONNECTION_REPLACED", "replaced"));
    assertSurvives(new PoolDirectory.NodeChanged(new NodeView("node-a", 3, true, NodeStatus.READY, false,
        Set.of("zh:en"), Set.of("asr"), false, 1, 2, 7, 4)));
    assertSurvives(new PoolUpdate(1, 2, List.of(), true));
  }

  @Test
  void everyMessageForASessionSurvivesWithItsConcreteType() {
    NodeResult r = new NodeResult("job-1", 1, true, "a", "b", "TAB4", "opus",
        new ExtraResult(null, 1.5, null, new ServiceTimings(1, 2, 3, 6), 0.9, null, null), 10, null, 1L, "good",
        List.of("x"), 0.5, 0, null, 99);
    assertSurvives(new NodeEntity.ResultFromNode(r, kit.createTestProbe(NodeSocket.Command.class).getRef(), "s-1"));
    for (Dispatcher.Reply m : List.of(new Dispatcher.Placed("job-1", 1, "node-a", 3),
        new Dispatcher.NoEligible("job-1", 1, "zh:en"), new Dispatcher.Queued("job-1", 1, "zh:en"),
        new Dispatcher.QueueFull("job-1", 1, "zh:en", 10_000))) {
      assertSurvives(new SessionEntity.FromDispatcher(m));
    }
    for (NodeEntity.ToSession m : List.of(new NodeEntity.AttemptDispatched("job-1", 1, "node-a", 5),
        new NodeEntity.AttemptLost("job-1", 1, "node-a", "socket closed"), new NodeEntity.ResultReceived("job-1", "node-a", r),
        new NodeEntity.PartialReceived("job-1", "node-a", "hi", false), new NodeEntity.AckReceived("job-1", 1, "node-a", true))) {
      assertSurvives(new SessionEntity.FromNode(m));
    }
    ActorRef<SessionSocket.Command> socket = kit.createTestProbe(SessionSocket.Command.class).getRef();
    assertSurvives(new SessionEntity.Mark(16, socket));
    assertSurvives(new SessionSocket.Taken("s-1", 16, 7));
    assertSurvives(new SessionSocket.Durable("s-1", 16, 7));
    assertSurvives(new SessionSocket.Replay("s-1", 3, 7));
    byte[] audio = new byte[1000];
    Arrays.fill(audio, (byte) 3);
    SessionEntity.Audio a = (SessionEntity.Audio) roundTrip(new SessionEntity.Audio(audio, true, 5L, socket));
    assertArrayEquals(audio, a.payload());
    assertSurvives(new SessionEntity.Init(new SessionEntity.InitData("auto", "en", "web", "web", "two_way_auto", "zh", "en",
        List.of("zh", "en"), null, FeatureFlags.empty(), null, "trace"), socket));
  }

  @Test
  void everyClientEventSurvivesInsideDeliver() {
    for (ClientEvent e : List.of(new ClientEvent.InitAck("s-1", "t"), new ClientEvent.Partial("s-1", 1, "j", "x", true, "t"),
        new ClientEvent.Ui("t", "s-1", "j", 1, "ERROR", "error", 5L, "JOB_TIMEOUT"),
        new ClientEvent.Error("NO_AVAILABLE_NODE", "none", JsonNodeFactory.instance.objectNode().put("job_id", "j"), "t"),
        new ClientEvent.ServerHeartbeat("s-1", 9), new ClientEvent.CloseAck("s-1"), new ClientEvent.Busy(2000, "busy"),
        new ClientEvent.Result("s-1", 1, "j", "a", "b", "", "opus", "t", null, "g", 0, null, null, 7, null, null, null,
            null, null))) {
      assertSurvives(new SessionSocket.Deliver("s-1", e));
    }
  }

  /** What the admin API and the operators' snapshot send between instances (issue 14). */
  @Test
  void theOperatorsReportsDetailsAndJobLookupsSurvive() {
    var node = Fixtures.readyNode("node-a", List.of("zh", "en"));
    var figures = dev.polyglot.scheduler.api.NodeFigures.of(node.facts());
    NodeSummary summary = new NodeSummary("node-a", true, NodeStatus.READY, true, false, 1, 1, 1, 3, false,
        Set.of("zh:en"), Set.of("asr"), 0, List.of(), 5, 6, 4, "linux", Fixtures.usage(10, 1), List.of(), List.of(),
        "2026-06", figures);
    assertSurvives(summary);
    assertSurvives(new NodeEntity.Detail(summary, dev.polyglot.scheduler.node.NodeDetails.extras(node)));
    ActorRef<NodeEntity.Detail> details = kit.createTestProbe(NodeEntity.Detail.class).getRef();
    assertSurvives(new NodeEntity.GetDetail(details));
    ActorRef<SessionEntity.Detail> sessionDetails = kit.createTestProbe(SessionEntity.Detail.class).getRef();
    assertSurvives(new SessionEntity.GetDetail(sessionDetails));
    assertSurvives(new SessionEntity.GetJob("job-1", sessionDetails));
    assertSurvives(new SessionEntity.Detail(true, JsonNodeFactory.instance.objectNode().put("session_id", "s-1")));
    assertSurvives(new SessionEntity.Detail(false, null));
    ActorRef<dev.polyglot.scheduler.ops.OpsReports.Command> ops =
        kit.createTestProbe(dev.polyglot.scheduler.ops.OpsReports.Command.class).getRef();
    var info = new dev.polyglot.scheduler.ops.LiveSessions.Info("s-1", "zh", "en", "one_way", null, null, "web", "1.0",
        "trace", 9);
    assertSurvives(new dev.polyglot.scheduler.ops.OpsReports.Report("pekko://scheduler@127.0.0.1:1", "i-1", ops, true,
        2, 3, 1, List.of(info), java.util.Map.of("zh", new dev.polyglot.scheduler.ops.OpsReports.LanguageUse(1, 0)),
        java.util.Map.of("zh:en", 2), java.util.Map.of("jobs_created_total{path=\"stream\"}", 4L),
        java.util.Map.of("dispatch_seconds", new dev.polyglot.scheduler.ops.OpsReports.Latency(3, 1, 2, 3, 3,
            List.of(1L, 2L, 3L))), 77));
    ActorRef<dev.polyglot.scheduler.ops.OpsReports.JobFound> found =
        kit.createTestProbe(dev.polyglot.scheduler.ops.OpsReports.JobFound.class).getRef();
    assertSurvives(new dev.polyglot.scheduler.ops.OpsReports.FindJob("job-1", found));
    assertSurvives(new dev.polyglot.scheduler.ops.OpsReports.JobFound("job-1", "s-1"));
    assertSurvives(new dev.polyglot.scheduler.ops.OpsReports.JobFound("job-1", null));
  }

  @Test
  void everyRoomMessageSurvivesWithItsConcreteType() {
    ActorRef<dev.polyglot.scheduler.room.RoomEntity.Reply> reply =
        kit.createTestProbe(dev.polyglot.scheduler.room.RoomEntity.Reply.class).getRef();
    var alice = new dev.polyglot.scheduler.room.Room.Candidate("s-3F9A0C1B", "Alice", "zh");
    var room = dev.polyglot.scheduler.room.Room.create("482913", "9a4d6f0e-2b1c-4e7a-8d3f-5c6b7a8e9f01", alice, 0,
            1_767_225_600_123L)
        .join(new dev.polyglot.scheduler.room.Room.Candidate("s-77E01A2C", null, "en"), 1_767_225_602_410L).room()
        .setRawVoice("s-77E01A2C", "s-3F9A0C1B", false).room();
    var members = room.view(true);
    var sdp = JsonNodeFactory.instance.objectNode().put("type", "offer").put("sdp", "v=0\r\no=- 46117 2 IN IP4 127.0.0.1");
    var ice = JsonNodeFactory.instance.objectNode().put("candidate", "candidate:1 1 UDP 2122252543 10.0.0.1 5000 typ host");
    List<Object> messages = List.of(
        new dev.polyglot.scheduler.room.RoomEntity.Create("id-1", alice, reply),
        new dev.polyglot.scheduler.room.RoomEntity.Join(alice, reply),
        new dev.polyglot.scheduler.room.RoomEntity.Leave("s-1", reply),
        new dev.polyglot.scheduler.room.RoomEntity.SetRawVoice("s-1", "s-2", false, reply),
        new dev.polyglot.scheduler.room.RoomEntity.MemberEnded("s-1",
            dev.polyglot.scheduler.room.RoomEntity.EndReason.SOCKET_CLOSED),
        new dev.polyglot.scheduler.room.RoomEntity.Delivered("s-1"),
        new dev.polyglot.scheduler.room.RoomEntity.Relay("webrtc_offer", "s-1", "s-2", sdp, null),
        new dev.polyglot.scheduler.room.RoomEntity.Relay("webrtc_ice", "s-1", "s-2", null, ice),
        new dev.polyglot.scheduler.room.RoomEntity.GetFanout("s-1", "en", reply),
        new dev.polyglot.scheduler.room.RoomEntity.GetMembers(reply),
        dev.polyglot.scheduler.room.RoomEntity.Stop.INSTANCE,
        new dev.polyglot.scheduler.room.RoomEntity.Reply.Created("482913", "id-1", members),
        new dev.polyglot.scheduler.room.RoomEntity.Reply.Joined(members),
        new dev.polyglot.scheduler.room.RoomEntity.Reply.Done("482913"),
        new dev.polyglot.scheduler.room.RoomEntity.Reply.Plan(room.fanout("s-3F9A0C1B", "en").orElseThrow()),
        new dev.polyglot.scheduler.room.RoomEntity.Reply.Current(members),
        new dev.polyglot.scheduler.room.RoomEntity.Reply.CodeTaken("482913"),
        new dev.polyglot.scheduler.room.RoomEntity.Reply.Refused("482913",
            dev.polyglot.scheduler.room.Room.Refusal.ALREADY_IN_ROOM, "already in room 482913"),
        members,
        new dev.polyglot.scheduler.room.RoomEvent.Expired("482913", "room expired after 30 minutes without speech"),
        new dev.polyglot.scheduler.room.RoomEvent.Signal("482913", "webrtc_answer", "s-1", sdp, null),
        new dev.polyglot.scheduler.room.RoomCreation.Outcome.Created("482913", "id-1", members),
        new dev.polyglot.scheduler.room.RoomCreation.Outcome.Failed("no free room code after 14 claims"));
    for (Object m : messages) {
      assertEquals(m, roundTrip(m), m.getClass().getName());
    }
    // what a room tells a member session: a field typed as the sealed RoomEvent
    for (var e : List.of(members, new dev.polyglot.scheduler.room.RoomEvent.Expired("482913", "gone"),
        new dev.polyglot.scheduler.room.RoomEvent.Signal("482913", "webrtc_ice", "s-1", null, ice))) {
      assertEquals(new SessionEntity.FromRoom(e), roundTrip(new SessionEntity.FromRoom(e)));
    }
  }

  @Test
  void everyRoomRequestOfASessionSurvivesWithItsConcreteType() {
    ActorRef<SessionSocket.Command> socket = kit.createTestProbe(SessionSocket.Command.class).getRef();
    var sdp = JsonNodeFactory.instance.objectNode().put("type", "offer").put("sdp", "v=0");
    var ice = JsonNodeFactory.instance.objectNode().put("candidate", "candidate:1 1 UDP 1 10.0.0.1 5000 typ host");
    for (var r : List.of(new dev.polyglot.scheduler.room.RoomRequest.Create("Alice", "zh"),
        new dev.polyglot.scheduler.room.RoomRequest.Create(null, null),
        new dev.polyglot.scheduler.room.RoomRequest.Join("482913", null, "en"),
        new dev.polyglot.scheduler.room.RoomRequest.Leave("482913"),
        new dev.polyglot.scheduler.room.RoomRequest.RawVoice("482913", "s-2", false),
        new dev.polyglot.scheduler.room.RoomRequest.Signal("webrtc_offer", "482913", "s-2", sdp, null),
        new dev.polyglot.scheduler.room.RoomRequest.Signal("webrtc_ice", "482913", "s-2", null, ice))) {
      assertSurvives(new SessionEntity.ForRoom(r, socket));
    }
    ClientEvent.Result result = new ClientEvent.Result("s-speaker", 3, "j", "你好", "hello", "TAB4", "opus", "t", null,
        "g", 0, null, null, 7, null, null, null, null, null);
    assertEquals(new SessionEntity.Heard(result), roundTrip(new SessionEntity.Heard(result)));
    var view = new dev.polyglot.scheduler.room.RoomEvent.Participant("s-1", "s-1", "Alice", "zh",
        java.util.Map.of("s-2", false), "2026-01-10T08:15:30.123Z");
    for (ClientEvent e : List.of(new ClientEvent.RoomCreateAck("482913", "id-1"),
        new ClientEvent.RoomMembers("482913", List.of(view)), new ClientEvent.RoomError("ROOM_NOT_FOUND", "none"),
        new ClientEvent.RoomExpired("482913", "room expired after 30 minutes without speech"),
        new ClientEvent.RoomSignal("webrtc_answer", "482913", "s-1", sdp, null))) {
      assertEquals(new SessionSocket.Deliver("s-1", e), roundTrip(new SessionSocket.Deliver("s-1", e)));
    }
  }
}
