package io.kanyan.signaling.browser;

import static io.kanyan.signaling.browser.Browsers.framesDecoded;
import static io.kanyan.signaling.browser.Browsers.js;
import static io.kanyan.signaling.browser.Browsers.screenshot;
import static io.kanyan.signaling.browser.Browsers.visible;
import static io.kanyan.signaling.browser.Browsers.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.recording.Sha256;
import io.kanyan.signaling.testing.Http;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The whole journey in real headless Chromium: an inspector creates an inspection, an applicant on a
 * phone-sized browser opens the invite and shows the site, the inspector takes a snapshot and ends with a
 * conclusion, and an auditor finds it, reads the trail, replays the recording and sees the watermarked
 * snapshot.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class InspectionJourneyBrowserTest {

  static final String CASE = "KY-2026-0917";
  static final double LAT = 31.2306;
  static final double LNG = 121.4741;
  static final long CALL_MILLIS = 10_000;

  @RegisterExtension
  static final BrowserFixture fixture = BrowserFixture.withServer()
      .browser("inspector", Browsers.Launch.desktop())
      .browser("applicant", Browsers.Launch.phoneWithMedia())
      .browser("auditor", Browsers.Launch.desktop());

  static KanyanServer server;
  static ChromeDriver inspector;
  static ChromeDriver applicant;
  static ChromeDriver auditor;

  @BeforeAll
  static void start() {
    server = fixture.server();
    inspector = fixture.browser("inspector");
    applicant = fixture.browser("applicant");
    auditor = fixture.browser("auditor");
  }

  @Test
  void inspectorInspectsApplicantShowsSiteAuditorReplaysTheEvidence() throws Exception {
    journey();
  }

  private void journey() throws Exception {
    // The inspector logs in and creates an inspection.
    step("The inspector logs in and creates an inspection.");
    inspector.get(server.base + "/login.html");
    visible(inspector, "username", 10).sendKeys(KanyanServer.INSPECTOR);
    inspector.findElement(By.id("password")).sendKeys(KanyanServer.PASSWORD);
    screenshot(inspector, "login-desktop");
    inspector.findElement(By.id("login-submit")).click();
    visible(inspector, "create-form", 10);
    inspector.findElement(By.id("f-case")).sendKeys(CASE);
    inspector.findElement(By.id("f-matter")).sendKeys("食品经营许可");
    inspector.findElement(By.id("f-applicant")).sendKeys("张三");
    inspector.findElement(By.id("f-phone")).sendKeys("13800138000");
    inspector.findElement(By.id("f-address")).sendKeys("上海市黄浦区人民大道200号");
    inspector.findElement(By.id("f-lat")).sendKeys("31.2304");
    inspector.findElement(By.id("f-lng")).sendKeys("121.4737");
    inspector.findElement(By.id("create-submit")).click();
    String inviteUrl = waitFor(inspector, 10).until(d -> {
      String v = d.findElement(By.id("invite-url")).getDomProperty("value");
      return v == null || v.isEmpty() ? null : v;
    });
    assertThat(inviteUrl).startsWith(server.base + "/applicant.html#invite=");
    assertThat(inspector.findElements(By.cssSelector("#invite-qr svg"))).hasSize(1);
    String inspectionId = (String) js(inspector, "return new URLSearchParams(location.hash.slice(1)).get('id');");
    screenshot(inspector, "inspector-desktop");

    // The applicant page at a desktop size, for the screenshot (the invite is only read, no seat taken).
    step("The applicant page at a desktop size, for the screenshot (the invite is only read, no seat taken).");
    auditor.get(inviteUrl);
    visible(auditor, "start", 10);
    screenshot(auditor, "applicant-desktop");

    // The applicant opens the link on a phone, with a faked position, and starts.
    step("The applicant opens the link on a phone, with a faked position, and starts.");
    Browsers.fakeLocation(applicant, server.base, LAT, LNG, 12);
    applicant.get(inviteUrl);
    visible(applicant, "start", 10);
    assertThat(applicant.findElement(By.id("facts")).getText()).contains(CASE);
    screenshot(applicant, "applicant-phone");
    applicant.findElement(By.id("start")).click();
    visible(applicant, "call", 10);

    // The inspector enters the call; both sides decode the other's video.
    step("The inspector enters the call; both sides decode the other's video.");
    inspector.findElement(By.id("enter-call")).click();
    waitFor(inspector, 20).until(d -> framesDecoded(inspector) > 0);
    long connectedAt = System.currentTimeMillis();
    waitFor(applicant, 20).until(d -> framesDecoded(applicant) > 0);
    waitFor(applicant, 10).until(d -> applicant.findElement(By.id("call-state")).getText().contains("已连接"));

    // The recording uploads; the inspector takes a snapshot and writes a note.
    step("The recording uploads; the inspector takes a snapshot and writes a note.");
    waitFor(inspector, 10).until(d -> uploadedSlices() >= 1);
    waitFor(inspector, 10).until(d -> d.findElement(By.id("snapshot")).isEnabled());
    inspector.findElement(By.id("snapshot")).click();
    WebElement thumb = waitFor(inspector, 20).until(d -> {
      List<WebElement> imgs = d.findElements(By.cssSelector("#snapshots img"));
      return imgs.isEmpty() ? null : imgs.get(0);
    });
    String snapshotId = thumb.getDomAttribute("data-snapshot-id");
    inspector.findElement(By.id("note-text")).sendKeys("现场消防通道畅通");
    inspector.findElement(By.id("note-add")).click();
    waitFor(inspector, 5).until(d -> !d.findElements(By.cssSelector("#notes li")).isEmpty());

    long left = CALL_MILLIS - (System.currentTimeMillis() - connectedAt);
    if (left > 0) {
      Thread.sleep(left);
    }
    screenshot(inspector, "inspector-call-desktop");
    screenshot(applicant, "applicant-call-phone");

    // The phone turns to landscape and back: the call stays on screen with its controls.
    step("The phone rotates.");
    Browsers.rotate(applicant, true);
    waitFor(applicant, 10).until(d -> d.findElement(By.id("local-video")).getRect().getWidth()
        > d.findElement(By.id("local-video")).getRect().getHeight());
    assertThat(applicant.findElement(By.id("mute")).isDisplayed()).isTrue();
    assertThat(applicant.findElement(By.id("call-state")).getText()).contains("已连接");
    screenshot(applicant, "applicant-call-landscape");
    Browsers.rotate(applicant, false);

    // The inspector ends the inspection with a conclusion.
    step("The inspector ends the inspection with a conclusion.");
    inspector.findElement(By.id("end-open")).click();
    visible(inspector, "end-dialog", 5);
    inspector.findElement(By.cssSelector("#end-form input[value='pass']")).click();
    inspector.findElement(By.id("end-remark")).sendKeys("符合要求");
    inspector.findElement(By.id("end-confirm")).click();
    long callMillis = System.currentTimeMillis() - connectedAt;
    visible(inspector, "ended-panel", 30);
    visible(applicant, "ended", 10);

    // The server finalises the recording in the background.
    step("The server finalises the recording in the background.");
    JsonArray events = waitFor(inspector, 30).until(d -> {
      JsonArray trail = ownTrail(inspectionId);
      return types(trail).contains("recording.finalised") ? trail : null;
    });

    // The auditor logs in and finds the inspection by case number.
    step("The auditor logs in and finds the inspection by case number.");
    Browsers.logIn(auditor, server.base, KanyanServer.AUDITOR, KanyanServer.PASSWORD);
    visible(auditor, "search-form", 10);
    auditor.findElement(By.id("q-case")).sendKeys(CASE);
    auditor.findElement(By.id("search-submit")).click();
    waitFor(auditor, 10).until(d -> {
      List<WebElement> rows = d.findElements(By.cssSelector("#results tr[data-id]"));
      if (rows.size() != 1 || !rows.get(0).getText().contains(CASE)) {
        return false;
      }
      rows.get(0).click();
      return true;
    });
    visible(auditor, "detail", 10);

    // The trail is there, in order.
    step("The trail is there, in order.");
    List<String> shown = waitFor(auditor, 10).until(d -> {
      List<String> t = d.findElements(By.cssSelector("#trail li[data-type]")).stream()
          .map(e -> e.getDomAttribute("data-type")).toList();
      return t.isEmpty() ? null : t;
    });
    assertThat(shown).containsSubsequence("inspection.created", "invite.issued", "participant.joined",
        "call.connected", "media.event", "snapshot.taken", "note.added", "inspection.ended", "recording.finalised");
    assertThat(shown).contains("location.fix", "audit.access");
    assertThat(types(events)).containsSubsequence("inspection.created", "call.connected", "recording.slice",
        "snapshot.taken", "inspection.ended", "recording.finalised");
    assertThat(auditor.findElement(By.id("chain-status")).getDomAttribute("data-kind")).isEqualTo("ok");

    // The recording plays with the call's length, and seeking to the middle works.
    step("The recording plays with the call's length, and seeking to the middle works.");
    double duration = waitFor(auditor, 15).until(d -> {
      Object v = js(auditor, "const v = document.getElementById('player');"
          + " return v.readyState >= 1 && Number.isFinite(v.duration) ? v.duration : null;");
      return v == null ? null : ((Number) v).doubleValue();
    });
    assertThat(duration).isCloseTo(callMillis / 1000.0, org.assertj.core.data.Offset.offset(2.0));
    js(auditor, "const v = document.getElementById('player'); v.currentTime = v.duration / 2;");
    waitFor(auditor, 10).until(d -> (Boolean) js(auditor, "const v = document.getElementById('player');"
        + " return !v.seeking && v.readyState >= 2 && Math.abs(v.currentTime - v.duration / 2) < 1;"));
    WebElement marker = auditor.findElement(By.cssSelector("#timeline .marker[data-type='snapshot.taken']"));
    double markerOffset = Double.parseDouble(marker.getDomAttribute("data-offset"));
    marker.click();
    waitFor(auditor, 10).until(d -> (Boolean) js(auditor, "const v = document.getElementById('player');"
        + " return !v.seeking && Math.abs(v.currentTime - arguments[0]) < 0.5;", markerOffset));

    // The snapshot is shown watermarked; the original is kept byte for byte with its hash on the trail.
    step("The snapshot is shown watermarked; the original is kept byte for byte with its hash on the trail.");
    WebElement shot = waitFor(auditor, 10).until(d -> {
      WebElement img = d.findElement(By.cssSelector("#gallery figure[data-snapshot-id='" + snapshotId + "'] img"));
      return ((Number) js(auditor, "return arguments[0].naturalWidth;", img)).intValue() > 0 ? img : null;
    });
    assertThat(shot.getDomAttribute("src")).contains("variant=watermarked");
    JsonObject taken = find(events, "snapshot.taken");
    Http auditorApi = server.login(KanyanServer.AUDITOR, KanyanServer.PASSWORD);
    byte[] original = auditorApi.get("/api/inspections/" + inspectionId + "/snapshots/" + snapshotId
        + "?variant=original").body().getBytes();
    byte[] marked = auditorApi.get("/api/inspections/" + inspectionId + "/snapshots/" + snapshotId).body().getBytes();
    assertThat(Sha256.of(original)).isEqualTo(taken.getString("sha256"));
    BufferedImage originalImage = ImageIO.read(new ByteArrayInputStream(original));
    BufferedImage markedImage = ImageIO.read(new ByteArrayInputStream(marked));
    assertThat(markedImage.getWidth()).isEqualTo(originalImage.getWidth()).isEqualTo(taken.getInteger("width"));
    assertThat(meanDifference(originalImage, markedImage, 0.85)).as("the watermark band changes the picture")
        .isGreaterThan(8.0);
    assertThat(taken.getJsonObject("location").getDouble("lat")).isCloseTo(LAT, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(auditor.findElement(By.cssSelector("#locations td[data-distance]")).getDomAttribute("data-distance"))
        .isNotEmpty();
    JsonObject finalised = find(events, "recording.finalised");
    assertThat(Files.exists(server.dataDir.resolve(finalised.getString("file")))).isTrue();
    assertThat(auditorApi.get("/api/inspections?caseNumber=" + CASE).bodyAsJsonArray()).hasSize(1);
    screenshot(auditor, "auditor-desktop");

    tourAtPhoneSize();
  }

  private static final long T0 = System.currentTimeMillis();

  /** Progress on the test's output, so a slow step is easy to find. */
  private static void step(String what) {
    System.out.printf("journey +%.1fs: %s%n", (System.currentTimeMillis() - T0) / 1000.0, what);
  }

  /** Every staff page at phone size, for the screenshots. */
  private void tourAtPhoneSize() throws Exception {
    applicant.get(server.base + "/login.html");
    visible(applicant, "login-form", 10);
    screenshot(applicant, "login-phone");
    applicant.findElement(By.id("username")).sendKeys(KanyanServer.INSPECTOR);
    applicant.findElement(By.id("password")).sendKeys(KanyanServer.PASSWORD);
    applicant.findElement(By.id("login-submit")).click();
    visible(applicant, "create-form", 10);
    waitFor(applicant, 10).until(d -> !d.findElements(By.cssSelector("#inspection-list li")).isEmpty());
    screenshot(applicant, "inspector-phone");
    applicant.findElement(By.id("logout")).click();
    visible(applicant, "login-form", 10);
    applicant.findElement(By.id("username")).sendKeys(KanyanServer.AUDITOR);
    applicant.findElement(By.id("password")).sendKeys(KanyanServer.PASSWORD);
    applicant.findElement(By.id("login-submit")).click();
    waitFor(applicant, 10).until(d -> !d.findElements(By.cssSelector("#results tr[data-id]")).isEmpty());
    screenshot(applicant, "auditor-phone");
  }

  private static long uploadedSlices() {
    Object v = js(inspector, "return Number(document.getElementById('recording-status').dataset.uploadedSlices || 0);");
    return ((Number) v).longValue();
  }

  /** The trail as the owning inspector reads it (an owner's read is not itself logged). */
  private static JsonArray ownTrail(String inspectionId) {
    Object text = inspector.executeAsyncScript("const done = arguments[arguments.length - 1];"
        + " fetch('/api/inspections/' + arguments[0] + '/trail').then(r => r.text()).then(done, e => done(''));",
        inspectionId);
    return new JsonObject(String.valueOf(text)).getJsonArray("events");
  }

  private static List<String> types(JsonArray events) {
    return events.stream().map(e -> ((JsonObject) e).getString("type")).toList();
  }

  private static JsonObject find(JsonArray events, String type) {
    return events.stream().map(e -> (JsonObject) e).filter(e -> type.equals(e.getString("type"))).findFirst()
        .map(e -> e.getJsonObject("payload")).orElseThrow();
  }

  /** Mean absolute per-channel difference of two same-sized images over their bottom strip (the band). */
  private static double meanDifference(BufferedImage a, BufferedImage b, double fromY) {
    long sum = 0;
    long n = 0;
    for (int y = (int) (a.getHeight() * fromY); y < a.getHeight(); y++) {
      for (int x = 0; x < a.getWidth(); x += 2) {
        int p = a.getRGB(x, y);
        int q = b.getRGB(x, y);
        for (int shift = 0; shift <= 16; shift += 8) {
          sum += Math.abs(((p >> shift) & 0xff) - ((q >> shift) & 0xff));
        }
        n += 3;
      }
    }
    return (double) sum / n;
  }
}
