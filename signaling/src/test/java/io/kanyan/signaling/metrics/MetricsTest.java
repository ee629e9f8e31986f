package io.kanyan.signaling.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Scrape;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.kanyan.signaling.testing.Ws;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Prometheus endpoint of a whole server: on its own management port only, with Vert.x's, the JVM's and Kanyan's
 * metrics moving as a real call runs; and every metric the shipped Grafana dashboard queries is one the server
 * exports.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MetricsTest {

  static final Path DASHBOARD = Path.of("..", "deploy", "grafana", "kanyan-dashboard.json");
  /** A metric name inside a PromQL expression: a name followed by a selector, a range or the end of a call. */
  static final Pattern METRIC = Pattern.compile("\\b((?:kanyan|vertx|jvm|process|system)_[a-z0-9_]+)\\b");

  static TestServer server;
  static Http alice;
  static WebClient client;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("KANYAN_METRICS_PORT", "0"));
    alice = Staff.as(server, "alice", "inspector");
    client = WebClient.create(server.vertx());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static Map<String, Double> scrape() {
    return Scrape.of(server, client);
  }

  static Set<String> names(Map<String, Double> samples) {
    Set<String> names = new TreeSet<>();
    samples.keySet().forEach(k -> names.add(k.contains("{") ? k.substring(0, k.indexOf('{')) : k));
    return names;
  }

  @Test
  void servesMetricsOnTheManagementPortOnlyAndTheyFollowACall() throws Exception {
    assertThat(server.running().server().metricsPort()).isPositive();
    // Not on the public port: the load balancer and the Ingress only ever see that one.
    assertThat(alice.get("/metrics").statusCode()).isEqualTo(404);
    Map<String, Double> before = scrape();
    Files.createDirectories(Path.of("target"));
    Files.writeString(Path.of("target", "metrics-scrape.txt"), String.join("\n", names(before)));
    assertThat(before).containsEntry("kanyan_calls_live", 0.0);

    JsonObject created = alice.post("/api/inspections", server.inspectionBody("C-" + UUID.randomUUID()))
        .bodyAsJsonObject();
    String id = created.getJsonObject("inspection").getString("id");
    String invite = created.getJsonObject("invite").getString("token");
    try (Ws a = Ws.applicant(server.vertx(), server.httpPort(), invite, server.origin()).await();
        Ws i = Ws.staff(server.vertx(), server.httpPort(), alice.sessionCookie(), server.origin()).await()) {
      a.send(new JsonObject().put("type", "join"));
      a.next("joined");
      i.send(new JsonObject().put("type", "join").put("inspectionId", id));
      i.next("joined");
      a.next("peer-joined");
      i.send(new JsonObject().put("type", "offer").put("sdp", "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"));
      a.next("offer");
      a.send(new JsonObject().put("type", "answer").put("sdp", "v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n"));
      i.next("answer");

      Map<String, Double> during = scrape();
      assertThat(during).containsEntry("kanyan_calls_live", 1.0);
      assertThat(during.get("kanyan_relay_seconds_count{type=\"offer\"}")).isEqualTo(1.0);
      assertThat(during.get("kanyan_relay_seconds_count{type=\"answer\"}")).isEqualTo(1.0);
      assertThat(during.get("kanyan_trail_append_seconds_count"))
          .isGreaterThan(before.get("kanyan_trail_append_seconds_count"));
      assertThat(during.get("kanyan_trail_append_failures_total")).isEqualTo(0.0);
      // Counted from the trail's participant.joined events (appended behind the replies: wait for them).
      String joined = "kanyan_joins_total{kind=\"joined\"}";
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (scrape().get(joined) < before.get(joined) + 2 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(scrape().get(joined)).isEqualTo(before.get(joined) + 2);
      // The server's own WebSocket count, from Vert.x's Micrometer integration.
      assertThat(during.entrySet().stream().filter(e -> e.getKey().startsWith("vertx_http_server_active_ws_connections"))
          .mapToDouble(Map.Entry::getValue).sum()).isGreaterThanOrEqualTo(2.0);
    }
  }

  @Test
  void everyMetricTheDashboardQueriesIsExported() throws IOException {
    JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
    List<String> exprs = new ArrayList<>();
    collect(dashboard.path("panels"), exprs);
    assertThat(exprs).isNotEmpty();
    Set<String> exported = names(scrape());
    Set<String> queried = new TreeSet<>();
    for (String expr : exprs) {
      Matcher m = METRIC.matcher(expr);
      while (m.find()) {
        queried.add(m.group(1));
      }
    }
    assertThat(queried).as("metrics the dashboard queries").isNotEmpty();
    assertThat(exported).as("metrics the server exports").containsAll(queried);
  }

  private static void collect(JsonNode panels, List<String> exprs) {
    for (JsonNode panel : panels) {
      panel.path("targets").forEach(t -> exprs.add(t.path("expr").asText()));
      collect(panel.path("panels"), exprs);
    }
  }
}
