package io.kanyan.signaling.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.signaling.testing.Http;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.sync.RedisCommands;
import io.kanyan.signaling.testing.RawHttp;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.kanyan.signaling.testing.Ws;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What every request goes through: the CSRF checks, the mapping of bad input to 4xx (never 500), the security
 * headers, and the routing of files after the API.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RequestChecksTest {

  static final String EVIL = "https://evil.example";
  static TestServer server;
  static Http admin;
  static Http ian;
  static Http audrey;
  static String id;
  static String invite;
  static RedisClient redisClient;
  static RedisCommands<String, String> redis;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    admin = new Http(server.vertx(), server.httpPort()).login("admin", TestServer.ADMIN_PASSWORD);
    ian = Staff.as(server, "ian", "inspector");
    audrey = Staff.as(server, "audrey", "auditor");
    JsonObject created = ian.post("/api/inspections", server.inspectionBody("RC-001")).bodyAsJsonObject();
    id = created.getJsonObject("inspection").getString("id");
    invite = created.getJsonObject("invite").getString("token");
    redisClient = RedisClient.create(server.redis().url());
    redis = redisClient.connect().sync();
  }

  @AfterAll
  static void stop() {
    redisClient.shutdown();
    server.close();
  }

  @Test
  void refusesCrossSiteAndNonJsonStateChanges() {
    JsonObject user = new JsonObject().put("username", "mallory").put("displayName", "M").put("role", "admin")
        .put("password", "long-enough-password");
    HttpResponse<Buffer> plain = admin.raw().post(server.httpPort(), "localhost", "/api/users")
        .putHeader("Content-Type", "text/plain").sendBuffer(Buffer.buffer(user.encode())).await();
    assertThat(plain.statusCode()).isEqualTo(415);
    HttpResponse<Buffer> foreign = admin.raw().post(server.httpPort(), "localhost", "/api/users")
        .putHeader("Origin", EVIL).sendJsonObject(user).await();
    assertThat(foreign.statusCode()).isEqualTo(403);
    assertThat(foreign.bodyAsJsonObject().getString("code")).isEqualTo("bad_origin");
    HttpResponse<Buffer> disable = admin.raw().post(server.httpPort(), "localhost", "/api/users/ian/disable")
        .putHeader("Origin", EVIL).putHeader("Content-Type", "application/x-www-form-urlencoded")
        .sendBuffer(Buffer.buffer("x=1")).await();
    assertThat(disable.statusCode()).isEqualTo(403);
    HttpResponse<Buffer> form = ian.raw().post(server.httpPort(), "localhost", "/api/inspections")
        .putHeader("Content-Type", "application/x-www-form-urlencoded")
        .sendBuffer(Buffer.buffer("caseNumber=X&matterType=Y")).await();
    assertThat(form.statusCode()).isEqualTo(415);
    HttpResponse<Buffer> fetchMetadata = admin.raw().post(server.httpPort(), "localhost", "/api/users/ian/disable")
        .putHeader("Sec-Fetch-Site", "cross-site").send().await();
    assertThat(fetchMetadata.statusCode()).isEqualTo(403);

    assertThat(admin.get("/api/users").bodyAsJsonArray().encode()).doesNotContain("mallory");
    assertThat(ian.get("/api/me").statusCode()).isEqualTo(200);
    HttpResponse<Buffer> own = admin.raw().post(server.httpPort(), "localhost", "/api/users")
        .putHeader("Origin", server.origin()).sendJsonObject(user.copy().put("username", "molly")).await();
    assertThat(own.statusCode()).isEqualTo(201);
  }

  @Test
  void answersIdsThatCollideWithOtherKeysWithNotFound() {
    String collide = id + ":invite";
    assertThat(redis.get("kanyan:invite-of:" + id)).isNotNull();
    assertThat(redis.keys("kanyan:case:*:invite")).isEmpty();
    for (String path : List.of("/api/inspections/" + collide, "/api/inspections/" + collide + "/trail",
        "/api/inspections/" + collide + "/recordings/1", "/api/inspections/" + collide + "/snapshots/abc",
        "/api/audit/inspections/" + collide, "/api/audit/inspections/" + collide + "/verify",
        "/api/audit/inspections/" + collide + "/export")) {
      Http who = path.startsWith("/api/audit") ? audrey : ian;
      assertThat(who.get(path).statusCode()).as(path).isEqualTo(404);
    }
    assertThat(ian.post("/api/inspections/" + collide + "/end", new JsonObject().put("conclusion", "pass"))
        .statusCode()).isEqualTo(404);
    try (Ws ws = Ws.staff(server.vertx(), server.httpPort(), ian.sessionCookie(), server.origin()).await()) {
      JsonObject error = ws.send(new JsonObject().put("type", "join").put("inspectionId", collide)).next("error");
      assertThat(error.getString("code")).isEqualTo("not_found");
    }
  }

  @Test
  void revokesAnInviteStillPointedAtByTheOldKey() {
    String other = ian.post("/api/inspections", server.inspectionBody("RC-002")).bodyAsJsonObject()
        .getJsonObject("inspection").getString("id");
    String digest = redis.get("kanyan:invite-of:" + other);
    redis.rename("kanyan:invite-of:" + other, "kanyan:case:" + other + ":invite"); // as written before the rename
    ian.post("/api/inspections/" + other + "/invite");
    assertThat(redis.exists("kanyan:invite:" + digest, "kanyan:case:" + other + ":invite")).isZero();
  }

  @Test
  void answersMalformedQueriesWith400() {
    for (String path : List.of("/api/inspections?from=%2B999999999-01-01T00:00:00Z",
        "/api/audit/inspections?from=%2B999999999-01-01T00:00:00Z", "/api/audit/inspections?to=-999999999-01-01",
        "/api/inspections?caseNumber=%zz")) {
      Http who = path.startsWith("/api/audit") ? audrey : ian;
      HttpResponse<Buffer> r = who.get(path);
      assertThat(r.statusCode()).as(path).isEqualTo(400);
    }
    try (RawHttp ws = new RawHttp(server.httpPort())) {
      ws.send("GET /ws?invite=%zz HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
      RawHttp.Response r = ws.read();
      assertThat(r.status()).isEqualTo(400);
      assertThat(new JsonObject(r.body()).getString("code")).isEqualTo("bad_query");
    }
  }

  @Test
  void sendsSecurityHeadersWithDevicesOnlyWhereAPageNeedsThem() {
    HttpResponse<Buffer> login = ian.get("/login.html");
    assertThat(login.statusCode()).isEqualTo(200);
    String csp = login.getHeader("Content-Security-Policy");
    assertThat(csp).contains("script-src 'self'", "frame-ancestors 'none'", "object-src 'none'")
        .doesNotContain("unsafe-inline", "unsafe-eval");
    assertThat(login.getHeader("Permissions-Policy")).contains("camera=()", "microphone=()", "geolocation=()");
    assertThat(login.getHeader("Strict-Transport-Security")).isNull();
    assertThat(ian.get("/applicant.html").getHeader("Permissions-Policy"))
        .contains("camera=(self)", "microphone=(self)", "geolocation=(self)");
    assertThat(ian.get("/inspector.html").getHeader("Permissions-Policy"))
        .contains("camera=(self)", "microphone=(self)", "geolocation=()");
    assertThat(ian.get("/auditor.html").getHeader("Permissions-Policy")).contains("camera=()");
    assertThat(ian.get("/api/me").getHeader("Content-Security-Policy")).isEqualTo(csp);

    WebClient tls = WebClient.create(server.vertx(), new WebClientOptions().setSsl(true).setTrustAll(true)
        .setVerifyHost(false));
    try {
      HttpResponse<Buffer> secure = tls.get(server.httpsPort(), "localhost", "/login.html").send().await();
      assertThat(secure.getHeader("Strict-Transport-Security")).startsWith("max-age=");
      assertThat(secure.getHeader("Content-Security-Policy")).isEqualTo(csp);
    } finally {
      tls.close();
    }
  }

  @Test
  void pagesHaveNoInlineScriptStyleOrHandlers() throws IOException {
    Pattern inlineScript = Pattern.compile("<script(?![^>]*\\bsrc=)[^>]*>", Pattern.CASE_INSENSITIVE);
    Pattern handler = Pattern.compile("\\son[a-z]+\\s*=", Pattern.CASE_INSENSITIVE);
    Pattern style = Pattern.compile("<style|\\sstyle\\s*=|javascript:", Pattern.CASE_INSENSITIVE);
    for (String page : List.of("index", "login", "inspector", "applicant", "auditor", "admin")) {
      String html;
      try (InputStream in = getClass().getClassLoader().getResourceAsStream("webroot/" + page + ".html")) {
        assertThat(in).as(page).isNotNull();
        html = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      assertThat(inlineScript.matcher(html).find()).as(page + " has an inline script").isFalse();
      assertThat(handler.matcher(html).find()).as(page + " has an inline event handler").isFalse();
      assertThat(style.matcher(html).find()).as(page + " has inline style").isFalse();
      // A form with a password falls back to the browser's own submission if a click beats the page's script:
      // that must never be a GET, which would put the password into the address bar, history and server logs.
      Matcher form = Pattern.compile("<form[^>]*>(.*?)</form>", Pattern.CASE_INSENSITIVE | Pattern.DOTALL).matcher(html);
      while (form.find()) {
        if (form.group(1).contains("type=\"password\"")) {
          assertThat(form.group()).as(page + ": a form with a password field").containsPattern("method=\"post\"");
        }
      }
    }
  }

  @Test
  void routesTheApiAndSocketBeforeFilesAndServesFilesFromBoundedPathsOnly() {
    Router router = server.running().server().router();
    List<Route> routes = router.getRoutes();
    for (Route route : routes) {
      boolean catchAll = route.getPath() == null && !route.isRegexPath();
      if (catchAll) {
        assertThat(route.getName()).as("a route that matches every path").isIn(Api.HEADERS_ROUTE, Api.FAILURES_ROUTE);
      }
    }
    assertThat(routes.stream().filter(r -> WebClientFiles.ROUTE.equals(r.getName()))).hasSize(1);
    HttpResponse<Buffer> missing = ian.get("/js/no-such-module.js");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.bodyAsJsonObject().getString("code")).isEqualTo("not_found");
    assertThat(ian.get("/io/kanyan/signaling/Main.class").statusCode()).isEqualTo(404);
    assertThat(ian.get("/js/api.js").statusCode()).isEqualTo(200);
    assertThat(ian.get("/i18n/en.json").statusCode()).isEqualTo(200);
    assertThat(ian.get("/favicon.ico").statusCode()).isEqualTo(200);
  }
}
