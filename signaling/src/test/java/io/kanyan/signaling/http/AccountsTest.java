package io.kanyan.signaling.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Logins, sessions, roles and user management through the real HTTP API. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AccountsTest {

  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("KANYAN_SESSION_IDLE", "2s", "KANYAN_LOGIN_ATTEMPTS", "3"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  Http anonymous() {
    return new Http(server.vertx(), server.httpPort());
  }

  @Test
  void loginSetsAnHttpOnlyStrictCookieAndLogoutEndsTheSession() {
    Http admin = anonymous();
    HttpResponse<Buffer> r = admin.post("/api/login",
        new JsonObject().put("username", "admin").put("password", TestServer.ADMIN_PASSWORD));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.bodyAsJsonObject().getString("role")).isEqualTo("admin");
    String cookie = r.cookies().get(0);
    assertThat(cookie).startsWith("kanyan_session=").containsIgnoringCase("HttpOnly").contains("SameSite=Strict")
        .doesNotContain("Secure");
    JsonObject me = admin.get("/api/me").bodyAsJsonObject();
    assertThat(me.getString("username")).isEqualTo("admin");
    // The built-in admin's name is language-neutral (the pages add the role in their own language).
    assertThat(me.getString("displayName")).isEqualTo("admin");
    assertThat(admin.post("/api/logout").statusCode()).isEqualTo(204);
    assertThat(admin.get("/api/me").statusCode()).isEqualTo(401);
  }

  @Test
  void theCookieIsSecureOverTlsWithTheGeneratedCertificate() {
    assertThat(server.dataDir().resolve("tls/self-signed-cert.pem")).exists();
    WebClient tls = WebClient.create(server.vertx(), new WebClientOptions().setSsl(true).setTrustAll(true)
        .setVerifyHost(false));
    HttpResponse<Buffer> health = tls.get(server.httpsPort(), "localhost", "/health").send().await();
    assertThat(health.bodyAsJsonObject().getString("status")).isEqualTo("UP");
    HttpResponse<Buffer> r = tls.post(server.httpsPort(), "localhost", "/api/login")
        .sendJsonObject(new JsonObject().put("username", "admin").put("password", TestServer.ADMIN_PASSWORD)).await();
    assertThat(r.cookies().get(0)).contains("Secure").containsIgnoringCase("HttpOnly");
  }

  @Test
  void wrongPasswordsAreRefusedAndThenRateLimited() {
    Staff.as(server, "carol", "inspector");
    Http guesser = anonymous();
    for (int i = 0; i < 3; i++) {
      HttpResponse<Buffer> r = guesser.post("/api/login", new JsonObject().put("username", "carol").put("password", "guess" + i));
      assertThat(r.statusCode()).isEqualTo(401);
      assertThat(r.bodyAsJsonObject().getString("code")).isEqualTo("bad_credentials");
    }
    HttpResponse<Buffer> limited = guesser.post("/api/login",
        new JsonObject().put("username", "carol").put("password", Staff.PASSWORD));
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.getHeader("Retry-After")).isNotNull();
    assertThat(limited.bodyAsJsonObject().getString("message")).contains("try again");
  }

  @Test
  void passwordsAreStoredOnlyAsSaltedHashes() {
    Staff.as(server, "dave", "auditor");
    Map<String, String> stored = server.running().storage().redis().call(c -> c.hgetall("kanyan:user:dave")).await();
    assertThat(stored.get("password")).startsWith("pbkdf2-sha256$").doesNotContain(Staff.PASSWORD);
    assertThat(stored.values()).noneMatch(v -> v.contains(Staff.PASSWORD));
  }

  @Test
  void onlyAdminsManageUsersAndDisablingEndsSessions() {
    Http erin = Staff.as(server, "erin", "inspector");
    assertThat(erin.get("/api/users").statusCode()).isEqualTo(403);
    assertThat(erin.post("/api/users", new JsonObject().put("username", "x1").put("role", "admin")
        .put("password", "0123456789ab")).statusCode()).isEqualTo(403);
    Http admin = anonymous().login("admin", TestServer.ADMIN_PASSWORD);
    assertThat(admin.post("/api/users", new JsonObject().put("username", "weak").put("role", "inspector")
        .put("password", "short")).bodyAsJsonObject().getString("code")).isEqualTo("weak_password");
    assertThat(admin.post("/api/users", new JsonObject().put("username", "erin").put("role", "inspector")
        .put("password", "0123456789ab")).statusCode()).isEqualTo(409);
    assertThat(admin.post("/api/users/erin/disable").bodyAsJsonObject().getBoolean("disabled")).isTrue();
    assertThat(erin.get("/api/me").statusCode()).isEqualTo(401);
    assertThat(anonymous().post("/api/login", new JsonObject().put("username", "erin").put("password", Staff.PASSWORD))
        .statusCode()).isEqualTo(401);
    admin.post("/api/users/erin/enable");
    anonymous().login("erin", Staff.PASSWORD);
    assertThat(admin.get("/api/users").bodyAsJsonArray().stream().map(o -> ((JsonObject) o).getString("username")))
        .contains("admin", "erin");
  }

  @Test
  void aSessionExpiresAfterItsIdleTime() throws InterruptedException {
    Http frank = Staff.as(server, "frank", "inspector");
    assertThat(frank.get("/api/me").statusCode()).isEqualTo(200);
    Thread.sleep(1200);
    assertThat(frank.get("/api/me").statusCode()).as("use renews the idle timeout").isEqualTo(200);
    Thread.sleep(3000);
    assertThat(frank.get("/api/me").statusCode()).isEqualTo(401);
  }

  @Test
  void malformedAndOversizedBodiesGetClearErrors() {
    Http admin = anonymous().login("admin", TestServer.ADMIN_PASSWORD);
    HttpResponse<Buffer> bad = admin.raw().post(server.httpPort(), "localhost", "/api/users")
        .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer("{nope")).await();
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.bodyAsJsonObject().getString("code")).isEqualTo("bad_json");
    HttpResponse<Buffer> big = admin.raw().post(server.httpPort(), "localhost", "/api/users")
        .putHeader("Content-Type", "application/json")
        .sendBuffer(Buffer.buffer("{\"username\":\"" + "x".repeat(100_000) + "\"}")).await();
    assertThat(big.statusCode()).isEqualTo(413);
    assertThat(admin.get("/api/nothing-here").bodyAsJsonObject().getString("code")).isEqualTo("not_found");
  }
}
