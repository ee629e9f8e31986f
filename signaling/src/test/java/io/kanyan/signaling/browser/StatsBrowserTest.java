package io.kanyan.signaling.browser;

import static io.kanyan.signaling.browser.Browsers.js;
import static io.kanyan.signaling.browser.Browsers.visible;
import static io.kanyan.signaling.browser.Browsers.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Ws;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * The statistics page in real headless Chromium under the server's strict Content-Security-Policy: the auditor
 * goes from the audit page to the statistics, the ECharts charts draw on canvases with no console error (no CSP
 * violation among them), grouping by inspector fills the table, English switches the labels, and the CSV link
 * downloads the same figures.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StatsBrowserTest {

  @RegisterExtension
  static final BrowserFixture fixture = BrowserFixture.withServer()
      .browser("auditor", Browsers.Launch.desktop());

  static KanyanServer server;
  static ChromeDriver auditor;
  @TempDir
  static Path downloads;

  @BeforeAll
  static void start() throws Exception {
    server = fixture.server();
    auditor = fixture.browser("auditor");
    // Two inspections: one connected over /ws and concluded "pass", one cancelled.
    JsonObject first = server.createInspection("SB-1");
    String id = first.getJsonObject("inspection").getString("id");
    Http ian = server.login(KanyanServer.INSPECTOR, KanyanServer.PASSWORD);
    try (Ws applicant = Ws.applicant(server.raw().vertx(), server.raw().httpPort(),
            first.getJsonObject("invite").getString("token"), server.base).await();
         Ws inspector = Ws.staff(server.raw().vertx(), server.raw().httpPort(), ian.sessionCookie(), server.base).await()) {
      applicant.send(new JsonObject().put("type", "join")).next("joined");
      inspector.send(new JsonObject().put("type", "join").put("inspectionId", id)).next("joined");
      inspector.next("peer-joined");
      assertThat(ian.post("/api/inspections/" + id + "/end", new JsonObject().put("conclusion", "pass")).statusCode())
          .isEqualTo(200);
    }
    String second = server.createInspection("SB-2").getJsonObject("inspection").getString("id");
    assertThat(ian.post("/api/inspections/" + second + "/cancel", new JsonObject()).statusCode()).isEqualTo(200);
    auditor.executeCdpCommand("Browser.setDownloadBehavior",
        Map.of("behavior", "allow", "downloadPath", downloads.toString()));
  }

  @Test
  void chartsDrawUnderTheStrictPolicyAndTheCsvDownloads() throws Exception {
    journey();
  }

  private void journey() throws Exception {
    Browsers.logIn(auditor, server.base, KanyanServer.AUDITOR, KanyanServer.PASSWORD);
    waitFor(auditor, 10).until(ExpectedConditions.urlContains("/auditor.html"));
    // The login page's /api/me answers 401 before the login, which Chromium logs; what follows starts clean.
    auditor.manage().logs().get(LogType.BROWSER);
    visible(auditor, "to-stats", 10).click();
    waitFor(auditor, 10).until(ExpectedConditions.urlContains("/stats.html"));

    waitFor(auditor, 15).until(d -> "2".equals(figure("created")));
    assertThat(figure("concluded")).isEqualTo("1");
    assertThat(figure("cancelled")).isEqualTo("1");
    assertThat(figure("remoteShare")).isEqualTo("50.0%");
    assertThat(figure("firstPassRate")).isEqualTo("100.0%");
    for (String chart : List.of("chart-count", "chart-minutes")) {
      Number width = (Number) js(auditor, "const c = document.querySelector('#" + chart + " canvas');"
          + " return c ? c.width : 0;");
      assertThat(width.intValue()).as(chart + " draws on a canvas").isGreaterThan(100);
    }
    // Something was drawn: the bar chart's canvas is not blank.
    Boolean drawn = (Boolean) js(auditor, "const c = document.querySelector('#chart-count canvas');"
        + " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        + " for (let i = 3; i < d.length; i += 4) { if (d[i] !== 0) return true; } return false;");
    assertThat(drawn).isTrue();
    // Hovering shows the tooltip (drawn as rich text: an HTML tooltip would carry style attributes the CSP refuses).
    new org.openqa.selenium.interactions.Actions(auditor)
        .moveToElement(auditor.findElement(By.cssSelector("#chart-count canvas")), 200, 0).pause(300)
        .moveByOffset(300, 20).pause(300).perform();

    new Select(auditor.findElement(By.id("s-group"))).selectByValue("inspector");
    auditor.findElement(By.cssSelector("#stats-form button[type=submit]")).click();
    WebElement row = waitFor(auditor, 10).until(ExpectedConditions.visibilityOfElementLocated(
        By.cssSelector("#groups tr[data-key='" + KanyanServer.INSPECTOR + "']")));
    assertThat(row.getText()).contains("王检查").contains("50.0%");
    assertThat(auditor.findElement(By.cssSelector("#chart-groups canvas")).isDisplayed()).isTrue();
    Browsers.screenshot(auditor, "stats-desktop");

    new Select(auditor.findElement(By.id("lang"))).selectByValue("en");
    waitFor(auditor, 10).until(d -> d.findElement(By.id("totals")).getText().contains("First-time pass rate"));
    assertThat(auditor.findElement(By.cssSelector("#stats-form button[type=submit]")).getText()).isEqualTo("Show");

    String href = auditor.findElement(By.id("csv")).getDomAttribute("href");
    assertThat(href).startsWith("/api/stats/export.csv?").contains("group=inspector");
    auditor.findElement(By.id("csv")).click();
    Path csv = waitFor(auditor, 15).until(d -> downloaded());
    String text = Files.readString(csv, StandardCharsets.UTF_8);
    assertThat(text).contains("scope,key,label,from,to,created").contains("inspector,ian,王检查,");
    assertThat(text.lines().filter(l -> l.startsWith("total,")).findFirst().orElseThrow()).contains(",2,1,1,1,");

    List<LogEntry> console = auditor.manage().logs().get(LogType.BROWSER).getAll();
    assertThat(console.stream().map(LogEntry::getMessage)).as("console messages (a CSP violation is logged here)")
        .noneMatch(m -> m.contains("Content Security Policy") || m.contains("Refused"));
    assertThat(console.stream().filter(e -> e.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue())
        .map(LogEntry::getMessage)).isEmpty();
  }

  private static String figure(String name) {
    List<WebElement> found = auditor.findElements(By.cssSelector("#totals dd[data-figure='" + name + "']"));
    return found.isEmpty() ? null : found.get(0).getText();
  }

  private static Path downloaded() {
    try (Stream<Path> files = Files.list(downloads)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".csv")).findFirst().orElse(null);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
