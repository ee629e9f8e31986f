package io.kanyan.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.trail.TrailEvent;
import io.kanyan.signaling.auth.Tokens;
import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.kanyan.signaling.testing.Ws;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Open sockets do not outlive their credential: logout, a disabled account, a re-issued or cancelled invite
 * close them at once (4401), and a credential that vanished without notice is caught at {@code join} and at
 * the next message that writes the trail.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RevocationTest {

  static final AtomicInteger users = new AtomicInteger();
  static TestServer server;
  static Http admin;

  Http inspector;
  String username;
  String inspectionId;
  String invite;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("KANYAN_GRACE_PERIOD", "10s"));
    admin = new Http(server.vertx(), server.httpPort()).login("admin", TestServer.ADMIN_PASSWORD);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @BeforeEach
  void newInspectorAndInspection() {
    username = "rev" + users.incrementAndGet();
    inspector = Staff.as(server, username, "inspector");
    JsonObject created = inspector.post("/api/inspections", server.inspectionBody("R-" + UUID.randomUUID()))
        .bodyAsJsonObject();
    inspectionId = created.getJsonObject("inspection").getString("id");
    invite = created.getJsonObject("invite").getString("token");
  }

  Ws inspectorSocket() {
    return Ws.staff(server.vertx(), server.httpPort(), inspector.sessionCookie(), server.origin()).await();
  }

  Ws applicantSocket() {
    return Ws.applicant(server.vertx(), server.httpPort(), invite, server.origin()).await();
  }

  Ws[] pair() {
    Ws a = applicantSocket().send(new JsonObject().put("type", "join"));
    a.next("joined");
    Ws i = inspectorSocket().send(new JsonObject().put("type", "join").put("inspectionId", inspectionId));
    i.next("joined");
    a.next("peer-joined");
    return new Ws[] {i, a};
  }

  List<String> trailTypes() {
    return new io.kanyan.recorder.trail.Trail(server.running().storage().redis(), server.clock()).read(inspectionId)
        .await().stream().map(e -> e.type().code()).toList();
  }

  @Test
  void disablingAUserClosesTheirSocketsAndGivesUpTheirSeat() {
    Ws[] p = pair();
    Ws idle = inspectorSocket(); // a second tab that never joined
    JsonObject disabled = admin.post("/api/users/" + username + "/disable").bodyAsJsonObject();
    assertThat(disabled.getBoolean("disabled")).isTrue();
    assertThat(p[0].next("error").getString("code")).isEqualTo("account_disabled");
    assertThat(p[0].closeStatus(3000)).isEqualTo((short) 4401);
    assertThat(idle.closeStatus(3000)).isEqualTo((short) 4401);
    JsonObject left = p[1].next("peer-left");
    assertThat(left.getString("role")).isEqualTo("inspector");
    assertThat(left.getString("reason")).isEqualTo("account_disabled");
    assertThat(trailTypes()).doesNotContain("note.added").contains("participant.left");
    p[1].close();
  }

  @Test
  void loggingOutClosesTheSocketsOfThatSessionOnly() {
    Http otherDevice = new Http(server.vertx(), server.httpPort()).login(username, Staff.PASSWORD);
    Ws here = inspectorSocket();
    Ws there = Ws.staff(server.vertx(), server.httpPort(), otherDevice.sessionCookie(), server.origin()).await();
    assertThat(inspector.post("/api/logout").statusCode()).isEqualTo(204);
    assertThat(here.next("error").getString("code")).isEqualTo("session_ended");
    assertThat(here.closeStatus(3000)).isEqualTo((short) 4401);
    there.send(new JsonObject().put("type", "ping"));
    assertThat(there.next("pong")).isNotNull();
    assertThat(there.isClosed()).isFalse();
    there.close();
  }

  @Test
  void reissuingTheInviteClosesTheApplicantsSocket() {
    Ws[] p = pair();
    Ws waiting = applicantSocket(); // a second phone that opened the link but has not joined
    String fresh = inspector.post("/api/inspections/" + inspectionId + "/invite").bodyAsJsonObject()
        .getJsonObject("invite").getString("token");
    assertThat(p[1].next("error").getString("code")).isEqualTo("invite_revoked");
    assertThat(p[1].closeStatus(3000)).isEqualTo((short) 4401);
    assertThat(waiting.closeStatus(3000)).isEqualTo((short) 4401);
    assertThat(p[0].next("peer-left").getString("reason")).isEqualTo("invite_revoked");
    // the new link seats the applicant at once, and the inspector stays
    invite = fresh;
    Ws back = applicantSocket().send(new JsonObject().put("type", "join"));
    assertThat(back.next("joined").getBoolean("peerPresent")).isTrue();
    assertThat(p[0].isClosed()).isFalse();
    back.close();
    p[0].close();
  }

  @Test
  void cancellingTheInviteClosesTheApplicantsSocketBeforeAnotherLocationIsRecorded() {
    Ws[] p = pair();
    assertThat(inspector.delete("/api/inspections/" + inspectionId + "/invite").statusCode()).isEqualTo(204);
    assertThat(p[1].closeStatus(3000)).isEqualTo((short) 4401);
    p[1].socket().writeTextMessage(new JsonObject().put("type", "location").put("lat", 39.9).put("lng", 116.4)
        .encode());
    p[0].send(new JsonObject().put("type", "ping"));
    p[0].next("pong");
    assertThat(trailTypes()).contains("invite.revoked").doesNotContain("location.fix");
    p[0].close();
  }

  @Test
  void aSessionThatVanishedIsRefusedAtJoinAndAtANote() {
    // The session ends without an announcement (as on another node, or by expiry): the re-check catches it.
    Ws i = inspectorSocket();
    String digest = Tokens.digest(inspector.sessionCookie());
    server.running().storage().redis().call(c -> c.del("kanyan:session:" + digest)).await();
    i.send(new JsonObject().put("type", "join").put("inspectionId", inspectionId));
    assertThat(i.next("error").getString("code")).isEqualTo("session_ended");
    assertThat(i.closeStatus(3000)).isEqualTo((short) 4401);

    Http again = new Http(server.vertx(), server.httpPort()).login(username, Staff.PASSWORD);
    Ws seated = Ws.staff(server.vertx(), server.httpPort(), again.sessionCookie(), server.origin()).await()
        .send(new JsonObject().put("type", "join").put("inspectionId", inspectionId));
    seated.next("joined");
    String digest2 = Tokens.digest(again.sessionCookie());
    server.running().storage().redis().call(c -> c.del("kanyan:session:" + digest2)).await();
    server.clock().advance(Duration.ofSeconds(6)); // past the re-check interval of trail-writing messages
    seated.send(new JsonObject().put("type", "note").put("text", "written after the login ended"));
    assertThat(seated.next("error").getString("code")).isEqualTo("session_ended");
    assertThat(seated.closeStatus(3000)).isEqualTo((short) 4401);
    assertThat(trailTypes()).doesNotContain("note.added");
  }

  @Test
  void anInviteThatVanishedIsRefusedAtJoinAndAtALocation() {
    Ws a = applicantSocket();
    deleteInviteKeys();
    a.send(new JsonObject().put("type", "join"));
    assertThat(a.next("error").getString("code")).isEqualTo("invite_revoked");
    assertThat(a.closeStatus(3000)).isEqualTo((short) 4401);

    invite = inspector.post("/api/inspections/" + inspectionId + "/invite").bodyAsJsonObject()
        .getJsonObject("invite").getString("token");
    Ws seated = applicantSocket().send(new JsonObject().put("type", "join"));
    seated.next("joined");
    deleteInviteKeys();
    server.clock().advance(Duration.ofSeconds(6));
    seated.send(new JsonObject().put("type", "location").put("lat", 39.9).put("lng", 116.4));
    assertThat(seated.next("error").getString("code")).isEqualTo("invite_revoked");
    assertThat(seated.closeStatus(3000)).isEqualTo((short) 4401);
    assertThat(trailTypes()).doesNotContain("location.fix");
  }

  /** Removes the invite from Redis behind the server's back (no revocation is announced). */
  private void deleteInviteKeys() {
    String key = "kanyan:invite:" + Tokens.digest(invite);
    server.running().storage().redis().call(c -> c.del(key)).await();
  }
}
