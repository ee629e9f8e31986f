package io.kanyan.signaling.browser;

import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

/**
 * The whole server for browser tests (the shared {@link TestServer}: real redis-server, free ports), with an
 * inspector and an auditor whose names read well in the screenshots.
 */
final class KanyanServer implements AutoCloseable {

  static final String PASSWORD = "correct-horse-42";
  static final String INSPECTOR = "ian";
  static final String AUDITOR = "ada";

  private final TestServer server;
  final Path dataDir;
  final String base;

  private KanyanServer(TestServer server) {
    this.server = server;
    this.dataDir = server.dataDir();
    this.base = server.origin();
  }

  static KanyanServer start() {
    return start(Map.of());
  }

  /** A server with extra environment settings. */
  static KanyanServer start(Map<String, String> extra) {
    Map<String, String> env = new java.util.HashMap<>(Map.of("KANYAN_TIME_ZONE", "Asia/Shanghai"));
    env.putAll(extra);
    KanyanServer s = new KanyanServer(TestServer.start(env));
    Http admin = s.login("admin", TestServer.ADMIN_PASSWORD);
    s.createUser(admin, INSPECTOR, "王检查", "inspector");
    s.createUser(admin, AUDITOR, "李审查", "auditor");
    return s;
  }

  private void createUser(Http admin, String username, String displayName, String role) {
    HttpResponse<Buffer> r = admin.post("/api/users", new JsonObject().put("username", username)
        .put("displayName", displayName).put("role", role).put("password", PASSWORD));
    if (r.statusCode() != 201) {
      throw new AssertionError("creating " + username + " failed: " + r.statusCode() + " " + r.bodyAsString());
    }
  }

  /** A logged-in API client (blocking helpers, for the test thread). */
  Http login(String user, String password) {
    return new Http(server.vertx(), server.httpPort()).login(user, password);
  }

  /** The running server (its Vert.x and ports), for API and WebSocket clients of its own. */
  TestServer raw() {
    return server;
  }

  /** Tries to log in with a wrong password (from this machine, as the browsers do); returns the status. */
  int failLogin(String user) {
    return new Http(server.vertx(), server.httpPort()).post("/api/login",
        new JsonObject().put("username", user).put("password", "not-the-password")).statusCode();
  }

  /** Creates an inspection as the inspector; returns {inspection, invite}. */
  JsonObject createInspection(String caseNumber) {
    HttpResponse<Buffer> r = login(INSPECTOR, PASSWORD).post("/api/inspections", new JsonObject()
        .put("caseNumber", caseNumber).put("matterType", "食品经营许可").put("applicantName", "张三")
        .put("applicantPhone", "13800138000").put("siteAddress", "上海市黄浦区人民大道200号")
        .put("siteLat", 31.2304).put("siteLng", 121.4737));
    if (r.statusCode() != 201) {
      throw new AssertionError("creating inspection failed: " + r.statusCode() + " " + r.bodyAsString());
    }
    return r.bodyAsJsonObject();
  }

  @Override
  public void close() {
    server.close();
  }
}
