package io.kanyan.signaling.browser;

import static io.kanyan.signaling.browser.Browsers.js;
import static io.kanyan.signaling.browser.Browsers.visible;
import static io.kanyan.signaling.browser.Browsers.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.signaling.media.kurento.FakeKms;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The call pages in Kurento mode, in real headless Chromium, against the KMS double (issue 11, defects 3, 5, 6):
 * a page that joined while no media server was reachable offers again until one answers, then stops offering, and
 * its error banner clears; the shared offer logic ({@code js/call-media.js}) keeps one offer in flight and one
 * waiting at most, and the state it reports follows the frames that really arrive.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class KurentoPagesBrowserTest {

  static int kmsPort;
  static TestServer server;
  static Vertx kmsVertx;
  static FakeKms kms;
  static ChromeDriver phone;

  @BeforeAll
  static void start() throws Exception {
    Browsers.requireChromium();
    var launching = Browsers.launchAsync(Browsers.Launch.phoneWithMedia());
    try (ServerSocket free = new ServerSocket(0)) {
      kmsPort = free.getLocalPort();
    }
    // The media server is down when the server starts (and when the applicant joins).
    server = TestServer.start(Map.of("KMS_URL", "ws://127.0.0.1:" + kmsPort + "/kurento",
        "KANYAN_KMS_CONNECT_TIMEOUT", "3s"));
    kmsVertx = Vertx.vertx();
    phone = launching.get();
  }

  @AfterAll
  static void stop() {
    Browsers.quit(phone);
    if (server != null) {
      server.close();
    }
    if (kms != null) {
      kms.kill().await();
    }
    if (kmsVertx != null) {
      kmsVertx.close().await();
    }
  }

  private static long offersProcessed() {
    return kms.requests().stream().filter(r -> "processOffer".equals(r.getJsonObject("params").getString("operation")))
        .count();
  }

  @Test
  void aPageThatJoinedWhileTheMediaServerWasDownOffersUntilOneAnswersThenStopsAndClearsItsBanner() throws Exception {
    try {
      JsonObject created = Staff.as(server, "kai", "inspector")
          .post("/api/inspections", server.inspectionBody("KMS-DOWN-1")).bodyAsJsonObject();
      String invite = created.getJsonObject("invite").getString("token");
      phone.get(server.origin() + "/applicant.html#invite=" + invite);
      visible(phone, "start", 15).click();
      visible(phone, "call", 15);
      // The first offer finds no media server: the page says so.
      waitFor(phone, 20).until(d -> d.findElement(By.id("error")).isDisplayed());

      kms = new FakeKms(kmsVertx, null).start(kmsPort).await();
      // The pool reconnects within its retry interval; the page's next re-offer gets an answer.
      waitFor(phone, 40).until(d -> offersProcessed() >= 1);
      waitFor(phone, 10).until(d -> !d.findElement(By.id("error")).isDisplayed());
      long offers = offersProcessed();
      // An answer cancels every pending re-offer: nothing more comes in the next retry periods.
      Thread.sleep(7000);
      assertThat(offersProcessed()).as("no offer after the answer").isEqualTo(offers);
      assertThat(offers).isEqualTo(1);
    } catch (Throwable t) {
      Browsers.dump(phone, "kurento-applicant");
      throw t;
    }
  }

  /** Runs a scenario against the page module in the browser and returns what it recorded. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> scenario(String body) {
    phone.get(server.origin() + "/login.html");
    String script = "const done = arguments[arguments.length - 1];"
        + "import('/js/call-media.js').then(async ({ createCallMedia }) => {"
        + "  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));"
        + "  const sent = []; const flows = [];"
        + "  const media = createCallMedia({ makeOffer: async () => 'sdp-' + (sent.length + 1),"
        + "    send: (m) => { sent.push(m.sdp); return true; }, onFlow: (f) => flows.push(f),"
        + "    retryMs: 300, reofferMs: 100, stallReadings: 2 });"
        + body
        + "  media.stop(); done({ sent: sent.length, flows, flowing: media.flowing() });"
        + "}).catch((e) => done({ error: String(e) }));";
    return (Map<String, Object>) ((org.openqa.selenium.JavascriptExecutor) phone).executeAsyncScript(script);
  }

  @Test
  void aFailedOfferInFlightWhenTheMediaIsLostAndItsRetryGiveOneReofferAndAnAnswerCancelsTheRest() {
    // Defect 3: the offer in flight fails while the loss is reported; then the re-offer succeeds.
    Map<String, Object> result = scenario(
        "  media.joined('kurento'); await sleep(20);"      // offer 1 in flight
        + "  media.interrupted();"                           // the loss hits while it is in flight
        + "  media.failed(); await sleep(400);"              // its error: one retry, not two
        + "  media.answered(); await sleep(800);");          // the retry is answered: nothing more
    assertThat(result).doesNotContainKey("error");
    assertThat(((Number) result.get("sent")).intValue()).isEqualTo(2);
  }

  @Test
  void theFirstOfferIsRetriedUntilAMediaServerAnswers() {
    // Defect 5: the first offer failed (no media server yet) and was never tried again.
    Map<String, Object> result = scenario(
        "  media.joined('kurento'); await sleep(20);"
        + "  media.failed(); await sleep(350);"
        + "  media.failed(); await sleep(350);"
        + "  media.answered(); await sleep(700);");
    assertThat(((Number) result.get("sent")).intValue()).isEqualTo(3);
  }

  @Test
  void theReportedStateFollowsTheFramesThatArrive() {
    // Defect 6: video flowing again after the other side reloaded must show as connected.
    Map<String, Object> result = scenario(
        "  media.joined('p2p');"
        + "  for (const n of [0, 10, 20, 20, 20, 0, 5, 9]) media.frames(n);");
    assertThat(((Number) result.get("sent")).intValue()).as("p2p: this module never offers").isZero();
    assertThat((List<Object>) result.get("flows")).containsExactly(true, false, true);
    assertThat(result.get("flowing")).isEqualTo(true);
  }
}
