package io.kanyan.signaling.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.RawHttp;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The applicant's pre-call check over HTTP: the ice servers behind the invite, the result on the trail. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrecheckTest {

  static TestServer server;
  static Http ian;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("KANYAN_STUN_URLS", "stun:stun.example.test:3478",
        "KANYAN_TURN_URLS", "turn:turn.example.test:3478", "KANYAN_TURN_SECRET", "precheck-test-secret"));
    ian = Staff.as(server, "ian", "inspector");
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void theInviteGetsTheCallsIceServersWithTurnCredentials() {
    String token = create("PC-ICE-1").getJsonObject("invite").getString("token");
    Http phone = new Http(server.vertx(), server.httpPort());
    HttpResponse<Buffer> r = phone.getWithHeader("/api/invite/ice", InspectionsResource.INVITE_HEADER, token);
    assertThat(r.statusCode()).isEqualTo(200);
    String servers = r.bodyAsJsonObject().getJsonArray("iceServers").encode();
    assertThat(servers).contains("stun:stun.example.test:3478").contains("turn:turn.example.test:3478")
        .contains("username").contains("credential").doesNotContain("precheck-test-secret");
    assertThat(phone.getWithHeader("/api/invite/ice", InspectionsResource.INVITE_HEADER, "nope").statusCode())
        .isEqualTo(401);
  }

  @Test
  void badResultsAreRefusedByFieldAndEachOutcomeGoesOnTheTrailOnce() {
    JsonObject created = create("PC-DONE-1");
    String id = created.getJsonObject("inspection").getString("id");
    String token = created.getJsonObject("invite").getString("token");

    HttpResponse<Buffer> bad = send(token, passing().put("camera", "maybe"));
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.bodyAsJsonObject().getString("code")).isEqualTo("bad_precheck");
    assertThat(bad.bodyAsJsonObject().getString("message")).startsWith("camera must be one of");
    assertThat(send(token, passing().put("candidates", new JsonArray().add("<script>"))).statusCode()).isEqualTo(400);
    assertThat(send(token, passing().put("rttMs", -1)).statusCode()).isEqualTo(400);

    JsonObject failed = send(token, passing().put("location", "denied")).bodyAsJsonObject();
    assertThat(failed.getBoolean("passed")).isFalse();
    assertThat(failed.getBoolean("recorded")).isTrue();
    // The page claims nothing: no candidate found means not passed, whatever else it says.
    assertThat(send(token, passing().put("candidates", new JsonArray())).bodyAsJsonObject().getBoolean("recorded"))
        .isFalse();
    JsonObject passed = send(token, passing()).bodyAsJsonObject();
    assertThat(passed.getBoolean("passed")).isTrue();
    assertThat(passed.getBoolean("recorded")).isTrue();
    assertThat(send(token, passing()).bodyAsJsonObject().getBoolean("recorded")).isFalse();

    List<JsonObject> done = ian.get("/api/inspections/" + id + "/trail").bodyAsJsonObject().getJsonArray("events")
        .stream().map(e -> (JsonObject) e).filter(e -> "precheck.done".equals(e.getString("type"))).toList();
    assertThat(done).extracting(e -> e.getJsonObject("payload").getBoolean("passed")).containsExactly(false, true);
    assertThat(done.get(0).getJsonObject("payload").getString("location")).isEqualTo("denied");
    assertThat(done.get(1).getJsonObject("payload").getJsonArray("candidates").getList())
        .containsExactly("host", "relay");
  }

  @Test
  void aWrongInviteIsRefusedBeforeTheBodyIsRead() {
    // Headers that promise 60,000 bytes, then only 100 of them: the answer must not wait for the rest.
    try (RawHttp raw = new RawHttp(server.httpPort())) {
      raw.send("POST /api/invite/precheck HTTP/1.1\r\nHost: localhost\r\nX-Invite-Token: not-an-invite\r\n"
          + "Content-Type: application/json\r\nContent-Length: 60000\r\n\r\n" + "{".repeat(100));
      RawHttp.Response r = raw.read();
      assertThat(r.status()).isEqualTo(401);
      assertThat(r.body()).contains("invite_unknown");
    }
  }

  private static JsonObject passing() {
    return new JsonObject().put("camera", "ok").put("microphone", "ok").put("location", "ok").put("accuracy", 12.4)
        .put("rttMs", 35).put("candidates", new JsonArray().add("host").add("relay").add("host")).put("inApp", null);
  }

  private static HttpResponse<Buffer> send(String token, JsonObject body) {
    return new Http(server.vertx(), server.httpPort()).raw()
        .post(server.httpPort(), "localhost", "/api/invite/precheck")
        .putHeader(InspectionsResource.INVITE_HEADER, token).sendJsonObject(body).await();
  }

  private static JsonObject create(String caseNumber) {
    HttpResponse<Buffer> r = ian.post("/api/inspections", new JsonObject().put("caseNumber", caseNumber)
        .put("matterType", "食品经营许可").put("applicantName", "张三").put("applicantPhone", "13800138000")
        .put("siteAddress", "上海市黄浦区人民大道200号").put("siteLat", 31.2304).put("siteLng", 121.4737));
    assertThat(r.statusCode()).isEqualTo(201);
    return r.bodyAsJsonObject();
  }
}
