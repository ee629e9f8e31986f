package io.kanyan.signaling.browser;

import io.kanyan.signaling.Config;
import io.kanyan.signaling.Main;
import io.kanyan.signaling.auth.Passwords;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * The whole server (embedded redis-server, plain HTTP on a free loopback port) for browser tests, with an
 * inspector and an auditor account, and a small blocking HTTP client for set-up and checks.
 */
final class KanyanServer implements AutoCloseable {

  static final String ADMIN_PASSWORD = "admin-secret-123";
  static final String PASSWORD = "correct-horse-42";
  static final String INSPECTOR = "ian";
  static final String AUDITOR = "ada";

  private final Vertx vertx;
  private final Main.Running running;
  final Path dataDir;
  final String base;

  private KanyanServer(Vertx vertx, Main.Running running, Path dataDir) {
    this.vertx = vertx;
    this.running = running;
    this.dataDir = dataDir;
    this.base = "http://localhost:" + running.server().devHttpPort();
  }

  static KanyanServer start() throws Exception {
    Path dataDir = Files.createTempDirectory("kanyan-browser");
    Config config = Config.from(Map.of(
        "KANYAN_DATA_DIR", dataDir.toString(),
        "KANYAN_TLS", "false",
        "KANYAN_DEV_HTTP", "true",
        "KANYAN_DEV_HTTP_PORT", "0",
        "KANYAN_ADMIN_PASSWORD", ADMIN_PASSWORD,
        "KANYAN_TIME_ZONE", "Asia/Shanghai"));
    Vertx vertx = Vertx.vertx();
    Main.Running running = Main.start(vertx, config, new Passwords(1000), Clock.systemUTC())
        .toCompletionStage().toCompletableFuture().get();
    KanyanServer server = new KanyanServer(vertx, running, dataDir);
    Client admin = server.login("admin", ADMIN_PASSWORD);
    admin.post("/api/users", new JsonObject().put("username", INSPECTOR).put("displayName", "王检查")
        .put("role", "inspector").put("password", PASSWORD));
    admin.post("/api/users", new JsonObject().put("username", AUDITOR).put("displayName", "李审查")
        .put("role", "auditor").put("password", PASSWORD));
    return server;
  }

  Client login(String user, String password) throws Exception {
    Client client = new Client();
    client.post("/api/login", new JsonObject().put("username", user).put("password", password));
    return client;
  }

  /** A logged-in API client with its own cookie jar. */
  final class Client {
    private final HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager())
        .connectTimeout(Duration.ofSeconds(5)).build();

    JsonObject post(String path, JsonObject body) throws IOException, InterruptedException {
      return json(send(HttpRequest.newBuilder(URI.create(base + path))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build()));
    }

    JsonObject get(String path) throws IOException, InterruptedException {
      return json(send(HttpRequest.newBuilder(URI.create(base + path)).GET().build()));
    }

    JsonArray getArray(String path) throws IOException, InterruptedException {
      return new JsonArray(send(HttpRequest.newBuilder(URI.create(base + path)).GET().build()).body());
    }

    HttpResponse<byte[]> getBytes(String path) throws IOException, InterruptedException {
      return http.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
          HttpResponse.BodyHandlers.ofByteArray());
    }

    private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() >= 300) {
        throw new IllegalStateException(request.method() + " " + request.uri().getPath() + " answered "
            + response.statusCode() + ": " + response.body());
      }
      return response;
    }

    private static JsonObject json(HttpResponse<String> response) {
      return response.body().isEmpty() ? new JsonObject() : new JsonObject(response.body());
    }
  }

  /** Creates an inspection as the inspector; returns {inspection, invite}. */
  JsonObject createInspection(String caseNumber) throws Exception {
    return login(INSPECTOR, PASSWORD).post("/api/inspections", new JsonObject()
        .put("caseNumber", caseNumber).put("matterType", "食品经营许可").put("applicantName", "张三")
        .put("applicantPhone", "13800138000").put("siteAddress", "上海市黄浦区人民大道200号")
        .put("siteLat", 31.2304).put("siteLng", 121.4737));
  }

  @Override
  public void close() throws Exception {
    running.close().toCompletionStage().toCompletableFuture().get();
  }
}
