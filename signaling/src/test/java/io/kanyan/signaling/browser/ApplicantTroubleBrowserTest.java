package io.kanyan.signaling.browser;

import static io.kanyan.signaling.browser.Browsers.framesDecoded;
import static io.kanyan.signaling.browser.Browsers.js;
import static io.kanyan.signaling.browser.Browsers.screenshot;
import static io.kanyan.signaling.browser.Browsers.visible;
import static io.kanyan.signaling.browser.Browsers.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
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

/** What the applicant sees when things go wrong on their side, in real headless Chromium. */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ApplicantTroubleBrowserTest {

  @RegisterExtension
  static final BrowserFixture fixture = BrowserFixture.withServer();

  static KanyanServer server;
  ChromeDriver inspector;
  ChromeDriver applicant;

  @BeforeAll
  static void start() {
    server = fixture.server();
  }

  @Test
  void applicantWhoDeniesTheCameraIsToldHowToAllowIt() throws Exception {
    JsonObject created = server.createInspection("KY-DENY-1");
    applicant = fixture.forTest("applicant", Browsers.Launch.phoneDenyingMedia());
    applicant.get(created.getJsonObject("invite").getString("url"));
    visible(applicant, "start", 10).click();
    String message = waitFor(applicant, 15).until(d -> {
      String text = d.findElement(By.id("error")).getText();
      return text.isBlank() ? null : text;
    });
    assertThat(message).contains("拒绝").contains("允许");
    assertThat(applicant.findElement(By.id("retry")).isDisplayed()).isTrue();
    assertThat(applicant.findElement(By.id("call")).isDisplayed()).isFalse();
    screenshot(applicant, "applicant-denied-phone");
  }

  @Test
  void reloadingMidCallResumesTheSeatAndTheRecordingShowsTheGap() throws Exception {
    JsonObject created = server.createInspection("KY-RELOAD-1");
    String id = created.getJsonObject("inspection").getString("id");
    var browsers = fixture.forTest(Map.of("inspector", Browsers.Launch.desktop(),
        "applicant", Browsers.Launch.phoneWithMedia()));
    inspector = browsers.get("inspector");
    applicant = browsers.get("applicant");
    Browsers.logIn(inspector, server.base, KanyanServer.INSPECTOR, KanyanServer.PASSWORD);
    visible(inspector, "create-form", 10);
    inspector.get(server.base + "/inspector.html#id=" + id);
    visible(inspector, "enter-call", 10).click();

    Browsers.fakeLocation(applicant, server.base, 31.2306, 121.4741, 20);
    applicant.get(created.getJsonObject("invite").getString("url"));
    visible(applicant, "start", 10).click();
    waitFor(inspector, 30).until(d -> framesDecoded(inspector) > 0);
    waitFor(inspector, 20).until(d -> uploadedSlices() >= 2);

    // The applicant's page reloads mid-call: it takes its seat back and the video resumes.
    js(applicant, "document.getElementById('remote-video').dataset.framesDecoded = '0';");
    applicant.navigate().refresh();
    visible(applicant, "call", 15);
    waitFor(applicant, 30).until(d -> framesDecoded(applicant) > 0);
    waitFor(inspector, 30).until(d -> segment() == 2 && uploadedSlices() >= 2);

    // Then the inspector's page reloads: they rejoin, and the recording goes on in segment 3.
    inspector.navigate().refresh();
    visible(inspector, "page-error", 15);
    assertThat(inspector.findElement(By.id("page-error")).getText()).contains("进入视频勘验");
    // Meanwhile the phone's video stalls: it says the inspector is reconnecting, not that its own network is bad.
    waitFor(applicant, 40).until(d -> List.of("disconnected", "failed").contains(
        d.findElement(By.id("call-state")).getDomAttribute("data-connection")));
    assertThat(applicant.findElement(By.id("call-state")).getText()).contains("检查员正在重新连接")
        .doesNotContain("网络不稳定");
    visible(inspector, "enter-call", 10).click();
    waitFor(inspector, 30).until(d -> framesDecoded(inspector) > 0);
    waitFor(inspector, 30).until(d -> segment() == 3 && uploadedSlices() >= 1);

    inspector.findElement(By.id("end-open")).click();
    inspector.findElement(By.cssSelector("#end-form input[value='rectify']")).click();
    // "Rectify" on a checklist names the items to rectify and a deadline.
    visible(inspector, "rectify-fields", 10);
    waitFor(inspector, 10).until(d -> !d.findElements(By.cssSelector("#rectify-items input[type=checkbox]")).isEmpty());
    inspector.findElement(By.cssSelector("#rectify-items input[type=checkbox]")).click();
    js(inspector, "const d = document.getElementById('rectify-deadline'); d.value = '2099-12-31';"
        + " d.dispatchEvent(new Event('input', {bubbles: true})); d.dispatchEvent(new Event('change', {bubbles: true}));");
    inspector.findElement(By.id("end-confirm")).click();
    visible(inspector, "ended-panel", 30);

    JsonArray events = waitFor(inspector, 30).until(d -> {
      JsonArray trail = ownTrail(id);
      long finalised = trail.stream().filter(e -> "recording.finalised".equals(((JsonObject) e).getString("type")))
          .count();
      return finalised == 3 ? trail : null;
    });
    List<String> types = events.stream().map(e -> ((JsonObject) e).getString("type")).toList();
    assertThat(types).containsSubsequence("call.connected", "media.event", "recording.slice",
        "participant.reconnected", "recording.gap", "media.event", "recording.slice",
        "participant.reconnected", "recording.gap", "media.event", "recording.slice", "inspection.ended",
        "recording.finalised", "recording.finalised", "recording.finalised");
    List<JsonObject> gaps = events.stream().map(e -> (JsonObject) e)
        .filter(e -> "recording.gap".equals(e.getString("type"))).map(e -> e.getJsonObject("payload")).toList();
    assertThat(gaps).extracting(g -> g.getString("reason")).containsOnly("new-segment");
    assertThat(gaps).extracting(g -> g.getInteger("segment")).containsExactly(2, 3);
    JsonObject ended = events.stream().map(e -> (JsonObject) e)
        .filter(e -> "inspection.ended".equals(e.getString("type"))).findFirst().orElseThrow().getJsonObject("payload");
    assertThat(ended.getString("conclusion")).isEqualTo("rectify");
    assertThat(ended.getValue("rectifyItems").toString()).isNotEqualTo("[]");
    assertThat(ended.getString("rectifyDeadline")).isEqualTo("2099-12-31");
  }

  private long uploadedSlices() {
    Object v = js(inspector, "return Number(document.getElementById('recording-status').dataset.uploadedSlices || 0);");
    return ((Number) v).longValue();
  }

  private long segment() {
    Object v = js(inspector, "return Number(document.getElementById('recording-status').dataset.segment || 0);");
    return ((Number) v).longValue();
  }

  private JsonArray ownTrail(String inspectionId) {
    Object text = inspector.executeAsyncScript("const done = arguments[arguments.length - 1];"
        + " fetch('/api/inspections/' + arguments[0] + '/trail').then(r => r.text()).then(done, e => done(''));",
        inspectionId);
    return new JsonObject(String.valueOf(text)).getJsonArray("events");
  }
}
