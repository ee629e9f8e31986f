package io.kanyan.signaling.browser;

import static io.kanyan.signaling.browser.Browsers.js;
import static io.kanyan.signaling.browser.Browsers.visible;
import static io.kanyan.signaling.browser.Browsers.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.trail.Checkpoints;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;

/**
 * The auditor's browser remembers the commitment log's tree head, checks on the next visit that the log only
 * grew (a consistency proof it verifies itself), and warns when an insider rewrote the log in between.
 */
@Timeout(180)
class AuditorLogBrowserTest {

  static final String PASSWORD = "correct-horse-42";

  @RegisterExtension
  static final BrowserFixture fixture = BrowserFixture.withoutServer();

  TestServer server;
  ChromeDriver auditor;

  @BeforeEach
  void start() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    // A fixed port: the browser's memory (localStorage) belongs to the origin, which must survive the restart.
    server = TestServer.start(Map.of("KANYAN_DEV_HTTP_PORT", Integer.toString(port)));
    Http admin = new Http(server.vertx(), server.httpPort()).login("admin", TestServer.ADMIN_PASSWORD);
    createUser(admin, "ian", "inspector");
    createUser(admin, "ada", "auditor");
    auditor = fixture.forTest("auditor", Browsers.Launch.desktop());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static void createUser(Http admin, String username, String role) {
    HttpResponse<Buffer> r = admin.post("/api/users", new JsonObject().put("username", username)
        .put("displayName", username).put("role", role).put("password", PASSWORD));
    assertThat(r.statusCode()).isEqualTo(201);
  }

  private String createInspection(String caseNumber) {
    HttpResponse<Buffer> r = new Http(server.vertx(), server.httpPort()).login("ian", PASSWORD)
        .post("/api/inspections", server.inspectionBody(caseNumber));
    assertThat(r.statusCode()).isEqualTo(201);
    return r.bodyAsJsonObject().getJsonObject("inspection").getString("id");
  }

  private Checkpoints checkpoints() {
    return server.running().server().audit().checkpoints();
  }

  private WebElement visitAuditorPage() {
    auditor.get(server.origin() + "/auditor.html");
    WebElement status = visible(auditor, "log-status", 20);
    waitFor(auditor, 20).until(d -> !status.getText().isBlank());
    return status;
  }

