package io.kanyan.signaling.browser;

import static io.kanyan.signaling.browser.Browsers.js;
import static io.kanyan.signaling.browser.Browsers.screenshot;
import static io.kanyan.signaling.browser.Browsers.visible;
import static io.kanyan.signaling.browser.Browsers.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;

/** The applicant's pre-call check (js/precheck.js) on a phone, in real headless Chromium. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PrecheckBrowserTest {

  static final String WECHAT_UA = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
      + "Version/4.0 Chrome/156.0.0.0 Mobile Safari/537.36 XWEB/1300 MMWEBSDK/20240404 MicroMessenger/8.0.49 "
      + "WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64";

  @RegisterExtension
  static final BrowserFixture fixture = BrowserFixture.withServer();

  static KanyanServer server;
  static io.kanyan.signaling.testing.Http inspector;
  ChromeDriver phone;

  @BeforeAll
  static void start() {
    server = fixture.server();
    inspector = server.login(KanyanServer.INSPECTOR, KanyanServer.PASSWORD);
  }

  @Test
  void everyCheckPassesInPlainWordsAndTheResultIsOnTheTrailOnce() throws Exception {
    JsonObject created = server.createInspection("KY-PRE-1");
    String id = created.getJsonObject("inspection").getString("id");
    phone = fixture.forTest("phone", Browsers.Launch.phoneWithMedia());
    Browsers.fakeLocation(phone, server.base, 31.2306, 121.4741, 20);
    phone.get(created.getJsonObject("invite").getString("url"));
    visible(phone, "precheck", 10);
    waitFor(phone, 40).until(d -> "passed".equals(d.findElement(By.id("precheck")).getDomAttribute("data-result")));

    assertThat(row("camera")).contains("正常").contains("×");
    assertThat(state("camera")).isEqualTo("ok");
    assertThat(row("microphone")).contains("麦克风已打开");
    assertThat(state("microphone")).isEqualTo("ok");
    assertThat(row("location")).contains("误差约 20 米");
    assertThat(row("rtt")).containsPattern("\\d+ 毫秒");
    // No STUN/TURN is configured for the test server: the phone's own addresses are all there is, and it says so.
    assertThat(row("ice")).contains("host");
    assertThat(phone.findElement(By.id("precheck-summary")).getText()).contains("检查通过");
    assertThat(phone.findElement(By.id("precheck-grant")).isDisplayed()).isFalse();
    screenshot(phone, "precheck-passed-phone");

    // Switched to English, the same results read in English.
    js(phone, "const s = document.getElementById('lang'); s.value = 'en'; s.dispatchEvent(new Event('change'));");
    waitFor(phone, 10).until(d -> row("location").contains("within about 20 m"));

    // Checking again passes again; the trail keeps one precheck.done for the outcome.
    phone.findElement(By.id("precheck-again")).click();
    waitFor(phone, 40).until(d -> "passed".equals(d.findElement(By.id("precheck")).getDomAttribute("data-result"))
        && d.findElement(By.id("precheck-again")).isEnabled());
    List<JsonObject> done = waitFor(phone, 10).until(d -> {
      List<JsonObject> found = prechecks(id);
      return found.isEmpty() ? null : found;
    });
    assertThat(done).hasSize(1);
    JsonObject payload = done.get(0).getJsonObject("payload");
    assertThat(done.get(0).getString("actor")).isEqualTo("applicant");
    assertThat(payload.getBoolean("passed")).isTrue();
    assertThat(payload.getString("camera")).isEqualTo("ok");
    assertThat(payload.getString("microphone")).isEqualTo("ok");
    assertThat(payload.getString("location")).isEqualTo("ok");
    assertThat(payload.getLong("accuracy")).isEqualTo(20L);
    assertThat(payload.getLong("rttMs")).isNotNull();
    assertThat(payload.getJsonArray("candidates").getList()).contains("host");

    // The check does not stand in the way of the call: the start button still opens it.
    phone.findElement(By.id("start")).click();
    visible(phone, "call", 15);
    assertThat(phone.findElement(By.id("precheck")).isDisplayed()).isFalse();
  }

  @Test
  void deniedCameraSaysHowToAllowItAndAnInAppBrowserIsSentToTheSystemBrowser() throws Exception {
    JsonObject created = server.createInspection("KY-PRE-2");
    String id = created.getJsonObject("inspection").getString("id");
    phone = fixture.forTest("phone", Browsers.Launch.phoneDenyingMedia());
    // Location refused too (headless Chromium has no position to give; here the site is refused it outright).
    phone.executeCdpCommand("Browser.setPermission", Map.of("origin", server.base,
        "permission", Map.of("name", "geolocation"), "setting", "denied"));
    phone.get(created.getJsonObject("invite").getString("url"));
    waitFor(phone, 40).until(d -> "failed".equals(d.findElement(By.id("precheck")).getDomAttribute("data-result")));
    assertThat(state("camera")).isEqualTo("fail");
    assertThat(row("camera")).contains("未允许");
    assertThat(row("microphone")).contains("未允许");
    assertThat(row("location")).contains("未允许");
    assertThat(phone.findElement(By.id("precheck-summary")).getText()).contains("未通过");
    String grant = visible(phone, "precheck-grant", 5).getText();
    // The emulated phone is an Android Chrome: Chrome's own way to allow it, and no "open in the browser".
    assertThat(grant).contains("安卓").contains("权限").contains("重新检查").doesNotContain("系统浏览器");
    screenshot(phone, "precheck-denied-phone");

    // The same link opened inside WeChat: the page says to open it in the system browser.
    phone = fixture.replaceForTest("phone", () -> Browsers.launch(Browsers.Launch.phoneDenyingMedia(), WECHAT_UA));
    phone.get(created.getJsonObject("invite").getString("url"));
    assertThat(String.valueOf(js(phone, "return navigator.userAgent;"))).contains("MicroMessenger");
    waitFor(phone, 40).until(d -> "failed".equals(d.findElement(By.id("precheck")).getDomAttribute("data-result")));
    String inApp = visible(phone, "precheck-grant", 5).getText();
    assertThat(inApp).contains("在系统浏览器中打开").contains("微信");
    assertThat(phone.findElement(By.id("precheck-grant")).getDomAttribute("data-platform")).isEqualTo("inapp");
    screenshot(phone, "precheck-inapp-phone");

    // Two failed checks: one precheck.done, saying what failed.
    List<JsonObject> done = prechecks(id);
    assertThat(done).hasSize(1);
    JsonObject payload = done.get(0).getJsonObject("payload");
    assertThat(payload.getBoolean("passed")).isFalse();
    assertThat(payload.getString("camera")).isEqualTo("denied");
    assertThat(payload.getString("location")).isEqualTo("denied");
  }

  private String row(String check) {
    return phone.findElement(By.id("precheck-" + check)).getText();
  }

  private String state(String check) {
    return phone.findElement(By.id("precheck-" + check)).getDomAttribute("data-state");
  }

  /** The precheck.done events on the inspection's trail, read by its inspector. */
  private static List<JsonObject> prechecks(String id) {
    var trail = inspector.get("/api/inspections/" + id + "/trail");
    assertThat(trail.statusCode()).isEqualTo(200);
    return trail.bodyAsJsonObject().getJsonArray("events").stream().map(e -> (JsonObject) e)
        .filter(e -> "precheck.done".equals(e.getString("type"))).toList();
  }
}
