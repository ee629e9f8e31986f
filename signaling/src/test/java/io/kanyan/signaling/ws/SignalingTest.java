package io.kanyan.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kanyan.recorder.trail.Chain;
import io.kanyan.recorder.trail.TrailEvent;
import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.kanyan.signaling.testing.Ws;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Pairing, relay, refusals and bad input over real WebSocket connections to the whole server. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SignalingTest {

  static TestServer server;
  static Http alice;
  static Http bob;

  String inspectionId;
  String invite;
  String applicantSeatKey;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("KANYAN_GRACE_PERIOD", "2s", "KANYAN_WS_RATE", "20"));
    alice = Staff.as(server, "alice", "inspector");
    bob = Staff.as(server, "bob", "inspector");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @BeforeEach
  void newInspection() {
    JsonObject created = alice.post("/api/inspections", server.inspectionBody("C-" + UUID.randomUUID())).bodyAsJsonObject();
    inspectionId = created.getJsonObject("inspection").getString("id");
    invite = created.getJsonObject("invite").getString("token");
  }

  Ws inspector() {
    return Ws.staff(server.vertx(), server.httpPort(), alice.sessionCookie(), server.origin()).await();
  }

  Ws applicant() {
    return Ws.applicant(server.vertx(), server.httpPort(), invite, server.origin()).await();
  }

  /** Seats both sides and waits until each knows of the other. */
  Ws[] pair() {
    Ws a = applicant().send(new JsonObject().put("type", "join"));
    JsonObject seated = a.next("joined");
    assertThat(seated.getString("role")).isEqualTo("applicant");
    applicantSeatKey = seated.getString("seatKey");
    Ws i = inspector().send(new JsonObject().put("type", "join").put("inspectionId", inspectionId));
    JsonObject joined = i.next("joined");
    assertThat(joined.getBoolean("peerPresent")).isTrue();
    assertThat(joined.getString("mode")).isEqualTo("p2p");
    assertThat(i.next("peer-joined").getString("role")).isEqualTo("applicant");
    assertThat(a.next("peer-joined").getString("role")).isEqualTo("inspector");
    return new Ws[] {i, a};
  }

  @Test
  void pairsInspectorAndApplicantAndRelaysOfferAnswerAndIce() {
    Ws[] p = pair();
    Ws i = p[0];
    Ws a = p[1];
    i.send(new JsonObject().put("type", "offer").put("sdp", "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"));
    assertThat(a.next("offer").getString("sdp")).startsWith("v=0").contains("o=- 1 2");
    a.send(new JsonObject().put("type", "answer").put("sdp", "v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n"));
    assertThat(i.next("answer").getString("sdp")).contains("o=- 3 4");
    JsonObject candidate = new JsonObject().put("candidate", "candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host")
        .put("sdpMid", "0").put("sdpMLineIndex", 0);
    i.send(new JsonObject().put("type", "ice").put("candidate", candidate));
    assertThat(a.next("ice").getJsonObject("candidate")).isEqualTo(candidate);
    a.send(new JsonObject().put("type", "ice").put("candidate", candidate.copy().put("sdpMid", "1")));
    assertThat(i.next("ice").getJsonObject("candidate").getString("sdpMid")).isEqualTo("1");
    i.close();
    a.close();
  }

  @Test
  void refusesAThirdParticipantForATakenSeat() {
    Ws[] p = pair();
    Ws intruder = applicant().send(new JsonObject().put("type", "join"));
    JsonObject error = intruder.next("error");
    assertThat(error.getString("code")).isEqualTo("seat_taken");
    assertThat(error.getString("message")).contains("already connected");
    assertThat(intruder.closeStatus(3000)).isEqualTo((short) 4409);
    // the real pair is untouched
    p[0].send(new JsonObject().put("type", "ping"));
    assertThat(p[0].next("pong")).isNotNull();
    p[0].close();
    p[1].close();
  }

  @Test
  void refusesUnknownAndExpiredInvitesAtTheHandshake() {
    assertThatThrownBy(() -> Ws.applicant(server.vertx(), server.httpPort(), "no-such-token", server.origin()).await())
        .isInstanceOfSatisfying(UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(401));
    server.clock().advance(Duration.ofHours(25));
    try {
      assertThatThrownBy(() -> applicant())
          .isInstanceOfSatisfying(UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(410));
      assertThat(new Http(server.vertx(), server.httpPort()).getWithHeader("/api/invite", "X-Invite-Token", invite)
          .bodyAsJsonObject().getString("code")).isEqualTo("invite_expired");
    } finally {
      server.clock().advance(Duration.ofHours(-25));
    }
  }

  @Test
  void reissuedInviteReplacesTheOldOne() {
    String fresh = alice.post("/api/inspections/" + inspectionId + "/invite").bodyAsJsonObject()
        .getJsonObject("invite").getString("token");
    assertThatThrownBy(this::applicant)
        .isInstanceOfSatisfying(UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(401));
    invite = fresh;
    Ws a = applicant().send(new JsonObject().put("type", "join"));
    assertThat(a.next("joined").getString("inspectionId")).isEqualTo(inspectionId);
    a.close();
  }

  @Test
  void refusesAForeignOrigin() {
    assertThatThrownBy(() -> Ws.staff(server.vertx(), server.httpPort(), alice.sessionCookie(), "https://evil.example").await())
        .isInstanceOfSatisfying(UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(403));
  }

  @Test
  void refusesStaffWithoutALogin() {
    assertThatThrownBy(() -> Ws.staff(server.vertx(), server.httpPort(), null, server.origin()).await())
        .isInstanceOfSatisfying(UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(401));
    assertThatThrownBy(() -> Ws.staff(server.vertx(), server.httpPort(), "forged", server.origin()).await())
        .isInstanceOfSatisfying(UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(401));
  }

  @Test
  void anotherInspectorCannotJoinOrReadTheInspection() {
    Ws other = Ws.staff(server.vertx(), server.httpPort(), bob.sessionCookie(), server.origin()).await();
    other.send(new JsonObject().put("type", "join").put("inspectionId", inspectionId));
    assertThat(other.next("error").getString("code")).isEqualTo("not_found");
    assertThat(other.closeStatus(3000)).isEqualTo((short) 4403);
    assertThat(bob.get("/api/inspections/" + inspectionId).statusCode()).isEqualTo(404);
    assertThat(bob.get("/api/inspections/" + inspectionId + "/trail").statusCode()).isEqualTo(404);
    assertThat(bob.post("/api/inspections/" + inspectionId + "/end", new JsonObject().put("conclusion", "pass"))
        .statusCode()).isEqualTo(404);
    assertThat(bob.get("/api/inspections").bodyAsJsonArray().stream()
        .map(o -> ((JsonObject) o).getString("id"))).doesNotContain(inspectionId);
  }

  @Test
  void answersBadInputWithErrorsAndKeepsTheConnection() {
    Ws a = applicant();
    a.sendRaw("{not json");
    assertThat(a.next("error").getString("code")).isEqualTo("bad_json");
    a.sendRaw("[1,2,3]");
    assertThat(a.next("error").getString("code")).isEqualTo("bad_json");
    a.send(new JsonObject().put("type", "hello"));
    JsonObject unknown = a.next("error");
    assertThat(unknown.getString("code")).isEqualTo("unknown_type");
    assertThat(unknown.getString("ref")).isEqualTo("hello");
    a.send(new JsonObject().put("type", "offer").put("sdp", "v=0"));
    assertThat(a.next("error").getString("code")).isEqualTo("not_joined");
    a.send(new JsonObject().put("type", "join"));
    a.next("joined");
    a.send(new JsonObject().put("type", "offer"));
    assertThat(a.next("error").getString("code")).isEqualTo("missing_field");
    a.send(new JsonObject().put("type", "ice").put("candidate", "nope"));
    assertThat(a.next("error").getString("code")).isEqualTo("missing_field");
    a.send(new JsonObject().put("type", "location").put("lat", 500).put("lng", 1));
    assertThat(a.next("error").getString("code")).isEqualTo("missing_field");
    a.send(new JsonObject().put("type", "join"));
    assertThat(a.next("error").getString("code")).isEqualTo("already_joined");
    a.send(new JsonObject().put("type", "ping"));
    assertThat(a.next("pong")).isNotNull();
    assertThat(a.isClosed()).isFalse();
    a.close();
  }

  @Test
  void closesAnOversizedMessageWith1009() {
    Ws a = applicant();
    String big = "{\"type\":\"note\",\"text\":\"" + "x".repeat(70 * 1024) + "\"}";
    a.socket().writeTextMessage(big);
    assertThat(a.closeStatus(5000)).isEqualTo((short) 1009);
    // the server is fine
    Ws again = applicant().send(new JsonObject().put("type", "ping"));
    assertThat(again.next("pong")).isNotNull();
    again.close();
  }

  @Test
  void throttlesAndThenClosesAFlood() {
    Ws a = applicant();
    for (int n = 0; n < 200; n++) {
      a.socket().writeTextMessage("{\"type\":\"ping\"}");
    }
    assertThat(a.next("error").getString("code")).isEqualTo("rate_limited");
    assertThat(a.closeStatus(5000)).isEqualTo((short) 1008);
    Ws calm = applicant().send(new JsonObject().put("type", "ping"));
    assertThat(calm.next("pong")).isNotNull();
    calm.close();
  }

  @Test
  void aReconnectWithinTheGracePeriodKeepsTheSeat() {
    Ws[] p = pair();
    Ws i = p[0];
    String seatKey = applicantSeatKey;
    assertThat(seatKey).hasSizeGreaterThanOrEqualTo(43);
    p[1].drop();
    assertThat(i.next("peer-reconnecting").getString("role")).isEqualTo("applicant");
    Ws back = applicant().send(new JsonObject().put("type", "join").put("resume", seatKey));
    JsonObject joined = back.next("joined");
    assertThat(joined.getBoolean("resumed")).isTrue();
    assertThat(i.next("peer-joined").getBoolean("resumed")).isTrue();
    // the seat is really back: relay works again
    i.send(new JsonObject().put("type", "offer").put("sdp", "v=0\r\n"));
    assertThat(back.next("offer")).isNotNull();
    i.close();
    back.close();
  }

  @Test
  void aStaleConnectionIsReplacedOnlyWithTheSeatKey() {
    Ws[] p = pair();
    Ws stale = p[1];
    // the old socket still looks open (a phone that lost its network without closing): a second tab
    // without the key is refused, the same page resuming with the key takes the seat over
    Ws second = applicant().send(new JsonObject().put("type", "join"));
    assertThat(second.next("error").getString("code")).isEqualTo("seat_taken");
    Ws resumed = applicant().send(new JsonObject().put("type", "join").put("resume", applicantSeatKey));
    assertThat(resumed.next("joined").getBoolean("resumed")).isTrue();
    assertThat(stale.closeStatus(3000)).isEqualTo((short) 4000);
    p[0].send(new JsonObject().put("type", "offer").put("sdp", "v=0\r\n"));
    assertThat(resumed.next("offer")).isNotNull();
    p[0].close();
    resumed.close();
  }

  @Test
  void afterTheGracePeriodTheOtherSideIsToldThePeerLeft() {
    Ws[] p = pair();
    p[1].drop();
    assertThat(p[0].next("peer-reconnecting").getInteger("graceSeconds")).isEqualTo(2);
    JsonObject left = p[0].next("peer-left", 6000);
    assertThat(left.getString("reason")).isEqualTo("timeout");
    p[0].close();
    // once both are gone past the grace period, nothing of the call is left on the server
    long deadline = System.currentTimeMillis() + 8000;
    while (callLive(inspectionId) && System.currentTimeMillis() < deadline) {
      sleep(50);
    }
    assertThat(callLive(inspectionId)).isFalse();
  }

  private List<JsonObject> mediaEvents() {
    return alice.get("/api/inspections/" + inspectionId + "/trail").bodyAsJsonObject()
        .getJsonArray("events").stream().map(o -> (JsonObject) o)
        .filter(e -> e.getString("type").equals("media.event")).map(e -> e.getJsonObject("payload")).toList();
  }

  /** Whether the server holds a live call of the inspection, on whichever of its event loops it runs. */
  private boolean callLive(String inspectionId) {
    try {
      return server.running().server().callLive(inspectionId).toCompletionStage().toCompletableFuture()
          .get(5, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void theTrailHoldsTheCallInOrderWithAValidChain() {
    Ws[] p = pair();
    p[1].send(new JsonObject().put("type", "location").put("lat", 39.91).put("lng", 116.41).put("accuracy", 12));
    // The inspector sees the applicant's fix as it arrives (and only then notes, so the order is known).
    JsonObject seen = p[0].next("location");
    assertThat(seen.getDouble("lat")).isEqualTo(39.91);
    assertThat(seen.getDouble("lng")).isEqualTo(116.41);
    assertThat(seen.getDouble("accuracy")).isEqualTo(12.0);
    assertThat(seen.getString("time")).isNotBlank();
    p[0].send(new JsonObject().put("type", "note").put("text", "消防通道畅通"));
    p[1].send(new JsonObject().put("type", "ping"));
    p[1].next("pong");
    JsonObject ended = alice.post("/api/inspections/" + inspectionId + "/end",
        new JsonObject().put("conclusion", "pass").put("remark", "符合要求")).bodyAsJsonObject();
    assertThat(ended.getString("status")).isEqualTo("ended");
    assertThat(p[0].next("ended").getString("conclusion")).isEqualTo("pass");
    assertThat(p[1].next("ended").getString("reason")).isEqualTo("concluded");
    assertThat(p[1].closeStatus(3000)).isEqualTo((short) 1000);

    JsonObject trail = alice.get("/api/inspections/" + inspectionId + "/trail").bodyAsJsonObject();
    assertThat(trail.getBoolean("valid")).isTrue();
    List<String> types = trail.getJsonArray("events").stream().map(o -> ((JsonObject) o).getString("type")).toList();
    assertThat(types).containsSubsequence("inspection.created", "invite.issued", "participant.joined",
        "participant.joined", "call.connected", "location.fix", "note.added", "inspection.ended");
    JsonObject joined = trail.getJsonArray("events").stream().map(o -> (JsonObject) o)
        .filter(e -> e.getString("type").equals("participant.joined")).findFirst().orElseThrow();
    assertThat(joined.getJsonObject("payload").getString("userAgent")).isEqualTo("kanyan-test");
    assertThat(joined.getJsonObject("payload").getString("address")).isNotBlank();

    List<TrailEvent> stored = server.running().storage().redis() == null ? List.of()
        : new io.kanyan.recorder.trail.Trail(server.running().storage().redis(), server.clock()).read(inspectionId).await();
    assertThat(Chain.firstBreak(inspectionId, stored)).isNull();
    assertThat(stored).extracting(TrailEvent::seq).isSorted();

    // the ended inspection can no longer be joined
    assertThatThrownBy(this::applicant)
        .isInstanceOfSatisfying(UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(409));
  }

  @Test
  void aStandingPhonesFixesAllReachTheInspectorButOnlyTheFirstAndOnePer30sGoOnTheTrail() {
    Ws[] p = pair();
    // 62 s of fixes every 2 s (the clock moved on 2 s after each), a metre of GPS noise, accuracy 12 m.
    for (int n = 0; n < 32; n++) {
      double lat = 39.91 + (n % 2) * 0.00001;
      p[1].send(new JsonObject().put("type", "location").put("lat", lat).put("lng", 116.41).put("accuracy", 12));
      assertThat(p[0].next("location").getDouble("lat")).as("fix %d reaches the inspector live", n).isEqualTo(lat);
      server.clock().advance(Duration.ofSeconds(2));
    }
    List<JsonObject> fixes = fixesOnTheTrail(p[0]);
    assertThat(fixes).as("the first fix, then one 30 s (KANYAN_LOCATION_TRAIL_INTERVAL) after each").hasSize(3);
    assertThat(fixes.get(0).getJsonObject("payload").getDouble("lat")).isEqualTo(39.91);
    List<java.time.Instant> times = fixes.stream()
        .map(e -> java.time.Instant.parse(e.getJsonObject("payload").getString("serverTime"))).toList();
    assertThat(Duration.between(times.get(0), times.get(1))).isGreaterThanOrEqualTo(Duration.ofSeconds(30));
    assertThat(Duration.between(times.get(1), times.get(2))).isGreaterThanOrEqualTo(Duration.ofSeconds(30));
    p[0].close();
    p[1].close();
  }

  @Test
  void aMovingPhonesFixesAllGoOnTheTrail() {
    Ws[] p = pair();
    List<Double> sent = new java.util.ArrayList<>();
    for (int n = 0; n < 5; n++) {
      // About 50 m north each time, accuracy 10 m: each fix is far outside the last one's circle.
      sent.add(39.91 + n * 0.00045);
      p[1].send(new JsonObject().put("type", "location").put("lat", sent.get(n)).put("lng", 116.41)
          .put("accuracy", 10));
      p[0].next("location");
      server.clock().advance(Duration.ofSeconds(2));
    }
    List<JsonObject> fixes = fixesOnTheTrail(p[0]);
    assertThat(fixes).extracting(e -> e.getJsonObject("payload").getDouble("lat"))
        .containsExactlyElementsOf(sent);
    p[0].close();
    p[1].close();
  }

  /** The location fixes on the trail once everything sent before is on it (a note after them is). */
  private List<JsonObject> fixesOnTheTrail(Ws inspector) {
    inspector.send(new JsonObject().put("type", "note").put("text", "fixes sent"));
    for (int i = 0; i < 100; i++) {
      List<JsonObject> events = alice.get("/api/inspections/" + inspectionId + "/trail").bodyAsJsonObject()
          .getJsonArray("events").stream().map(o -> (JsonObject) o).toList();
      if (events.stream().anyMatch(e -> e.getString("type").equals("note.added"))) {
        return events.stream().filter(e -> e.getString("type").equals("location.fix")).toList();
      }
      sleep(100);
    }
    throw new AssertionError("the note never reached the trail of " + inspectionId);
  }

  @Test
  void videoModeAndFallbackGoFromTheInspectorToThePhoneAndWhatChangesTheEvidenceGoesOnTheTrail() {
    Ws[] p = pair();
    Ws i = p[0];
    Ws a = p[1];
    i.send(new JsonObject().put("type", "video-mode").put("mode", "sharp"));
    assertThat(a.next("video-mode").getString("mode")).isEqualTo("sharp");
    i.send(new JsonObject().put("type", "video-fallback").put("state", "engaged").put("fps", 2.35));
    assertThat(a.next("video-fallback").getString("state")).isEqualTo("engaged");
    i.send(new JsonObject().put("type", "video-fallback").put("state", "probing"));
    assertThat(a.next("video-fallback").getString("state")).isEqualTo("probing");
    i.send(new JsonObject().put("type", "video-fallback").put("state", "released").put("fps", 14));
    assertThat(a.next("video-fallback").getString("state")).isEqualTo("released");
    // Nonsense is refused by name; the phone does not decide these (forbidden closes its socket, as elsewhere).
    i.send(new JsonObject().put("type", "video-mode").put("mode", "4k"));
    assertThat(i.next("error").getString("message")).contains("mode").contains("sharp, smooth");
    a.send(new JsonObject().put("type", "video-fallback").put("state", "engaged"));
    assertThat(a.next("error").getString("code")).isEqualTo("forbidden");
    assertThat(a.closeStatus(3000)).isEqualTo((short) 4403);

    // The trail events are appended as the messages are relayed, not before: wait until the last one is stored.
    List<JsonObject> media = mediaEvents();
    for (long deadline = System.currentTimeMillis() + 5000; media.size() < 3 && System.currentTimeMillis() < deadline; ) {
      sleep(50);
      media = mediaEvents();
    }
    assertThat(media).extracting(m -> m.getString("kind"))
        .containsExactly("video.mode", "video.fallback.engaged", "video.fallback.released");
    assertThat(media.get(0).getString("mode")).isEqualTo("sharp");
    assertThat(media.get(1).getDouble("fps")).isEqualTo(2.4);
    i.close();
    a.close();
  }
}
