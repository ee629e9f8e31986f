package io.kanyan.signaling.browser;

import static io.kanyan.signaling.browser.Browsers.visible;
import static io.kanyan.signaling.browser.Browsers.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;

/**
 * A page whose first load half-fails (a network change while it loads: a module script or the first data
 * request does not arrive) says so in the page's language and offers a reload that brings the page up once the
 * network is back (web-client js/boot.js, js/page-load.js). The failures are made with DevTools'
 * Network.setBlockedURLs, which fails a request as a lost network does.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PageLoadBrowserTest {

  static final String FAILED_ZH = "网络中断，页面没有加载完整。请检查网络后点“重新加载”。";
  static final String FAILED_EN = "The network was interrupted and the page did not load completely. "
      + "Check the network, then press “Reload”.";

  static KanyanServer server;
  static ChromeDriver desk;

  @BeforeAll
  static void start() throws Exception {
    Browsers.requireChromium();
    var launching = Browsers.launchAsync(Browsers.Launch.desktopWithNetworkLog());
    server = KanyanServer.start();
    desk = launching.get();
    // Every load goes to the network (a module in the browser's cache would not be blocked).
    desk.executeCdpCommand("Network.enable", Map.of());
    desk.executeCdpCommand("Network.setCacheDisabled", Map.of("cacheDisabled", true));
    Browsers.logIn(desk, server.base, KanyanServer.INSPECTOR, KanyanServer.PASSWORD);
    visible(desk, "create-form", 15);
  }

  @AfterAll
  static void stop() {
    Browsers.quit(desk);
    if (server != null) {
      server.close();
    }
  }

  @AfterEach
  void unblockAndChineseAgain() {
    block();
    desk.executeScript("localStorage.setItem('kanyan.lang', 'zh-CN');");
  }

  @Test
  void aModuleThatDidNotLoadIsToldInBothLanguagesAndTheReloadBringsTheDeskUp() {
    try {
      // js/signature.js is imported by js/record.js, which the desk's js/inspector.js imports: the whole page
      // module fails, and none of the desk's code runs.
      block("*/js/signature.js");
      desk.get(server.base + "/inspector.html");
      visible(desk, "load-failure", 10);
      assertThat(desk.findElement(By.id("load-failure-text")).getText()).isEqualTo(FAILED_ZH);
      assertThat(desk.findElement(By.id("load-failure-reload")).getText()).isEqualTo("重新加载");
      assertThat(desk.findElement(By.id("create-form")).isDisplayed()).isFalse();

      // The page's own language switch is not wired (its module never ran): the message follows it anyway.
      new Select(desk.findElement(By.id("lang"))).selectByValue("en");
      waitFor(desk, 5).until(d -> d.findElement(By.id("load-failure-text")).getText().equals(FAILED_EN));
      assertThat(desk.findElement(By.id("load-failure-reload")).getText()).isEqualTo("Reload");

      // The network is back: the button brings the desk up, in the language just chosen, with nothing to report.
      block();
      desk.findElement(By.id("load-failure-reload")).click();
      visible(desk, "create-form", 15);
      waitFor(desk, 5).until(d -> "en".equals(d.findElement(By.tagName("html")).getDomAttribute("lang")));
      assertThat(desk.findElements(By.id("load-failure"))).isEmpty();
      assertThat(desk.findElement(By.id("create-submit")).getText()).isEqualTo("Create and invite");
    } catch (Throwable t) {
      Browsers.dump(desk, "pageload-module");
      throw t;
    }
  }

  @Test
  void aFirstRequestThatKeepsFailingIsRetriedThenToldAndTheReloadBringsTheDeskUp() {
    try {
      Browsers.NetworkLog network = new Browsers.NetworkLog(desk);
      int before = attempts(network);
      // The desk's list of inspections: its page loads, its first request does not get through.
      block("*/api/inspections");
      desk.get(server.base + "/inspector.html");
      visible(desk, "load-failure", 20);
      assertThat(desk.findElement(By.id("load-failure-text")).getText()).isEqualTo(FAILED_ZH);
      assertThat(desk.findElement(By.id("load-failure-reload")).getText()).isEqualTo("重新加载");
      // Asked once and retried three times before the page gave up.
      assertThat(attempts(network) - before).isEqualTo(4);

      // Here the page's modules did run: the switch goes through js/i18n.js too, and the message follows it.
      new Select(desk.findElement(By.id("lang"))).selectByValue("en");
      waitFor(desk, 5).until(d -> d.findElement(By.id("load-failure-text")).getText().equals(FAILED_EN));

      block();
      desk.findElement(By.id("load-failure-reload")).click();
      visible(desk, "create-form", 15);
      assertThat(desk.findElements(By.id("load-failure"))).isEmpty();
    } catch (Throwable t) {
      Browsers.dump(desk, "pageload-first-request");
      throw t;
    }
  }

  @Test
  void thePhonesPageSaysSoWhenAModuleDidNotLoad() {
    try {
      block("*/js/signature.js");
      desk.get(server.base + "/applicant.html#invite=not-a-real-one");
      visible(desk, "load-failure", 10);
      assertThat(desk.findElement(By.id("load-failure-text")).getText()).isEqualTo(FAILED_ZH);
      assertThat(desk.findElement(By.id("load-failure-reload")).isDisplayed()).isTrue();

      // Once the module loads, the page runs: here it tells about the (made-up) link instead.
      block();
      desk.findElement(By.id("load-failure-reload")).click();
      waitFor(desk, 15).until(d -> !d.findElement(By.id("error")).getText().isBlank());
      assertThat(desk.findElements(By.id("load-failure"))).isEmpty();
    } catch (Throwable t) {
      Browsers.dump(desk, "pageload-applicant");
      throw t;
    }
  }

  private static void block(String... patterns) {
    desk.executeCdpCommand("Network.setBlockedURLs", Map.of("urls", List.of(patterns)));
  }

  private static int attempts(Browsers.NetworkLog network) {
    return (int) network.requests().stream()
        .filter(r -> r.method().equals("GET") && r.url().equals(server.base + "/api/inspections")).count();
  }
}
