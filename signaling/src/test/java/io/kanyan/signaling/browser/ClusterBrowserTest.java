package io.kanyan.signaling.browser;

import static io.kanyan.signaling.browser.Browsers.framesDecoded;
import static io.kanyan.signaling.browser.Browsers.js;
import static io.kanyan.signaling.browser.Browsers.visible;
import static io.kanyan.signaling.browser.Browsers.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.TestRedis;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.recorder.trail.TrailEvent;
import io.kanyan.signaling.testing.HaProxy;
import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.NodeProcess;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * A peer-to-peer call between two real Chromium pages through HAProxy in front of three Kanyan nodes: the node that
 * runs the call is killed (-9) and the video between the browsers keeps flowing, while both pages reconnect
 * through the balancer and take their seats back on a surviving node.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ClusterBrowserTest {

  static final String PASSWORD = "correct-horse-42";

  @RegisterExtension
  static final BrowserFixture fixture = BrowserFixture.withoutServer()
      .browser("inspector", Browsers.Launch.desktop())
      .browser("applicant", Browsers.Launch.phoneWithMedia());

  static TestRedis redis;
  static List<NodeProcess> nodes = new ArrayList<>();
  static HaProxy proxy;
  static Vertx vertx;
  static RedisStore store;
  static ChromeDriver inspector;
  static ChromeDriver applicant;
  /** The nodes' data and logs, and haproxy's; kept when the test fails. */
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  static Path dir;

  @BeforeAll
  static void start() throws Exception {
    redis = TestRedis.start();
    for (String name : List.of("node-a", "node-b", "node-c")) {
      nodes.add(NodeProcess.start(name, redis.url(), dir.resolve(name), Map.of("KANYAN_CLUSTER", "true",
          "KANYAN_CALL_LEASE", "8s", "KANYAN_GRACE_PERIOD", "45s", "KANYAN_MAX_CONNECTIONS_PER_ADDRESS", "0",
          "KANYAN_TIME_ZONE", "Asia/Shanghai")));
    }
    proxy = HaProxy.start(dir.resolve("haproxy"), nodes);
    vertx = Vertx.vertx();
    store = RedisStore.connect(vertx, redis.url()).await();
    Http admin = new Http(vertx, proxy.port()).login("admin", NodeProcess.ADMIN_PASSWORD);
    assertThat(admin.post("/api/users", new JsonObject().put("username", "ian").put("displayName", "王检查")
        .put("role", "inspector").put("password", PASSWORD)).statusCode()).isEqualTo(201);
    inspector = fixture.browser("inspector");
    applicant = fixture.browser("applicant");
  }

  @AfterAll
  static void stop() throws Exception {
    if (proxy != null) {
      proxy.close();
    }
    for (NodeProcess n : nodes) {
      n.close();
    }
    if (store != null) {
      store.close();
    }
    if (vertx != null) {
      vertx.close().await();
    }
    redis.close();
  }

  @Test
  void videoKeepsFlowingAndBothPagesComeBackWhenTheCallsNodeIsKilled() throws Exception {
    run();
  }

  private void run() throws Exception {
    String base = "http://localhost:" + proxy.port();
    Browsers.logIn(inspector, base, "ian", PASSWORD);
    visible(inspector, "create-form", 20);
    inspector.findElement(By.id("f-case")).sendKeys("KY-CLUSTER-1");
    inspector.findElement(By.id("f-matter")).sendKeys("食品经营许可");
    inspector.findElement(By.id("f-applicant")).sendKeys("张三");
    inspector.findElement(By.id("f-phone")).sendKeys("13800138000");
    inspector.findElement(By.id("f-address")).sendKeys("上海市黄浦区人民大道200号");
    inspector.findElement(By.id("create-submit")).click();
    waitFor(inspector, 20).until(d -> !String.valueOf(d.findElement(By.id("invite-url")).getDomProperty("value"))
        .isEmpty());
    String id = (String) js(inspector, "return new URLSearchParams(location.hash.slice(1)).get('id');");
    String inviteUrl = inspector.findElement(By.id("invite-url")).getDomProperty("value");
    inspector.findElement(By.id("enter-call")).click();
    visible(inspector, "call", 20);
    Browsers.fakeLocation(applicant, base, 31.2306, 121.4741, 12);
    // The invite link names the public address; the balancer is this test's.
    applicant.get(base + inviteUrl.substring(inviteUrl.indexOf('/', inviteUrl.indexOf("//") + 2)));
    visible(applicant, "start", 20).click();
    waitFor(inspector, 60).until(d -> framesDecoded(inspector) > 0);

    String lease = store.call(c -> c.get("kanyan:call:{" + id + "}:lease")).await();
    String owner = lease.substring(lease.indexOf(':') + 1);
    NodeProcess running = nodes.stream().filter(n -> n.name().equals(owner)).findFirst().orElseThrow();
    Trail trail = new Trail(store, Clock.systemUTC());
    int before = trail.read(id).await().size();
    long framesAtKill = framesDecoded(inspector);
    running.kill9();

    // Media goes browser to browser: frames keep coming while signaling moves to another node.
    waitFor(inspector, 20).until(d -> framesDecoded(inspector) > framesAtKill + 30);
    // Both pages reconnect through the balancer and take their seats back on the node that took the call over.
    waitFor(inspector, 90).until(d -> {
      List<TrailEvent> since = trail.read(id).await();
      return since.subList(before, since.size()).stream().filter(e -> e.type() == EventType.PARTICIPANT_RECONNECTED)
          .count() >= 2;
    });
    String now = store.call(c -> c.get("kanyan:call:{" + id + "}:lease")).await();
    assertThat(now).doesNotEndWith(":" + owner);
    List<TrailEvent> events = trail.read(id).await();
    assertThat(events.subList(before, events.size()).stream().map(e -> e.type().code()))
        .contains("call.owner_changed", "participant.disconnected", "participant.reconnected")
        .doesNotContain("participant.left");
    long framesAfter = framesDecoded(inspector);
    waitFor(inspector, 20).until(d -> framesDecoded(inspector) > framesAfter + 30);
    assertThat(inspector.findElement(By.id("call-error")).isDisplayed()).isFalse();
    Browsers.screenshot(inspector, "cluster-after-kill-inspector");
  }
}