  @Test
  void warnsWhenTheLogWasRewrittenBetweenTwoVisits() throws Exception {
    String first = createInspection("LOG-1");
    long size1 = checkpoints().checkpointNow().await().treeSize();

    Browsers.logIn(auditor, server.origin(), "ada", PASSWORD);
    waitFor(auditor, 10).until(d -> d.getCurrentUrl().contains("/auditor.html"));
    // The login lands on the auditor page, which may already have checked and remembered the log: start this
    // browser's memory afresh so the visit below is the first one.
    WebElement landing = visible(auditor, "log-status", 20);
    waitFor(auditor, 20).until(d -> !landing.getText().isBlank());
    js(auditor, "localStorage.removeItem('kanyan.log.treeHead')");

    WebElement status = visitAuditorPage();
    assertThat(status.getText()).contains("已记住").contains("大小 " + size1);
    assertThat(status.getDomAttribute("data-kind")).isEqualTo("ok");
    String remembered = (String) js(auditor, "return localStorage.getItem('kanyan.log.treeHead')");
    assertThat(new JsonObject(remembered).getLong("size")).isEqualTo(size1);

    // The log grows: the next visit verifies the consistency proof from what the browser remembers.
    createInspection("LOG-2");
    long size2 = checkpoints().checkpointNow().await().treeSize();
    assertThat(size2).isGreaterThan(size1);
    status = visitAuditorPage();
    assertThat(status.getText()).contains("从大小 " + size1 + " 增长到 " + size2);
    assertThat(status.getDomAttribute("data-kind")).isEqualTo("ok");

    // The insider: a changed event on the first inspection, the commitment log and Redis's copy of it deleted,
    // the server restarted; it commits the altered heads into a fresh log of the same key.
    new Trail(server.running().storage().redis(), server.clock())
        .append(first, EventType.NOTE_ADDED, "user:ian", new JsonObject().put("text", "added afterwards")).await();
    Path logFile = checkpoints().settings().logFile();
    server.running().storage().redis().call(c -> c.del(Checkpoints.REDIS_KEY)).await();
    Files.delete(logFile);
    server.restart();
    // The rewritten log is made at least as large as the one the browser saw (a smaller one is caught as shrunk):
    // it must be caught for what it is, a different history of the same size or more.
    long size3 = checkpoints().checkpointNow().await().treeSize();
    for (int i = 3; size3 < size2; i++) {
      createInspection("LOG-" + i);
      size3 = checkpoints().checkpointNow().await().treeSize();
    }
    assertThat(size3).isGreaterThanOrEqualTo(size2);

    WebElement warning = visitAuditorPage();
    assertThat(warning.getText()).contains("承诺日志已被改写").contains("原大小 " + size2);
    assertThat(warning.getDomAttribute("data-kind")).isEqualTo("error");
    assertThat(warning.getDomAttribute("role")).isEqualTo("alert");
    new Select(auditor.findElement(By.id("lang"))).selectByValue("en");
    waitFor(auditor, 10).until(d -> warning.getText().startsWith("WARNING: the commitment log was rewritten"));
    Browsers.screenshot(auditor, "auditor-log-rewritten");

    // The warning stays on the next visit: the browser keeps the tree head it trusted.
    assertThat(visitAuditorPage().getText()).contains("WARNING");
    assertThat(new JsonObject((String) js(auditor, "return localStorage.getItem('kanyan.log.treeHead')"))
        .getLong("size")).isEqualTo(size2);
  }

  @Test
  void acceptsAKeyRotationThatTheKeyHistoryAnnouncesAndWarnsOnAnUnexplainedKey() throws Exception {
    createInspection("KEY-1");
    long size1 = checkpoints().checkpointNow().await().treeSize();
    Browsers.logIn(auditor, server.origin(), "ada", PASSWORD);
    waitFor(auditor, 10).until(d -> d.getCurrentUrl().contains("/auditor.html"));
    assertThat(visitAuditorPage().getDomAttribute("data-kind")).isEqualTo("ok");
    String oldKey = checkpoints().verifierKey();

    // The operator's rotation (recorder/TRAIL.md §9.2): a new key, the retiring one as the previous key.
    Path retiring = checkpoints().settings().keyFile();
    server.restart(Map.of("KANYAN_SIGNING_KEY", server.dataDir().resolve("keys/next-ed25519.pem").toString(),
        "KANYAN_SIGNING_PREVIOUS_KEY", retiring.toString()));
    assertThat(checkpoints().verifierKey()).isNotEqualTo(oldKey);
    createInspection("KEY-2");
    long size2 = checkpoints().checkpointNow().await().treeSize();

    WebElement status = visitAuditorPage();
    assertThat(status.getText()).contains("从大小 " + size1 + " 增长到 " + size2);
    assertThat(status.getDomAttribute("data-kind")).isEqualTo("ok");
    JsonObject remembered = new JsonObject((String) js(auditor, "return localStorage.getItem('kanyan.log.treeHead')"));
    assertThat(remembered.getString("verifierKey")).isEqualTo(checkpoints().verifierKey());

    // A key the history does not lead to from the remembered one is still a warning.
    String stranger = io.kanyan.recorder.trail.SigningKey.generate().noteKey(checkpoints().origin()).verifierKey();
    js(auditor, "localStorage.setItem('kanyan.log.treeHead', arguments[0])",
        remembered.put("verifierKey", stranger).encode());
    WebElement warning = visitAuditorPage();
    assertThat(warning.getDomAttribute("data-kind")).isEqualTo("error");
    assertThat(warning.getText()).contains("签名密钥与本浏览器此前见到的不同");
  }
}
