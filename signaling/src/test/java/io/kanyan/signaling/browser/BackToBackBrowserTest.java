package io.kanyan.signaling.browser;

import static io.kanyan.signaling.browser.Browsers.framesDecoded;
import static io.kanyan.signaling.browser.Browsers.js;
import static io.kanyan.signaling.browser.Browsers.screenshot;
import static io.kanyan.signaling.browser.Browsers.visible;
import static io.kanyan.signaling.browser.Browsers.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;

/**
 * One inspector page, never reloaded, runs three inspections in a row with an applicant on a phone: each
 * call starts with an empty call panel, shows its case facts, live status and the applicant's location,
 * saves its notes and snapshots without false errors, and sends no request to an earlier inspection.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class BackToBackBrowserTest {

  static final double SITE_LAT = 31.2304;
  static final double SITE_LNG = 121.4737;
  static final Pattern HAN = Pattern.compile("\\p{IsHan}");

  @RegisterExtension
  static final BrowserFixture fixture = BrowserFixture.withServer()
      .browser("inspector", Browsers.Launch.desktopWithNetworkLog())
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
  void threeInspectionsInARowOnOneInspectorPage() throws Exception {
    run();
  }

  private void run() throws Exception {
    Browsers.NetworkLog network = new Browsers.NetworkLog(inspector);
    Browsers.logIn(inspector, server.base, KanyanServer.INSPECTOR, KanyanServer.PASSWORD);
    visible(inspector, "create-form", 10);
    js(inspector, "window.kanyanSamePage = 'yes';");
    // The login page asks /api/me before anyone is logged in (401): count from the desk on.
    waitFor(inspector, 10).until(d -> network.requests().stream().anyMatch(r -> r.url().endsWith("/favicon.ico")));
    int onDesk = network.requests().stream().map(Browsers.Request::url).toList().lastIndexOf(server.base + "/api/me");

    // An error already on the page follows a language switch.
    inspector.findElement(By.id("create-submit")).click();
    assertThat(visible(inspector, "create-error", 5).getText()).contains("请填写");
    language("en");
    waitFor(inspector, 5).until(d -> d.findElement(By.id("create-error")).getText().startsWith("Please fill in"));
    language("zh-CN");

    List<String> ids = new ArrayList<>();
    for (int n = 1; n <= 3; n++) {
      boolean siteHasCoordinates = n < 3;
      String caseNumber = "KY-B2B-" + n;
      String applicantName = "申请人" + n;
      String id = create(caseNumber, applicantName, siteHasCoordinates);
      String inviteUrl = inspector.findElement(By.id("invite-url")).getDomProperty("value");
      int firstRequest = network.requests().size();

      // The call panel starts empty, shows the case facts, and the list says the inspection is live.
      inspector.findElement(By.id("enter-call")).click();
      visible(inspector, "call", 10);
      waitFor(inspector, 10).until(d -> "live".equals(badge(id).getDomAttribute("data-status")));
      assertThat(badge(id).getText()).isEqualTo("通话中");
      assertThat(inspector.findElements(By.cssSelector("#notes li"))).isEmpty();
      assertThat(inspector.findElements(By.cssSelector("#snapshots img"))).isEmpty();
      waitFor(inspector, 10).until(d -> d.findElement(By.id("call-facts")).getText().contains(caseNumber));
      assertThat(inspector.findElement(By.id("call-facts")).getText()).contains(caseNumber, applicantName,
          "上海市黄浦区人民大道200号", "食品经营许可");

      Browsers.fakeLocation(applicant, server.base, 31.2306, 121.4741, 12);
      applicant.get("about:blank"); // a new invite differs only in the fragment: load the page afresh
      applicant.get(inviteUrl);
      visible(applicant, "start", 10).click();
      waitFor(inspector, 30).until(d -> framesDecoded(inspector) > 0);

      // The applicant's location, with its distance from the site when the site has coordinates.
      String where = waitFor(inspector, 20).until(d -> {
        String text = d.findElement(By.id("location-status")).getText();
        return text.contains("31.2306") ? text : null;
      });
      if (siteHasCoordinates) {
        assertThat(where).contains("±12 米").contains("距现场地址");
        assertThat(Integer.parseInt(inspector.findElement(By.id("location-status")).getDomAttribute("data-distance")))
            .isBetween(20, 60);
      } else {
        assertThat(where).contains("未登记坐标");
      }

      // One snapshot and one note: exactly one of each shows, and no error.
      waitFor(inspector, 15).until(d -> d.findElement(By.id("snapshot")).isEnabled());
      inspector.findElement(By.id("snapshot")).click();
      waitFor(inspector, 20).until(d -> !d.findElements(By.cssSelector("#snapshots img")).isEmpty());
      inspector.findElement(By.id("note-text")).sendKeys("第" + n + "次勘验记录");
      inspector.findElement(By.id("note-add")).click();
      waitFor(inspector, 5).until(d -> !d.findElements(By.cssSelector("#notes li")).isEmpty());
      waitFor(inspector, 10).until(d -> d.findElement(By.id("recording-status")).getDomAttribute("data-level") != null);
      assertThat(inspector.findElements(By.cssSelector("#snapshots img"))).hasSize(1);
      assertThat(inspector.findElements(By.cssSelector("#notes li"))).hasSize(1);
      assertThat(inspector.findElement(By.id("notes")).getText()).contains("第" + n + "次勘验记录");
      assertThat(inspector.findElement(By.id("call-error")).isDisplayed()).as("no error in call %d", n).isFalse();
      assertThat(inspector.findElement(By.id("recording-status")).getDomAttribute("data-level")).isNotEqualTo("poor");

      if (n == 3) {
        // The call's own texts follow a language switch too.
        language("en");
        assertThat(inspector.findElement(By.id("quality")).getText()).isNotBlank().doesNotContainPattern(HAN);
        waitFor(inspector, 5).until(d -> d.findElement(By.id("location-status")).getText().contains("no coordinates"));
        assertThat(inspector.findElement(By.cssSelector("#snapshots img")).getDomAttribute("alt"))
            .startsWith("Snapshot").doesNotContainPattern(HAN);
        assertThat(badge(id).getText()).isEqualTo("In call");
        screenshot(inspector, "inspector-call-third-en");
        language("zh-CN");
      }

      // Ending says which case ended, with no error and nothing left of the call.
      inspector.findElement(By.id("end-open")).click();
      visible(inspector, "end-dialog", 5);
      inspector.findElement(By.cssSelector("#end-form input[value='pass']")).click();
      inspector.findElement(By.id("end-confirm")).click();
      assertThat(visible(inspector, "ended-panel", 30).getText()).contains(caseNumber).contains(applicantName);
      visible(applicant, "ended", 15);
      assertThat(inspector.findElement(By.id("call-error")).isDisplayed()).isFalse();
      assertThat(inspector.findElement(By.id("page-error")).isDisplayed()).isFalse();
      assertThat(inspector.findElements(By.cssSelector("#notes li, #snapshots img"))).isEmpty();
      waitFor(inspector, 10).until(d -> "ended".equals(badge(id).getDomAttribute("data-status")));
      if (n == 1) {
        // The applicant's old link now leads to the inspection record of the concluded inspection (issue 12),
        // not to "the link was replaced".
        applicant.get("about:blank");
        applicant.get(inviteUrl);
        // The record is rendered after the conclusion (a PDF, slower on a loaded machine): the page says so until then.
        visible(applicant, "record", 10);
        waitFor(applicant, 60).until(d -> d.findElement(By.id("record")).getText().contains(caseNumber));
        assertThat(applicant.findElement(By.id("record")).getText()).contains("勘验笔录");
        assertThat(applicant.findElement(By.id("error")).isDisplayed()).isFalse();
      }

      // No request of this call went to an earlier inspection.
      List<Browsers.Request> requests = network.requests();
      List<Browsers.Request> thisCall = requests.subList(firstRequest, requests.size());
      // Until the next inspection is selected, the desk's record panel still follows the one just concluded
      // (GET .../record, to show the applicant's signature arriving): that is the only earlier request allowed.
      assertThat(thisCall).as("requests of call %d", n).isNotEmpty()
          .noneMatch(r -> ids.stream().anyMatch(earlier -> r.url().contains(earlier)
              && !r.url().endsWith("/" + earlier + "/record")));
      ids.add(id);
    }

    assertThat(js(inspector, "return window.kanyanSamePage;")).as("the page was never reloaded").isEqualTo("yes");
    List<Browsers.Request> all = network.requests();
    List<Browsers.Request> failed = all.subList(onDesk, all.size()).stream().filter(r -> r.status() >= 400).toList();
    assertThat(failed).as("failed requests (a 409 to an ended inspection, a missing favicon...)").isEmpty();
    assertThat(network.requests()).anyMatch(r -> r.url().endsWith("/favicon.ico") && r.status() == 200);
  }

  /** Creates an inspection with the form on the same page and returns its id. */
  private String create(String caseNumber, String applicantName, boolean withCoordinates) {
    inspector.findElement(By.id("f-case")).sendKeys(caseNumber);
    inspector.findElement(By.id("f-matter")).sendKeys("食品经营许可");
    inspector.findElement(By.id("f-applicant")).sendKeys(applicantName);
    inspector.findElement(By.id("f-phone")).sendKeys("13800138000");
    inspector.findElement(By.id("f-address")).sendKeys("上海市黄浦区人民大道200号");
    if (withCoordinates) {
      inspector.findElement(By.id("f-lat")).sendKeys(String.valueOf(SITE_LAT));
      inspector.findElement(By.id("f-lng")).sendKeys(String.valueOf(SITE_LNG));
    }
    inspector.findElement(By.id("create-submit")).click();
    waitFor(inspector, 10).until(d -> caseNumber.equals(d.findElement(By.id("detail-case")).getText())
        && !String.valueOf(d.findElement(By.id("invite-url")).getDomProperty("value")).isEmpty());
    return (String) js(inspector, "return new URLSearchParams(location.hash.slice(1)).get('id');");
  }

  private static WebElement badge(String id) {
    return inspector.findElement(By.cssSelector("#inspection-list button[data-id='" + id + "'] .badge"));
  }

  private static void language(String lang) {
    new Select(inspector.findElement(By.id("lang"))).selectByValue(lang);
    waitFor(inspector, 5).until(d -> lang.equals(js(inspector, "return document.documentElement.lang;")));
  }
}
