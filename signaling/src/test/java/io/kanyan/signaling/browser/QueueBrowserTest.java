package io.kanyan.signaling.browser;

import static io.kanyan.signaling.browser.Browsers.framesDecoded;
import static io.kanyan.signaling.browser.Browsers.js;
import static io.kanyan.signaling.browser.Browsers.screenshot;
import static io.kanyan.signaling.browser.Browsers.visible;
import static io.kanyan.signaling.browser.Browsers.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
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

/**
 * The inspector's day in real browsers: an applicant books a time from their link, and the desk page shows the
 * booking, the pre-call check and the waiting live (no reload, no polling); the applicant's page shows their place in
 * the queue, and "next" starts the call with the waiting applicant; then a second applicant, unbooked, in a row on
 * the same desk page.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class QueueBrowserTest {

  // Applicants may book until 5 minutes before a start (the test's slot starts in 20).
  @RegisterExtension
  static final BrowserFixture fixture = BrowserFixture.withServer(Map.of("KANYAN_BOOKING_CUTOFF", "5m"))
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
  void applicantsPassTheCheckWaitAndAreCalledWithNextOneAfterAnother() throws Exception {
    run();
  }

  private void run() throws Exception {
    Browsers.logIn(inspector, server.base, KanyanServer.INSPECTOR, KanyanServer.PASSWORD);
    visible(inspector, "create-form", 10);
    js(inspector, "window.kanyanSamePage = 'yes';");

    // Nobody waits yet: "next" says so in plain words.
    inspector.findElement(By.id("desk-next")).click();
    assertThat(visible(inspector, "day-message", 10).getText()).contains("目前没有人在等候");

    for (int n = 1; n <= 2; n++) {
      String caseNumber = "KY-Q-" + n;
      JsonObject created = server.createInspection(caseNumber);
      String id = created.getJsonObject("inspection").getString("id");
      // Created elsewhere (the API), the inspection reaches the day by the event stream.
      waitFor(inspector, 15).until(d -> !d.findElements(dayButton(id)).isEmpty());

      boolean books = n == 1;
      if (books) {
        Instant start = Instant.now().plus(Duration.ofMinutes(20)).truncatedTo(ChronoUnit.MINUTES);
        assertThat(server.login(KanyanServer.INSPECTOR, KanyanServer.PASSWORD).post("/api/slots", new JsonObject()
            .put("start", start.toString()).put("end", start.plus(Duration.ofMinutes(30)).toString())).statusCode())
            .isEqualTo(201);
      }

      Browsers.fakeLocation(applicant, server.base, 31.2306, 121.4741, 12);
      applicant.get("about:blank");
      applicant.get(created.getJsonObject("invite").getString("url"));
      // The pre-call check runs as the page opens; its results grow the page above the booking, so the slot is
      // picked once the page has settled (a click on a button that moves under the pointer lands elsewhere).
      waitFor(applicant, 40).until(d -> "passed".equals(d.findElement(By.id("precheck")).getDomAttribute("data-result")));
      if (books) {
        // The applicant picks the free time from the link; the desk shows the booked time at once.
        visible(applicant, "booking", 15);
        waitFor(applicant, 15).until(d -> d.findElements(By.cssSelector("#booking-slots button")).size() == 1);
        applicant.findElement(By.cssSelector("#booking-slots button")).click();
        visible(applicant, "booking-at", 10);
        waitFor(inspector, 15).until(d -> dayItem(id).getText().contains("预约于"));
        assertThat(js(inspector, "return document.querySelector(\"#day-list button[data-day-id='\" + arguments[0]"
            + " + \"']\") === document.querySelector('#day-list button');", id)).as("booked: first of the day")
            .isEqualTo(true);
      }
      // The desk sees the check passed, live.
      waitFor(inspector, 15).until(d -> "checked".equals(status(id)));
      assertThat(dayItem(id).getText()).contains("检查已通过").contains("通话前检查已通过");

      applicant.findElement(By.id("start")).click();
      visible(applicant, "call", 15);
      String place = visible(applicant, "queue-status", 15).getText();
      assertThat(place).startsWith("下一位就是您。");
      if (books) {
        assertThat(place).contains("您的预约时间是");
      }
      waitFor(inspector, 15).until(d -> "waiting".equals(status(id)));
      assertThat(badge(id).getText()).isEqualTo("等候中");
      // Someone waits now: the earlier "nobody is waiting" is gone.
      assertThat(inspector.findElement(By.id("day-message")).isDisplayed()).isFalse();
      if (n == 1) {
        screenshot(inspector, "desk-day-waiting");
        screenshot(applicant, "applicant-waiting-room");
      }

      // "Next" opens the call with the waiting applicant, as starting it from the list does.
      inspector.findElement(By.id("desk-next")).click();
      visible(inspector, "call", 10);
      waitFor(inspector, 15).until(d -> d.findElement(By.id("call-facts")).getText().contains(caseNumber));
      waitFor(inspector, 30).until(d -> framesDecoded(inspector) > 0);
      waitFor(applicant, 15).until(d -> !d.findElement(By.id("queue-status")).isDisplayed());
      waitFor(inspector, 15).until(d -> "in_call".equals(status(id)));

      inspector.findElement(By.id("end-open")).click();
      visible(inspector, "end-dialog", 5);
      inspector.findElement(By.cssSelector("#end-form input[value='pass']")).click();
      inspector.findElement(By.id("end-confirm")).click();
      assertThat(visible(inspector, "ended-panel", 30).getText()).contains(caseNumber);
      visible(applicant, "ended", 15);
      waitFor(inspector, 15).until(d -> "concluded".equals(status(id)));
      assertThat(inspector.findElement(By.id("call-error")).isDisplayed()).isFalse();
    }
    assertThat(js(inspector, "return window.kanyanSamePage;")).as("the desk page was never reloaded").isEqualTo("yes");
  }

  private static By dayButton(String id) {
    return By.cssSelector("#day-list button[data-day-id='" + id + "']");
  }

  private static WebElement dayItem(String id) {
    return inspector.findElement(dayButton(id));
  }

  private static WebElement badge(String id) {
    return inspector.findElement(By.cssSelector("#day-list button[data-day-id='" + id + "'] .badge"));
  }

  private static String status(String id) {
    List<WebElement> found = inspector.findElements(By.cssSelector("#day-list button[data-day-id='" + id + "'] .badge"));
    return found.isEmpty() ? null : found.get(0).getDomAttribute("data-desk-status");
  }
}
