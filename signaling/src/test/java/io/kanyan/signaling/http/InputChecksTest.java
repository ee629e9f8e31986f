package io.kanyan.signaling.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.trail.Trail;
import io.kanyan.recorder.trail.TrailEvent;
import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Field checks that were missing (issue 9, defects 11 and 12), and the invite view's expiry. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InputChecksTest {

  static TestServer server;
  static Http admin;
  static Http inspector;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    admin = new Http(server.vertx(), server.httpPort()).login("admin", TestServer.ADMIN_PASSWORD);
    inspector = Staff.as(server, "olga", "inspector");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static JsonObject user(String username, String displayName, String password) {
    return new JsonObject().put("username", username).put("displayName", displayName).put("role", "inspector")
        .put("password", password);
  }

  @Test
  void refusesAnOverlongNameAndAPasswordOfSpaces() {
    HttpResponse<Buffer> longName = admin.post("/api/users", user("longname", "名".repeat(65), "0123456789ab"));
    assertThat(longName.statusCode()).isEqualTo(400);
    assertThat(longName.bodyAsJsonObject().getString("code")).isEqualTo("bad_field");
    assertThat(longName.bodyAsJsonObject().getString("message")).contains("64");
    assertThat(admin.post("/api/users", user("longname", "名".repeat(64), "0123456789ab")).statusCode()).isEqualTo(201);

    HttpResponse<Buffer> spaces = admin.post("/api/users", user("spaces", "Spaces", " ".repeat(10)));
    assertThat(spaces.statusCode()).isEqualTo(400);
    assertThat(spaces.bodyAsJsonObject().getString("code")).isEqualTo("weak_password");
    assertThat(admin.post("/api/users", user("spaces", "Spaces", "  short   ")).statusCode()).isEqualTo(400);
  }

  @Test
  void refusesARemarkOrReasonThatIsNotText() {
    String id = inspector.post("/api/inspections", server.inspectionBody("I-" + UUID.randomUUID())).bodyAsJsonObject()
        .getJsonObject("inspection").getString("id");
    HttpResponse<Buffer> r = inspector.post("/api/inspections/" + id + "/end",
        new JsonObject().put("conclusion", "pass").put("remark", new JsonObject()));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.bodyAsJsonObject().getString("code")).isEqualTo("bad_field");
    assertThat(r.bodyAsJsonObject().getString("message")).contains("remark");
    HttpResponse<Buffer> c = inspector.post("/api/inspections/" + id + "/cancel", new JsonObject().put("reason", 42));
    assertThat(c.statusCode()).isEqualTo(400);
    assertThat(inspector.get("/api/inspections/" + id).bodyAsJsonObject().getString("status")).isEqualTo("created");
  }

  @Test
  void theInviteViewSaysWhenTheLinkExpiresAndRepeatedOpensDoNotFloodTheTrail() {
    JsonObject created = inspector.post("/api/inspections", server.inspectionBody("I-" + UUID.randomUUID()))
        .bodyAsJsonObject();
    String id = created.getJsonObject("inspection").getString("id");
    String token = created.getJsonObject("invite").getString("token");
    Http phone = new Http(server.vertx(), server.httpPort());
    int ok = 0;
    int limited = 0;
    for (int i = 0; i < 40; i++) {
      HttpResponse<Buffer> r = phone.getWithHeader("/api/invite", "X-Invite-Token", token);
      if (r.statusCode() == 200) {
        ok++;
        assertThat(Instant.parse(r.bodyAsJsonObject().getString("expiresAt")))
            .isEqualTo(Instant.parse(created.getJsonObject("invite").getString("expiresAt")));
      } else {
        assertThat(r.statusCode()).isEqualTo(429);
        limited++;
      }
    }
    System.out.printf("GET /api/invite x40 from one address: %d answered, %d refused (429)%n", ok, limited);
    assertThat(ok).isEqualTo(30);
    assertThat(opened(id)).hasSize(1);
    assertThat(opened(id).get(0).payloadJson().getLong("count")).isEqualTo(1);

    // the quiet minute passes (its key expires); the next open, from another address, carries the count
    server.running().storage().redis().call(c -> c.del("kanyan:invite-opened-quiet:" + id)).await();
    WebClient other = WebClient.create(server.vertx(), new WebClientOptions().setLocalAddress("127.0.0.2"));
    assertThat(other.get(server.httpPort(), "127.0.0.1", "/api/invite").putHeader("X-Invite-Token", token).send()
        .await().statusCode()).isEqualTo(200);
    assertThat(opened(id)).hasSize(2);
    assertThat(opened(id).get(1).payloadJson().getLong("count")).isEqualTo(30);
  }

  static List<TrailEvent> opened(String id) {
    return new Trail(server.running().storage().redis(), server.clock()).read(id).await().stream()
        .filter(e -> e.type().code().equals("invite.opened")).toList();
  }
}
