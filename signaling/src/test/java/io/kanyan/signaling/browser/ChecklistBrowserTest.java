package io.kanyan.signaling.browser;

import static io.kanyan.signaling.browser.Browsers.framesDecoded;
import static io.kanyan.signaling.browser.Browsers.screenshot;
import static io.kanyan.signaling.browser.Browsers.visible;
import static io.kanyan.signaling.browser.Browsers.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.TestServer;
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
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;

/**
 * Inspection by the book in real headless Chromium: the inspector picks a matter from the catalogue, the applicant
 * reads what to prepare on a phone, the inspector answers items (a photo-required item is refused until it has a
 * snapshot taken for it), marks the item being checked and the phone shows it, a "pass" is refused while a
 * required item is open, then concludes. Names with markup from the catalogue are shown as text, never as HTML.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ChecklistBrowserTest {

  static final String CASE = "KY-2026-BOOK-1";
  static final String TRICKY = "<b id=\"injected\">门头</b> 与地址一致";

  @RegisterExtension
  static final BrowserFixture fixture = BrowserFixture.withServer(Map.of(TestServer.EXAMPLE_CATALOGUE, "yes"))
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
    Http admin = server.login("admin", TestServer.ADMIN_PASSWORD);
    JsonObject matter = new JsonObject().put("code", "book-test").put("name", "<img src=x id=\"pwned\">书面核查")
        .put("description", "browser test").put("items", new JsonArray()
            .add(new JsonObject().put("id", "B1").put("title", TRICKY).put("guidance", "对准门牌号拍摄")
                .put("photoRequired", true))
            .add(new JsonObject().put("id", "B2").put("title", "经营面积").put("guidance", "用卷尺量长和宽")
                .put("answerType", "measure").put("unit", "m²"))
            .add(new JsonObject().put("id", "B3").put("title", "健康证明").put("guidance", "逐张展示健康证")));
    assertThat(admin.put("/api/catalog/matters/book-test", matter).statusCode()).isEqualTo(200);
  }

  @Test
  void inspectorChecksItemByItemWithPhotosAndThePhoneFollows() throws Exception {
    journey();
  }

  private void journey() throws Exception {
    // The admin sees the catalogue (the examples and the test matter) and edits a matter: a new version.
    Browsers.logIn(inspector, server.base, "admin", TestServer.ADMIN_PASSWORD);
    waitFor(inspector, 10).until(d -> d.findElements(By.cssSelector("#matters tr[data-code]")).size() == 4);
    assertThat(inspector.findElement(By.cssSelector("#matters tr[data-code='drug-retail']")).getText()).contains("示例");
    assertThat(inspector.findElements(By.id("pwned"))).isEmpty();
    inspector.findElement(By.cssSelector("#matters button[data-edit='book-test']")).click();
    String json = inspector.findElement(By.id("matter-json")).getDomProperty("value");
    assertThat(json).contains("\"B3\"").doesNotContain("\"version\"");
    Browsers.js(inspector, "const t = document.getElementById('matter-json');"
        + " t.value = t.value.replace('逐张展示健康证', '逐张展示健康证，姓名和有效期要清晰');");
    inspector.findElement(By.id("matter-save")).click();
    waitFor(inspector, 10).until(d -> d.findElement(By.id("catalog-message")).getText().contains("第 2 版"));
    screenshot(inspector, "admin-catalogue-desktop");
    inspector.manage().deleteAllCookies();

    Browsers.logIn(inspector, server.base, KanyanServer.INSPECTOR, KanyanServer.PASSWORD);
    visible(inspector, "create-form", 10);
    inspector.findElement(By.id("f-case")).sendKeys(CASE);
    new Select(inspector.findElement(By.id("f-matter"))).selectByValue("book-test");
    inspector.findElement(By.id("f-applicant")).sendKeys("张三");
    inspector.findElement(By.id("f-phone")).sendKeys("13800138000");
    inspector.findElement(By.id("f-address")).sendKeys("上海市黄浦区人民大道200号");
    inspector.findElement(By.id("create-submit")).click();
    String inviteUrl = waitFor(inspector, 10).until(d -> {
      String v = d.findElement(By.id("invite-url")).getDomProperty("value");
      return v == null || v.isEmpty() ? null : v;
    });
    assertThat(inspector.findElements(By.id("pwned"))).isEmpty();

    // The phone shows what to prepare before the call, names as text.
    applicant.get(inviteUrl);
    visible(applicant, "prepare", 10);
    waitFor(applicant, 10).until(d -> d.findElements(By.cssSelector("#prepare-list li")).size() == 3);
    assertThat(applicant.findElement(By.id("prepare-list")).getText()).contains(TRICKY).contains("用卷尺量长和宽")
        .contains("姓名和有效期要清晰");
    assertThat(applicant.findElement(By.id("prepare-matter")).getText()).contains("<img src=x");
    assertThat(applicant.findElements(By.id("injected"))).isEmpty();
    assertThat(applicant.findElements(By.id("pwned"))).isEmpty();
    screenshot(applicant, "applicant-prepare-phone");

    applicant.findElement(By.id("start")).click();
    visible(applicant, "call", 10);
    inspector.findElement(By.id("enter-call")).click();
    visible(inspector, "checklist-card", 15);
    waitFor(inspector, 30).until(d -> framesDecoded(inspector) > 0);

    // The inspector marks the item being checked; the phone shows it with its guidance.
    item("B1").findElement(By.cssSelector(".mark-current")).click();
    waitFor(applicant, 10).until(d -> d.findElement(By.id("current-item")).isDisplayed());
    assertThat(applicant.findElement(By.id("current-item-title")).getText()).isEqualTo(TRICKY);
    assertThat(applicant.findElement(By.id("current-item-guidance")).getText()).isEqualTo("对准门牌号拍摄");
    assertThat(applicant.findElement(By.id("current-item-step")).getText()).contains("1").contains("3");
    screenshot(applicant, "applicant-current-item-phone");

    // A photo-required item is refused without a photo, then answered with one taken for it.
    new Select(item("B1").findElement(By.cssSelector(".item-result"))).selectByValue("conforms");
    item("B1").findElement(By.cssSelector(".item-save")).click();
    waitFor(inspector, 10).until(d -> item("B1").getText().contains("需要照片"));
    item("B1").findElement(By.cssSelector(".item-photo")).click();
    waitFor(inspector, 20).until(d -> item("B1").findElement(By.cssSelector(".item-photos")).getText().contains("1"));
    assertThat(inspector.findElements(By.cssSelector("#snapshots img"))).hasSize(1);
    new Select(item("B1").findElement(By.cssSelector(".item-result"))).selectByValue("conforms");
    item("B1").findElement(By.cssSelector(".item-remark")).sendKeys("门牌清晰");
    item("B1").findElement(By.cssSelector(".item-save")).click();
    waitFor(inspector, 10).until(d -> "conforms".equals(item("B1").getDomAttribute("data-state")));

    new Select(item("B2").findElement(By.cssSelector(".item-result"))).selectByValue("measured");
    item("B2").findElement(By.cssSelector(".item-value")).sendKeys("52.5");
    item("B2").findElement(By.cssSelector(".item-save")).click();
    waitFor(inspector, 10).until(d -> item("B2").getText().contains("52.5 m²"));

    // "pass" is refused while B3 does not conform; the call goes on and the answer is corrected.
    new Select(item("B3").findElement(By.cssSelector(".item-result"))).selectByValue("not_conforms");
    item("B3").findElement(By.cssSelector(".item-remark")).sendKeys("缺一人的健康证");
    item("B3").findElement(By.cssSelector(".item-save")).click();
    waitFor(inspector, 10).until(d -> "not_conforms".equals(item("B3").getDomAttribute("data-state")));
    inspector.findElement(By.id("end-open")).click();
    visible(inspector, "end-dialog", 5);
    inspector.findElement(By.cssSelector("#end-form input[value='pass']")).click();
    inspector.findElement(By.id("end-confirm")).click();
    waitFor(inspector, 5).until(d -> d.findElement(By.id("end-error")).getText().contains("健康证明"));
    inspector.findElement(By.id("end-cancel")).click();

    new Select(item("B3").findElement(By.cssSelector(".item-result"))).selectByValue("conforms");
    item("B3").findElement(By.cssSelector(".item-remark")).clear();
    item("B3").findElement(By.cssSelector(".item-remark")).sendKeys("已补齐");
    item("B3").findElement(By.cssSelector(".item-save")).click();
    waitFor(inspector, 10).until(d -> "conforms".equals(item("B3").getDomAttribute("data-state")));
    assertThat(inspector.findElements(By.id("injected"))).isEmpty();
    screenshot(inspector, "inspector-checklist-desktop");

    inspector.findElement(By.id("end-open")).click();
    visible(inspector, "end-dialog", 5);
    inspector.findElement(By.cssSelector("#end-form input[value='pass']")).click();
    inspector.findElement(By.id("end-confirm")).click();
    visible(inspector, "ended-panel", 30);
    visible(applicant, "ended", 10);

    // The trail holds every answer, the photo linked to B1, and the conclusion.
    String id = ((String) Browsers.js(inspector, "return new URLSearchParams(location.hash.slice(1)).get('id');"));
    JsonArray events = server.login(KanyanServer.INSPECTOR, KanyanServer.PASSWORD)
        .get("/api/inspections/" + id + "/trail").bodyAsJsonObject().getJsonArray("events");
    List<JsonObject> answers = events.stream().map(o -> (JsonObject) o)
        .filter(e -> e.getString("type").equals("checklist.answered")).map(e -> e.getJsonObject("payload")).toList();
    assertThat(answers).extracting(a -> a.getString("itemId")).containsExactly("B1", "B2", "B3", "B3");
    assertThat(answers.get(0).getJsonArray("snapshots")).hasSize(1);
    assertThat(answers.get(0).getString("remark")).isEqualTo("门牌清晰");
    assertThat(answers.get(1).getString("value")).isEqualTo("52.5");
    assertThat(events.stream().map(o -> (JsonObject) o).filter(e -> e.getString("type").equals("inspection.ended"))
        .findFirst().orElseThrow().getJsonObject("payload").getString("conclusion")).isEqualTo("pass");

    // The auditor finds it by matter type, sees the results (the correction counted) and jumps to an answer.
    Http ian = server.login(KanyanServer.INSPECTOR, KanyanServer.PASSWORD);
    waitFor(inspector, 30).until(d -> ian.get("/api/inspections/" + id + "/trail").bodyAsJsonObject()
        .getJsonArray("events").stream().anyMatch(e -> ((JsonObject) e).getString("type").equals("recording.finalised")));
    inspector.manage().deleteAllCookies();
    Browsers.logIn(inspector, server.base, KanyanServer.AUDITOR, KanyanServer.PASSWORD);
    visible(inspector, "search-form", 10);
    waitFor(inspector, 10).until(d -> d.findElements(By.cssSelector("#q-matter option")).size() > 3);
    new Select(inspector.findElement(By.id("q-matter"))).selectByValue("<img src=x id=\"pwned\">书面核查");
    inspector.findElement(By.id("search-submit")).click();
    waitFor(inspector, 10).until(d -> {
      List<WebElement> rows = d.findElements(By.cssSelector("#results tr[data-id]"));
      if (rows.size() != 1 || !rows.get(0).getText().contains(CASE)) {
        return false;
      }
      rows.get(0).click();
      return true;
    });
    visible(inspector, "checklist-panel", 10);
    waitFor(inspector, 10).until(d -> d.findElements(By.cssSelector("#checklist-results tr[data-item-id]")).size() == 3);
    WebElement b3 = inspector.findElement(By.cssSelector("#checklist-results tr[data-item-id='B3']"));
    assertThat(b3.getText()).contains("符合").contains("已补齐").contains("更正过 1 次");
    assertThat(inspector.findElements(By.cssSelector("#checklist-results tr[data-item-id='B1'] img"))).hasSize(1);
    assertThat(inspector.findElements(By.id("pwned"))).isEmpty();
    assertThat(inspector.findElements(By.id("injected"))).isEmpty();
    inspector.findElement(By.cssSelector("#checklist-results tr[data-item-id='B2'] button.jump")).click();
    waitFor(inspector, 15).until(d -> (Boolean) Browsers.js(inspector, "const v = document.getElementById('player');"
        + " return v.readyState >= 1 && v.currentTime > 0.5;"));
    screenshot(inspector, "auditor-checklist-desktop");
  }

  private static WebElement item(String id) {
    return inspector.findElement(By.cssSelector("#checklist li[data-item-id='" + id + "']"));
  }
}
