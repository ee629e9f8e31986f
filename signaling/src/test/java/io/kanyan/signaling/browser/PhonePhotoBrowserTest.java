package io.kanyan.signaling.browser;

import static io.kanyan.signaling.browser.Browsers.framesDecoded;
import static io.kanyan.signaling.browser.Browsers.screenshot;
import static io.kanyan.signaling.browser.Browsers.visible;
import static io.kanyan.signaling.browser.Browsers.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.recording.Sha256;
import io.kanyan.signaling.testing.Http;
import io.vertx.core.json.JsonObject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
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
import org.openqa.selenium.support.ui.Select;

/**
 * "Photo from phone" in real headless Chromium: the inspector asks (for a checklist item, then for none), the
 * phone at a phone viewport with the fake camera takes the still and uploads it, and the inspector sees its
 * thumbnail. Both ways of taking the still are used: ImageCapture.takePhoto() (the fake camera's stills are
 * 1280x720 and its video goes up to 4K, so for the first photo the track reports a 640x480 video maximum, as a
 * phone whose stills are larger than its video), then, with ImageCapture gone from the page, the largest frame
 * of the camera track.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class PhonePhotoBrowserTest {

  @RegisterExtension
  static final BrowserFixture fixture = BrowserFixture.withServer()
      .browser("inspector", Browsers.Launch.desktop())
      .browser("applicant", Browsers.Launch.phoneWithMedia());

  static KanyanServer server;
  static ChromeDriver inspector;
  static ChromeDriver applicant;

  @BeforeAll
  static void start() {
    server = fixture.server();
    inspector = fixture.browser("inspector");
    applicant = fixture.browser("applicant");
  }

  @Test
  void theInspectorAsksAndThePhonesFullResolutionPhotoArrives() throws Exception {
    journey();
  }

  private void journey() throws Exception {
    JsonObject created = server.createInspection("KY-PHOTO-1");
    String id = created.getJsonObject("inspection").getString("id");
    Browsers.fakeLocation(applicant, server.base, 31.2304, 121.4737, 15);
    Browsers.logIn(inspector, server.base, KanyanServer.INSPECTOR, KanyanServer.PASSWORD);
    visible(inspector, "create-form", 10);
    inspector.get(server.base + "/inspector.html#id=" + id);
    visible(inspector, "enter-call", 10).click();
    applicant.get(created.getJsonObject("invite").getString("url"));
    visible(applicant, "start", 10).click();
    visible(applicant, "call", 15);
    waitFor(inspector, 30).until(d -> framesDecoded(inspector) > 0);

    // For a checklist item: picked from the bound checklist.
    waitFor(inspector, 10).until(d -> d.findElement(By.id("phone-photo-item")).isDisplayed());
    Browsers.js(applicant, "const real = MediaStreamTrack.prototype.getCapabilities;"
        + " window.realGetCapabilities = real;"
        + " MediaStreamTrack.prototype.getCapabilities = function () {"
        + "   return { ...real.call(this), width: { min: 1, max: 640 }, height: { min: 1, max: 480 } }; };");
    new Select(inspector.findElement(By.id("phone-photo-item"))).selectByValue("F01");
    inspector.findElement(By.id("phone-photo")).click();
    JsonObject first = arrived(id, 1);
    assertThat(applicant.findElement(By.id("photo-request")).getDomAttribute("data-method")).isEqualTo("takePhoto");
    assertThat(first.getString("itemId")).isEqualTo("F01");
    assertPhotoIsThePhones(id, first);
    assertThat(applicant.findElement(By.id("photo-request-text")).getText()).contains("已发送");
    waitFor(inspector, 10).until(d -> d.findElement(By.cssSelector("li[data-item-id='F01'] .item-photos"))
        .getText().contains("1"));
    screenshot(applicant, "applicant-photo-sent-phone");
    screenshot(inspector, "inspector-phone-photo-desktop");

    // Without ImageCapture (as in browsers that lack it): the largest frame of the camera track.
    Browsers.js(applicant, "MediaStreamTrack.prototype.getCapabilities = window.realGetCapabilities;"
        + " delete window.ImageCapture;");
    new Select(inspector.findElement(By.id("phone-photo-item"))).selectByValue("");
    inspector.findElement(By.id("phone-photo")).click();
    JsonObject second = arrived(id, 2);
    assertThat(applicant.findElement(By.id("photo-request")).getDomAttribute("data-method")).isEqualTo("frame");
    assertThat(second.getString("itemId")).isNull();
    assertPhotoIsThePhones(id, second);
    // The largest frame the camera gives, not the call's video size (which is put back after the still).
    JsonObject track = new JsonObject((String) Browsers.js(applicant, "const t = document.getElementById('local-video')"
        + ".srcObject.getVideoTracks()[0]; return JSON.stringify({ caps: t.getCapabilities(), now: t.getSettings() });"));
    assertThat(second.getLong("width")).isEqualTo(track.getJsonObject("caps").getJsonObject("width").getLong("max"));
    assertThat(second.getLong("width")).isGreaterThan(track.getJsonObject("now").getLong("width"));
    List<WebElement> thumbs = inspector.findElements(By.cssSelector("#snapshots img"));
    assertThat(thumbs).hasSize(2);
    assertThat(thumbs.get(0).getDomAttribute("src")).contains("variant=thumbnail");
    assertThat((Boolean) Browsers.js(inspector, "return arguments[0].complete && arguments[0].naturalWidth > 0;",
        thumbs.get(0))).isTrue();

    // The upload fails on the way (the phone's requests to the photo address are blocked): the phone says it is
    // waiting for the network, the inspector sees it retrying, and once the way is clear the photo arrives once.
    applicant.executeCdpCommand("Network.enable", java.util.Map.of());
    applicant.executeCdpCommand("Network.setBlockedURLs", java.util.Map.of("urls", List.of("*/photos/*")));
    inspector.findElement(By.id("phone-photo")).click();
    waitFor(inspector, 20).until(d -> "retrying".equals(d.findElement(By.id("phone-photo-status"))
        .getDomAttribute("data-state")));
    assertThat(applicant.findElement(By.id("photo-request-text")).getText()).contains("网络");
    assertThat(phonePhotos(id)).hasSize(2);
    applicant.executeCdpCommand("Network.setBlockedURLs", java.util.Map.of("urls", List.of()));
    JsonObject third = arrived(id, 3);
    assertPhotoIsThePhones(id, third);

    // The phone's camera is off (its track ended, as when another app takes the camera): a request gets a clear
    // state on both sides, and no photo.
    Browsers.js(applicant, "document.getElementById('local-video').srcObject.getVideoTracks().forEach(t => t.stop());");
    inspector.findElement(By.id("phone-photo")).click();
    waitFor(inspector, 20).until(d -> "camera-off".equals(d.findElement(By.id("phone-photo-status"))
        .getDomAttribute("data-state")));
    assertThat(inspector.findElement(By.id("phone-photo-status")).getText()).contains("摄像头已关闭");
    assertThat(visible(applicant, "photo-request", 5).getText()).contains("摄像头已关闭");
    assertThat(phonePhotos(id)).hasSize(3);

    // The auditor's gallery says which pictures came from the phone, how large, and who asked.
    inspector.manage().deleteAllCookies();
    Browsers.logIn(inspector, server.base, KanyanServer.AUDITOR, KanyanServer.PASSWORD);
    visible(inspector, "search-form", 10);
    inspector.findElement(By.id("q-case")).sendKeys("KY-PHOTO-1");
    inspector.findElement(By.id("search-submit")).click();
    waitFor(inspector, 10).until(d -> {
      List<WebElement> rows = d.findElements(By.cssSelector("#results tr[data-id]"));
      if (rows.size() != 1) {
        return false;
      }
      rows.get(0).click();
      return true;
    });
    List<WebElement> badges = waitFor(inspector, 15).until(d -> {
      List<WebElement> found = d.findElements(By.cssSelector("#gallery .badge[data-kind='phone']"));
      return found.size() == 3 ? found : null;
    });
    assertThat(badges.get(1).getText()).contains("手机照片").contains("3840 × 2160").contains(KanyanServer.INSPECTOR);
    // The fake camera writes no EXIF: nothing to flag.
    assertThat(inspector.findElements(By.cssSelector("#gallery [data-gps-check='mismatch']"))).isEmpty();
  }

  /** Waits for the inspector's page to show the photo arrived, then returns its {@code snapshot.taken} payload. */
  private JsonObject arrived(String id, int count) {
    waitFor(inspector, 30).until(d -> d.findElements(By.cssSelector("#snapshots img")).size() == count);
    assertThat(inspector.findElement(By.id("phone-photo-status")).getDomAttribute("data-state")).isEqualTo("arrived");
    List<JsonObject> taken = phonePhotos(id);
    assertThat(taken).hasSize(count);
    return taken.get(count - 1);
  }

  /** The stored original is the phone's still, at the size the phone's page says it took. */
  private void assertPhotoIsThePhones(String id, JsonObject taken) throws Exception {
    WebElement box = applicant.findElement(By.id("photo-request"));
    assertThat(taken.getLong("width")).isEqualTo(Long.parseLong(box.getDomAttribute("data-width")));
    assertThat(taken.getLong("height")).isEqualTo(Long.parseLong(box.getDomAttribute("data-height")));
    assertThat(box.getDomAttribute("data-photo-id")).isEqualTo(taken.getString("snapshotId"));
    Http ian = server.login(KanyanServer.INSPECTOR, KanyanServer.PASSWORD);
    byte[] original = ian.get("/api/inspections/" + id + "/snapshots/" + taken.getString("snapshotId")
        + "?variant=original").body().getBytes();
    assertThat(Sha256.of(original)).isEqualTo(taken.getString("sha256"));
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(original));
    assertThat(image.getWidth()).isEqualTo(taken.getInteger("width"));
    assertThat(taken.getString("requestedBy")).contains(KanyanServer.INSPECTOR);
    assertThat(taken.getJsonObject("deviceLocation").getDouble("lat")).isEqualTo(31.2304);
  }

  private List<JsonObject> phonePhotos(String id) {
    Http ian = server.login(KanyanServer.INSPECTOR, KanyanServer.PASSWORD);
    return ian.get("/api/inspections/" + id + "/trail").bodyAsJsonObject().getJsonArray("events").stream()
        .map(e -> (JsonObject) e).filter(e -> "snapshot.taken".equals(e.getString("type")))
        .map(e -> e.getJsonObject("payload")).filter(p -> "phone".equals(p.getString("source"))).toList();
  }
}
