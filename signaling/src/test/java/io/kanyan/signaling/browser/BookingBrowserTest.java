package io.kanyan.signaling.browser;

import static io.kanyan.signaling.browser.Browsers.js;
import static io.kanyan.signaling.browser.Browsers.screenshot;
import static io.kanyan.signaling.browser.Browsers.visible;
import static io.kanyan.signaling.browser.Browsers.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.signaling.testing.Http;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * Appointments in real headless Chromium: the inspector publishes availability on the desk, the applicant picks a
 * time from the link, sees it booked and moves it, and the desk shows the booked time.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BookingBrowserTest {

  @RegisterExtension
  static final BrowserFixture fixture = BrowserFixture.withServer()
      .browser("desk", Browsers.Launch.desktop())
      .browser("phone", Browsers.Launch.phoneWithMedia());

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
  void theApplicantPicksATimeFromTheLinkMovesItAndTheDeskShowsIt() throws Exception {
    Browsers.logIn(desk, server.base, KanyanServer.INSPECTOR, KanyanServer.PASSWORD);
    visible(desk, "slots-start", 15);
    // Tomorrow-ish, on the hour, in the browser's own time: well past the applicant's cutoff.
    js(desk, "const d = new Date(Date.now() + 26 * 3600e3); d.setMinutes(0, 0, 0);"
        + "const local = new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);"
        + "document.getElementById('slots-start').value = local;");
    desk.findElement(By.id("slots-publish")).click();
    waitFor(desk, 10).until(d -> d.findElements(By.cssSelector("#slots-list li")).size() == 1);
    // The start moved on to the end of that slot: the next one follows it.
    desk.findElement(By.id("slots-publish")).click();
    waitFor(desk, 10).until(d -> d.findElements(By.cssSelector("#slots-list li")).size() == 2);
    screenshot(desk, "booking-desk-availability");

    JsonObject created = server.createInspection("KY-BOOK-1");
    String id = created.getJsonObject("inspection").getString("id");
    phone.get(created.getJsonObject("invite").getString("url"));
    visible(phone, "booking", 15);
    waitFor(phone, 10).until(d -> d.findElements(By.cssSelector("#booking-slots button")).size() == 2);
    List<WebElement> choices = phone.findElements(By.cssSelector("#booking-slots button"));
    String firstSlot = choices.get(0).getDomAttribute("data-slot-id");
    String firstText = choices.get(0).getText();
    String secondSlot = choices.get(1).getDomAttribute("data-slot-id");
    String secondText = choices.get(1).getText();
    choices.get(0).click();

    WebElement at = visible(phone, "booking-at", 10);
    waitFor(phone, 10).until(d -> d.findElement(By.id("booking-at")).getText().contains(firstText));
    assertThat(at.getText()).startsWith("您的视频核查预约在");
    assertThat(phone.findElement(By.id("booking-message")).getText()).contains("预约成功");
    // Booked: the other time is offered as a move, and the booking can be cancelled.
    waitFor(phone, 10).until(d -> d.findElements(By.cssSelector("#booking-slots button")).size() == 1);
    assertThat(phone.findElement(By.id("booking-cancel")).isDisplayed()).isTrue();
    screenshot(phone, "booking-phone-booked");

    phone.findElement(By.cssSelector("#booking-slots button[data-slot-id='" + secondSlot + "']")).click();
    waitFor(phone, 10).until(d -> d.findElement(By.id("booking-at")).getText().contains(secondText));
    assertThat(phone.findElement(By.id("booking-message")).getText()).contains("已改到新的时间");
    screenshot(phone, "booking-phone-moved");

    Http ian = server.login(KanyanServer.INSPECTOR, KanyanServer.PASSWORD);
    assertThat(ian.get("/api/inspections/" + id + "/booking").bodyAsJsonObject().getJsonObject("booking")
        .getString("slotId")).isEqualTo(secondSlot);
    List<JsonObject> events = ian.get("/api/inspections/" + id + "/trail").bodyAsJsonObject().getJsonArray("events")
        .stream().map(JsonObject.class::cast).filter(e -> e.getString("type").startsWith("booking.")).toList();
    assertThat(events).extracting(e -> e.getString("type")).containsExactly("booking.made", "booking.moved");
    assertThat(events).allSatisfy(e -> assertThat(e.getString("actor")).isEqualTo("applicant"));
    assertThat(events.get(1).getJsonObject("payload").getString("fromSlotId")).isEqualTo(firstSlot);

    // The desk: the inspection's appointment, and the slot marked booked in the availability.
    // (The desk's page is already open: the same address with another #id would not load it again.)
    desk.get(server.base + "/inspector.html#id=" + id);
    desk.navigate().refresh();
    visible(desk, "booking-panel", 15);
    waitFor(desk, 10).until(d -> d.findElement(By.id("booking-summary")).getText().contains(secondText));
    assertThat(desk.findElement(By.id("booking-summary")).getText()).startsWith("已预约");
    waitFor(desk, 10).until(d -> "false".equals(d.findElement(By.cssSelector(
        "#slots-list li[data-slot-id='" + secondSlot + "']")).getDomAttribute("data-free")));
    assertThat(desk.findElement(By.cssSelector("#slots-list li[data-slot-id='" + firstSlot + "']"))
        .getDomAttribute("data-free")).isEqualTo("true");
    screenshot(desk, "booking-desk-booked");

    // The remote-inspection desk (admin page) publishes a slot for the inspector; the applicant can pick it.
    desk.findElement(By.id("logout")).click();
    Browsers.logIn(desk, server.base, "admin", io.kanyan.signaling.testing.TestServer.ADMIN_PASSWORD);
    visible(desk, "desk-slots-inspector", 15);
    waitFor(desk, 10).until(d -> d.findElements(By.cssSelector("#desk-slots-inspector option[value='"
        + KanyanServer.INSPECTOR + "']")).size() == 1);
    new org.openqa.selenium.support.ui.Select(desk.findElement(By.id("desk-slots-inspector")))
        .selectByValue(KanyanServer.INSPECTOR);
    waitFor(desk, 10).until(d -> d.findElements(By.cssSelector("#desk-slots-list li")).size() == 2);
    js(desk, "const d = new Date(Date.now() + 50 * 3600e3); d.setMinutes(0, 0, 0);"
        + "const local = new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);"
        + "document.getElementById('desk-slots-start').value = local;");
    desk.findElement(By.id("desk-slots-publish")).click();
    waitFor(desk, 10).until(d -> d.findElements(By.cssSelector("#desk-slots-list li")).size() == 3);
    screenshot(desk, "booking-admin-desk-slots");
    phone.navigate().refresh();
    waitFor(phone, 15).until(d -> d.findElements(By.cssSelector("#booking-slots button")).size() == 2);
  }
}
