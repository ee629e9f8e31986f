package io.kanyan.signaling.browser;

import static io.kanyan.signaling.browser.Browsers.js;
import static io.kanyan.signaling.browser.Browsers.screenshot;
import static io.kanyan.signaling.browser.Browsers.visible;
import static io.kanyan.signaling.browser.Browsers.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.recording.Sha256;
import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Ws;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;

/**
 * The auditor page verifies an inspection and says the outcome in plain words (a tampered file named), offers
 * the evidence package and the public key, shows the trail without repeated words, and switches language
 * completely.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AuditorEvidenceBrowserTest {

  static final String CASE = "KY-AUDIT-7";
  static final Pattern HAN = Pattern.compile("\\p{IsHan}");

  // A checkpoint every second, so the verification has a signed checkpoint to check against.
  @RegisterExtension
  static final BrowserFixture fixture = BrowserFixture.withServer(Map.of("KANYAN_CHECKPOINT_INTERVAL", "1s"))
      .browser("auditor", Browsers.Launch.desktop());

  static KanyanServer server;
  static ChromeDriver auditor;

  @BeforeAll
  static void start() {
    server = fixture.server();
    auditor = fixture.browser("auditor");
  }

  @Test
  void auditorVerifiesDownloadsTheEvidenceAndSeesTamperingNamed() throws Exception {
    audit();
  }

  private void audit() throws Exception {
    // An inspection with an applicant who joined, a snapshot, and an end.
    JsonObject created = server.createInspection(CASE);
    String id = created.getJsonObject("inspection").getString("id");
    int port = server.raw().httpPort();
    Ws phone = Ws.applicant(server.raw().vertx(), port, created.getJsonObject("invite").getString("token"),
        server.base).await();
    phone.send(new JsonObject().put("type", "join")).next("joined");
    phone.close();
    Http ian = server.login(KanyanServer.INSPECTOR, KanyanServer.PASSWORD);
    byte[] jpeg = jpeg();
    HttpResponse<Buffer> shot = ian.raw().post(port, "localhost", "/api/inspections/" + id + "/snapshots")
        .putHeader("Content-Type", "image/jpeg").putHeader("X-Content-SHA256", Sha256.of(jpeg))
        .sendBuffer(Buffer.buffer(jpeg)).await();
    assertThat(shot.statusCode()).isEqualTo(201);
    String snapshotId = shot.bodyAsJsonObject().getString("id");
    assertThat(ian.post("/api/inspections/" + id + "/end", new JsonObject().put("conclusion", "pass")).statusCode())
        .isEqualTo(200);

    Browsers.logIn(auditor, server.base, KanyanServer.AUDITOR, KanyanServer.PASSWORD);
    visible(auditor, "search-form", 10);
    auditor.findElement(By.id("q-case")).sendKeys(CASE);
    auditor.findElement(By.id("search-submit")).click();
    waitFor(auditor, 10).until(d -> {
      List<WebElement> rows = d.findElements(By.cssSelector("#results tr[data-id]"));
      if (rows.size() != 1) {
        return false;
      }
      rows.get(0).click();
      return true;
    });
    visible(auditor, "detail", 10);

    // The trail names the applicant once per line, not "申请人 · 申请人".
    WebElement joined = waitFor(auditor, 10).until(d -> d.findElement(
        By.cssSelector("#trail li[data-type='participant.joined'] .detail")));
    assertThat(joined.getText()).isEqualTo("申请人");
    for (WebElement detail : auditor.findElements(By.cssSelector("#trail .detail"))) {
      List<String> parts = List.of(detail.getText().split(" · "));
      assertThat(parts).as("trail detail '%s'", detail.getText()).doesNotHaveDuplicates();
    }

    // Verify: intact, said in plain words, with the checks listed.
    waitFor(auditor, 15).until(d -> checkpointCovers(id));
    auditor.findElement(By.id("verify")).click();
    WebElement result = waitFor(auditor, 15).until(d -> {
      WebElement box = d.findElement(By.id("verify-result"));
      return box.getDomAttribute("data-valid") != null ? box : null;
    });
    assertThat(result.getDomAttribute("data-valid")).isEqualTo("true");
    assertThat(result.getText()).contains("核验通过").contains("hash chain intact").contains("signature valid");

    // The evidence package and the public key are there to download, with how to verify offline.
    String exportHref = auditor.findElement(By.id("export")).getDomAttribute("href");
    assertThat(exportHref).isEqualTo("/api/audit/inspections/" + id + "/export");
    assertThat(auditor.findElement(By.id("verify-command")).getText())
        .isEqualTo("java -jar kanyan.jar verify kanyan-evidence-" + id + ".zip --public-key kanyan-checkpoint-key.pub.pem");
    JsonObject zip = fetch(exportHref);
    assertThat(zip.getInteger("status")).isEqualTo(200);
    assertThat(zip.getString("type")).isEqualTo("application/zip");
    assertThat(zip.getString("start")).isEqualTo("PK");
    JsonObject key = fetch(auditor.findElement(By.id("public-key")).getDomAttribute("href"));
    assertThat(key.getInteger("status")).isEqualTo(200);
    assertThat(key.getString("text")).contains("BEGIN PUBLIC KEY");
    screenshot(auditor, "auditor-verified-desktop");

    // Someone alters the stored snapshot: the next verification fails and names the file.
    Path original = server.dataDir.resolve("inspections").resolve(id).resolve("snapshots").resolve(snapshotId + ".jpg");
    Files.write(original, new byte[] {0}, StandardOpenOption.APPEND);
    auditor.findElement(By.id("verify")).click();
    waitFor(auditor, 15).until(d -> "false".equals(d.findElement(By.id("verify-result")).getDomAttribute("data-valid")));
    String failed = auditor.findElement(By.id("verify-result")).getText();
    assertThat(failed).contains("核验未通过").contains("1 个问题").contains(snapshotId + ".jpg").contains("altered");

    // In English, nothing Chinese is left in the verdict, the replay line or the photo's alt text, and the
    // trail's times do not wrap.
    new Select(auditor.findElement(By.id("lang"))).selectByValue("en");
    waitFor(auditor, 5).until(d -> "en".equals(js(auditor, "return document.documentElement.lang;")));
    assertThat(auditor.findElement(By.id("verify-result")).getText()).startsWith("Verification failed")
        .doesNotContainPattern(HAN);
    assertThat(auditor.findElement(By.id("replay-info")).getText()).isNotBlank().doesNotContainPattern(HAN);
    assertThat(auditor.findElement(By.cssSelector("#gallery img")).getDomAttribute("alt")).doesNotContainPattern(HAN);
    assertThat(auditor.findElement(By.cssSelector("#trail li[data-type='participant.joined'] .detail")).getText())
        .isEqualTo("Applicant");
    for (WebElement time : auditor.findElements(By.cssSelector("#trail button[data-seek]"))) {
      assertThat(((Number) js(auditor, "return arguments[0].getClientRects().length;", time)).intValue())
          .as("lines of the time '%s'", time.getText()).isEqualTo(1);
    }
    screenshot(auditor, "auditor-tampered-en");
  }

  /** Whether the latest checkpoint already commits this inspection's events (the verdict then passes it). */
  private static boolean checkpointCovers(String id) {
    JsonObject verdict = new JsonObject(String.valueOf(auditor.executeAsyncScript(
        "const done = arguments[arguments.length - 1];"
            + " fetch('/api/audit/inspections/' + arguments[0] + '/verify').then(r => r.text()).then(done, e => done('{}'));",
        id)));
    return verdict.getJsonArray("passed", new io.vertx.core.json.JsonArray()).stream()
        .anyMatch(line -> String.valueOf(line).startsWith("inclusion"));
  }

  /** Fetches a URL in the page (the auditor's session): status, content type, the first bytes, some text. */
  private static JsonObject fetch(String href) {
    return new JsonObject(String.valueOf(auditor.executeAsyncScript(
        "const done = arguments[arguments.length - 1];"
            + " fetch(arguments[0]).then(async r => { const bytes = new Uint8Array(await r.arrayBuffer());"
            + " done(JSON.stringify({status: r.status, type: r.headers.get('Content-Type'),"
            + " start: String.fromCharCode(bytes[0], bytes[1]),"
            + " text: new TextDecoder().decode(bytes.slice(0, 200))})); }, e => done('{}'));",
        href)));
  }

  private static byte[] jpeg() throws Exception {
    BufferedImage image = new BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setColor(new Color(40, 120, 200));
    g.fillRect(0, 0, 320, 240);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "jpg", out);
    return out.toByteArray();
  }
}
