package io.kanyan.signaling.browser;

import static io.kanyan.signaling.browser.Browsers.js;
import static io.kanyan.signaling.browser.Browsers.screenshot;
import static io.kanyan.signaling.browser.Browsers.visible;
import static io.kanyan.signaling.browser.Browsers.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.signaling.testing.Http;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.PointerInput;
import org.openqa.selenium.interactions.Sequence;

/**
 * The record after the conclusion, in real headless Chromium: the applicant reads it on a phone-sized page and
 * signs with a finger (touch pointer events), the inspector signs on the desk with the mouse, and the applicant
 * downloads the finalised, PDF-signed record from the invite link.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RecordSigningBrowserTest {

  @RegisterExtension
  static final BrowserFixture fixture = BrowserFixture.withServer()
      .browser("desk", Browsers.Launch.desktop())
      .browser("phone", Browsers.Launch.phoneDenyingMedia());

  static KanyanServer server;
  static ChromeDriver desk;
  static ChromeDriver phone;

  @BeforeAll
  static void start() {
    server = fixture.server();
    desk = fixture.browser("desk");
    phone = fixture.browser("phone");
  }

  @Test
  void applicantSignsOnThePhoneInspectorOnTheDeskAndTheApplicantDownloadsTheSignedPdf() throws Exception {
    flow();
  }

  private void flow() throws Exception {
    JsonObject created = server.createInspection("KY-2026-1130");
    String id = created.getJsonObject("inspection").getString("id");
    String token = created.getJsonObject("invite").getString("token");
    Http inspector = server.login(KanyanServer.INSPECTOR, KanyanServer.PASSWORD);
    assertThat(inspector.post("/api/inspections/" + id + "/end", new JsonObject().put("conclusion", "pass")
        .put("remark", "现场<b>符合</b>要求")).statusCode()).isEqualTo(200);

    // The applicant's link now leads to the record: read it, sign with a finger.
    phone.get(server.base + "/applicant.html#invite=" + token);
    WebElement pad = visible(phone, "record-pad", 30);
    assertThat(phone.findElement(By.id("record-facts")).getText()).contains("KY-2026-1130", "现场<b>符合</b>要求");
    assertThat(phone.findElement(By.id("record-sign")).isEnabled()).isFalse();
    screenshot(phone, "applicant-record-phone");
    draw(phone, pad, PointerInput.Kind.TOUCH);
    waitFor(phone, 5).until(d -> d.findElement(By.id("record-sign")).isEnabled());
    // The button is pressed with a click: Chromium turns DevTools touch input (what WebDriver sends) into pointer
    // and touch events, which draw the signature above, but never into the click a real tap ends with.
    js(phone, "arguments[0].click();", phone.findElement(By.id("record-sign")));
    waitFor(phone, 20).until(d -> d.findElement(By.id("record-signatures")).getText().contains("张三 签于"));

    // The inspector signs on the desk with the mouse.
    Browsers.logIn(desk, server.base, KanyanServer.INSPECTOR, KanyanServer.PASSWORD);
    visible(desk, "create-form", 10);
    desk.get(server.base + "/inspector.html#id=" + id);
    WebElement deskPad = visible(desk, "record-pad", 30);
    assertThat(desk.findElement(By.id("record-signatures")).getText()).contains("张三 签于");
    screenshot(desk, "inspector-record-desktop");
    draw(desk, deskPad, PointerInput.Kind.MOUSE);
    waitFor(desk, 5).until(d -> d.findElement(By.id("record-sign")).isEnabled());
    desk.findElement(By.id("record-sign")).click();
    waitFor(desk, 30).until(d -> "finalised".equals(d.findElement(By.id("record-status")).getDomAttribute("data-status")));
    assertThat(desk.findElement(By.id("record-pdf")).getDomAttribute("href")).endsWith("/record/pdf");

    // The applicant's page sees the record finalised and offers the signed PDF.
    WebElement link = waitFor(phone, 30).until(d -> {
      List<WebElement> found = d.findElements(By.id("record-download"));
      return found.isEmpty() ? null : found.get(0);
    });
    screenshot(phone, "applicant-record-signed-phone");
    // The link is a blob: URL of the PDF the page fetched with its invite (a download, which the CSP allows; a
    // script may not fetch blob: URLs under connect-src 'self'): the test fetches the same route the page used.
    assertThat(link.getDomAttribute("href")).startsWith("blob:");
    @SuppressWarnings("unchecked")
    Map<String, Object> pdf = (Map<String, Object>) phone.executeAsyncScript("""
        const done = arguments[arguments.length - 1];
        fetch('/api/invite/record/pdf', { headers: { 'X-Invite-Token': arguments[0] } })
          .then((r) => r.arrayBuffer()).then(async (buf) => {
          const hash = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', buf)))
            .map((b) => b.toString(16).padStart(2, '0')).join('');
          done({ head: new TextDecoder().decode(buf.slice(0, 5)), sha256: hash, size: buf.byteLength });
        }, (err) => done({ error: String(err) }));
        """, token);
    assertThat(pdf.get("head")).isEqualTo("%PDF-");

    JsonArray events = inspector.get("/api/inspections/" + id + "/trail").bodyAsJsonObject().getJsonArray("events");
    JsonObject finalised = payloadOf(events, "record.finalised", null);
    assertThat(pdf.get("sha256")).isEqualTo(finalised.getString("sha256"));

    // The strokes were kept with their timing: several points, time never going back.
    JsonObject applicantSigned = payloadOf(events, "record.signed", "applicant");
    JsonObject strokes = new JsonObject(Files.readString(server.dataDir.resolve(applicantSigned.getString("strokesFile"))));
    JsonArray points = strokes.getJsonArray("strokes").getJsonArray(0);
    assertThat(points.size()).isGreaterThan(5);
    for (int i = 1; i < points.size(); i++) {
      assertThat(points.getJsonArray(i).getDouble(2)).isGreaterThanOrEqualTo(points.getJsonArray(i - 1).getDouble(2));
    }
    assertThat(payloadOf(events, "record.signed", "inspector").getString("name")).isEqualTo("王检查");

    // The verify URL printed on the record opens the inspection on the auditor page, which links the record.
    desk.manage().deleteAllCookies();
    Browsers.logIn(desk, server.base, KanyanServer.AUDITOR, KanyanServer.PASSWORD);
    visible(desk, "search-form", 10);
    desk.get(server.base + "/auditor.html#inspection=" + id);
    WebElement recordLink = visible(desk, "record-link", 15);
    assertThat(recordLink.getDomAttribute("href")).isEqualTo("/api/inspections/" + id + "/record/pdf");
  }

  private static JsonObject payloadOf(JsonArray events, String type, String party) {
    return events.stream().map(JsonObject.class::cast).filter(e -> e.getString("type").equals(type))
        .map(e -> e.getJsonObject("payload"))
        .filter(p -> party == null || party.equals(p.getString("party"))).findFirst().orElseThrow();
  }

  /** Draws a wavy stroke across the pad with real pointer input (touch or mouse), point by point. */
  private static void draw(ChromeDriver driver, WebElement pad, PointerInput.Kind kind) {
    PointerInput pointer = new PointerInput(kind, kind == PointerInput.Kind.TOUCH ? "finger" : "mouse");
    Sequence stroke = new Sequence(pointer, 0);
    int width = pad.getRect().getWidth();
    stroke.addAction(pointer.createPointerMove(Duration.ZERO, PointerInput.Origin.fromElement(pad), -width / 3, 0));
    stroke.addAction(pointer.createPointerDown(PointerInput.MouseButton.LEFT.asArg()));
    for (int i = 1; i <= 12; i++) {
      stroke.addAction(pointer.createPointerMove(Duration.ofMillis(30), PointerInput.Origin.fromElement(pad),
          -width / 3 + i * width / 20, (int) (Math.sin(i / 2.0) * 30)));
    }
    stroke.addAction(pointer.createPointerUp(PointerInput.MouseButton.LEFT.asArg()));
    driver.perform(List.of(stroke));
    // Each gesture starts from a released pointer.
    driver.resetInputState();
  }
}
