package io.kanyan.signaling.browser;

import io.kanyan.signaling.media.kurento.FakeKms;
import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.kanyan.signaling.testing.Ws;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * How long joining a call takes, phase by phase, measured from the applicant's tap on "start" in real headless
 * Chromium (fake camera, no permission prompt): camera open, socket open, {@code joined}, offer, answer, ICE
 * connected, first remote frame, for the applicant and for the inspector (who waits in the call). Runs peer-to-peer
 * and then in Kurento mode against the KMS double (which answers but carries no media: ICE and frames do not
 * happen there). Also times {@code join} → {@code joined} over a plain WebSocket client (the server's part).
 * The pages mark the phases in {@code window.kanyanTimings} ({@code js/timings.js}).
 *
 * <p>Not a test (surefire excludes {@code *Benchmark*}): run {@code deploy/scripts/bench-join.sh [calls]}.
 */
public final class JoinLatencyBenchmark {

  static final List<String> PHASES = List.of("cameraOpen", "socketOpen", "joined", "offerSent", "offerReceived",
      "answerReceived", "iceConnected", "firstFrame");

  public static void main(String[] args) throws Exception {
    int calls = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    Browsers.requireChromium();
    System.out.printf("join latency: %d calls per mode (+1 warm-up), %d cores%n", calls,
        Runtime.getRuntime().availableProcessors());
    ChromeDriver inspector = Browsers.launch(Browsers.Launch.desktop());
    ChromeDriver applicant = Browsers.launch(Browsers.Launch.phoneWithMedia());
    Vertx kmsVertx = Vertx.vertx();
    FakeKms kms = null;
    try {
      run("peer-to-peer", Map.of(), inspector, applicant, calls, true);
      kms = new FakeKms(kmsVertx, null).start(0).await();
      run("kurento (KMS double: no media)", Map.of("KMS_URL", kms.url()), inspector, applicant, calls, false);
    } finally {
      Browsers.quit(inspector);
      Browsers.quit(applicant);
      if (kms != null) {
        kms.kill().await();
      }
      kmsVertx.close().await();
    }
    System.exit(0);
  }

  private static void run(String mode, Map<String, String> env, ChromeDriver inspector, ChromeDriver applicant,
      int calls, boolean media) throws Exception {
    try (TestServer server = TestServer.start(env)) {
      if (!env.isEmpty()) {
        Http anyone = new Http(server.vertx(), server.httpPort());
        new WebDriverWait(inspector, Duration.ofSeconds(30)).until(d -> anyone.get("/health").statusCode() == 200);
      }
      Http api = Staff.as(server, "bench", "inspector");
      inspector.get(server.origin() + "/login.html");
      Browsers.visible(inspector, "username", 10).sendKeys("bench");
      inspector.findElement(By.id("password")).sendKeys(Staff.PASSWORD);
      inspector.findElement(By.id("login-submit")).click();
      Browsers.visible(inspector, "create-form", 10);

      Map<String, List<Long>> applicantPhases = new LinkedHashMap<>();
      Map<String, List<Long>> inspectorPhases = new LinkedHashMap<>();
      for (int call = 0; call <= calls; call++) {
        JsonObject created = api.post("/api/inspections", server.inspectionBody("JL-" + call)).bodyAsJsonObject();
        String id = created.getJsonObject("inspection").getString("id");
        String invite = created.getJsonObject("invite").getString("token");
        // A URL differing only in its fragment would not reload the page: start from a blank one.
        inspector.get("about:blank");
        applicant.get("about:blank");
        inspector.get(server.origin() + "/inspector.html#id=" + id);
        Browsers.visible(inspector, "enter-call", 15).click();
        Browsers.waitFor(inspector, 15).until(d -> timings(inspector).containsKey("joined"));
        applicant.get(server.origin() + "/applicant.html#invite=" + invite);
        Browsers.visible(applicant, "start", 15).click();
        String last = media ? "firstFrame" : "answerReceived";
        Browsers.waitFor(applicant, 30).until(d -> timings(applicant).containsKey(last)
            && (!media || timings(inspector).containsKey("firstFrame")));
        Map<String, Long> a = timings(applicant);
        Map<String, Long> i = timings(inspector);
        long tap = a.get("tap");
        if (call > 0) { // call 0 warms up the JVM and the browsers
          for (String phase : PHASES) {
            if (a.containsKey(phase)) {
              applicantPhases.computeIfAbsent(phase, p -> new ArrayList<>()).add(a.get(phase) - tap);
            }
            if (i.containsKey(phase) && i.get(phase) >= tap) {
              inspectorPhases.computeIfAbsent(phase, p -> new ArrayList<>()).add(i.get(phase) - tap);
            }
          }
        }
        api.post("/api/inspections/" + id + "/end", new JsonObject().put("conclusion", "pass").put("remark", "bench"));
        Browsers.waitFor(applicant, 15).until(d -> d.findElement(By.id("ended")).isDisplayed());
      }
      System.out.printf("%n== %s: ms after the applicant's tap, median (min–max) of %d calls ==%n", mode, calls);
      System.out.printf("%-16s %-22s %-22s%n", "phase", "applicant", "inspector (in the call)");
      for (String phase : PHASES) {
        System.out.printf("%-16s %-22s %-22s%n", phase, stats(applicantPhases.get(phase)), stats(inspectorPhases.get(phase)));
      }
      System.out.printf("server join → joined over a WebSocket on loopback: %s%n", serverJoin(server, api, 20));
    }
  }

  /** join → joined round trips of a plain WebSocket client, the server's share of the {@code joined} phase. */
  private static String serverJoin(TestServer server, Http api, int n) {
    List<Long> micros = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      JsonObject created = api.post("/api/inspections", server.inspectionBody("SJ-" + k)).bodyAsJsonObject();
      Ws ws = Ws.applicant(server.vertx(), server.httpPort(), created.getJsonObject("invite").getString("token"),
          server.origin()).await();
      long started = System.nanoTime();
      ws.send(new JsonObject().put("type", "join"));
      ws.next("joined");
      micros.add((System.nanoTime() - started) / 1000);
      ws.close();
    }
    micros.sort(null);
    return String.format("median %.2f ms, p90 %.2f ms (%d joins)", micros.get(n / 2) / 1000.0,
        micros.get(n * 9 / 10) / 1000.0, n);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Long> timings(ChromeDriver driver) {
    Object value = Browsers.js(driver, "return window.kanyanTimings || {};");
    Map<String, Long> out = new LinkedHashMap<>();
    ((Map<String, Object>) value).forEach((k, v) -> out.put(k, ((Number) v).longValue()));
    return out;
  }

  private static String stats(List<Long> values) {
    if (values == null || values.isEmpty()) {
      return "—";
    }
    List<Long> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return String.format("%d (%d–%d)", sorted.get(sorted.size() / 2), sorted.get(0), sorted.get(sorted.size() - 1));
  }
}
