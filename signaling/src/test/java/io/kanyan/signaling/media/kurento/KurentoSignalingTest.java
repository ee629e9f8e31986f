package io.kanyan.signaling.media.kurento;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Scrape;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.kanyan.signaling.testing.Ws;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The whole server in Kurento mode (KMS_URL set), over real WebSockets, against the KMS double: each browser's
 * offer is answered by the media server, media server candidates reach the browser, a killed media server becomes
 * {@code media-interrupted} for both sides, and the recordings and their hashes land on the trail.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class KurentoSignalingTest {

  static Vertx kmsVertx;
  static FakeKms kms;
  static TestServer server;
  static Http alice;

  @BeforeAll
  static void start() throws Exception {
    kmsVertx = Vertx.vertx();
    kms = new FakeKms(kmsVertx, KurentoTestSupport.fixture()).start(0).await();
    server = TestServer.start(Map.of("KMS_URL", kms.url(), "KANYAN_KMS_CONNECT_TIMEOUT", "10s",
        "KANYAN_STUN_URLS", "stun:192.0.2.10:3478", "KANYAN_TURN_URLS", "turn:192.0.2.10:3478",
        "KANYAN_TURN_SECRET", "signaling-test-secret", "KANYAN_METRICS_PORT", "0"));
    KurentoMedia media = (KurentoMedia) server.running().media();
    KurentoTestSupport.eventually(kmsVertx, Duration.ofSeconds(20), () -> media.pool().liveCount() == 1);
    alice = Staff.as(server, "alice", "inspector");
  }

  @AfterAll
  static void stop() {
    server.close();
    kms.kill().await();
    kmsVertx.close().await();
  }

  /** {@code GET /health} as a load balancer sees it. */
  private static io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer> health() {
    return new Http(server.vertx(), server.httpPort()).get("/health");
  }

  @Test
  void aKurentoCallIsAnsweredByTheMediaServerRecordedAndSurvivesAMediaServerRestart() throws Exception {
    assertThat(health().statusCode()).isEqualTo(200);
    assertThat(health().bodyAsJsonObject().getJsonObject("kms"))
        .isEqualTo(new JsonObject().put("reachable", 1).put("of", 1));
    JsonObject created = alice.post("/api/inspections", server.inspectionBody("K-" + UUID.randomUUID())).bodyAsJsonObject();
    String inspectionId = created.getJsonObject("inspection").getString("id");
    String invite = created.getJsonObject("invite").getString("token");

    Ws a = Ws.applicant(server.vertx(), server.httpPort(), invite, server.origin()).await()
        .send(new JsonObject().put("type", "join"));
    JsonObject joined = a.next("joined");
    assertThat(joined.getString("mode")).isEqualTo("kurento");
    JsonArray ice = joined.getJsonArray("iceServers");
    assertThat(ice.getJsonObject(1).getString("username")).endsWith(":" + inspectionId);
    assertThat(ice.encode()).doesNotContain("signaling-test-secret");
    Ws i = Ws.staff(server.vertx(), server.httpPort(), alice.sessionCookie(), server.origin()).await()
        .send(new JsonObject().put("type", "join").put("inspectionId", inspectionId));
    i.next("joined");

    // Each browser offers; the media server answers each and trickles its candidates.
    i.send(new JsonObject().put("type", "offer").put("sdp", FakeSdp.offer("VP8")));
    a.send(new JsonObject().put("type", "offer").put("sdp", FakeSdp.offer("VP8")));
    assertThat(i.next("answer", 15000).getString("sdp")).contains("Kurento Media Server");
    assertThat(a.next("answer", 15000).getString("sdp")).contains("Kurento Media Server");
    assertThat(i.next("ice", 5000).getJsonObject("candidate").getString("candidate")).startsWith("candidate:");
    a.send(new JsonObject().put("type", "ice").put("candidate", KurentoTestSupport.candidate(
        "candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host")));
    for (FakeKms.Obj endpoint : kms.objects("WebRtcEndpoint")) {
      kms.flowOut(endpoint.id, "AUDIO");
      kms.flowOut(endpoint.id, "VIDEO");
    }
    KurentoTestSupport.eventually(kmsVertx, Duration.ofSeconds(10),
        () -> kms.objects("RecorderEndpoint").stream().filter(r -> r.recording).count() == 2);
    // The metrics see the media server and this call's pipeline.
    Map<String, Double> metrics = Scrape.of(server, WebClient.create(server.vertx()));
    assertThat(metrics).containsEntry("kanyan_media_servers{state=\"reachable\"}", 1.0)
        .containsEntry("kanyan_media_servers{state=\"configured\"}", 1.0).containsEntry("kanyan_media_pipelines", 1.0);
    // A garbage offer on the applicant's socket: an error the page can act on, and the call goes on untouched.
    a.send(new JsonObject().put("type", "offer").put("sdp", KurentoMediaTest.GARBAGE_OFFER));
    assertThat(a.next("error", 10000).getString("code")).isEqualTo("media_failed");
    assertThat(kms.objects("RecorderEndpoint").stream().filter(r -> r.recording).count()).isEqualTo(2);

    // The media server dies: both sides are told within 5 s; it comes back and a new offer re-creates the call.
    long killedAt = System.nanoTime();
    kms.kill().await();
    assertThat(i.next("media-interrupted", 5000).getString("reason")).contains(kms.url());
    assertThat(a.next("media-interrupted", 5000)).isNotNull();
    assertThat((System.nanoTime() - killedAt) / 1_000_000).isLessThan(5000);
    // Issue 11, defect 5: with no media server reachable the server is not ready, and says why.
    var down = health();
    assertThat(down.statusCode()).isEqualTo(503);
    assertThat(down.bodyAsJsonObject().getString("media")).isEqualTo("kurento");
    assertThat(down.bodyAsJsonObject().getJsonObject("kms")).isEqualTo(new JsonObject().put("reachable", 0).put("of", 1));
    assertThat(down.bodyAsJsonObject().getString("redis")).isEqualTo("UP");
    assertThat(Scrape.of(server, WebClient.create(server.vertx())))
        .containsEntry("kanyan_media_servers{state=\"reachable\"}", 0.0);
    kms.restart().await();
    KurentoMedia media = (KurentoMedia) server.running().media();
    KurentoTestSupport.eventually(kmsVertx, Duration.ofSeconds(20), () -> media.pool().liveCount() == 1);
    assertThat(health().statusCode()).isEqualTo(200);
    i.send(new JsonObject().put("type", "offer").put("sdp", FakeSdp.offer("VP8")));
    assertThat(i.next("answer", 15000).getString("sdp")).contains("Kurento Media Server");
    KurentoTestSupport.eventually(kmsVertx, Duration.ofSeconds(10), () -> !kms.objects("WebRtcEndpoint").isEmpty());
    String endpoint = kms.objects("WebRtcEndpoint").get(0).id;
    kms.flowOut(endpoint, "AUDIO");
    kms.flowOut(endpoint, "VIDEO");
    KurentoTestSupport.eventually(kmsVertx, Duration.ofSeconds(10),
        () -> kms.objects("RecorderEndpoint").stream().anyMatch(r -> r.recording));

    // Ending the inspection releases the media: recordings stopped, finalised and hashed on the trail.
    alice.post("/api/inspections/" + inspectionId + "/end", new JsonObject().put("conclusion", "pass")
        .put("remark", "ok")).bodyAsJsonObject();
    i.next("ended", 15000);
    KurentoTestSupport.eventually(kmsVertx, Duration.ofSeconds(15), () -> kms.objectCount() == 0);
    Path finalised = server.dataDir().resolve("recordings").resolve(inspectionId).resolve("inspector-2.webm");
    KurentoTestSupport.eventually(kmsVertx, Duration.ofSeconds(15), () -> Files.exists(finalised));
    JsonObject trail = alice.get("/api/inspections/" + inspectionId + "/trail").bodyAsJsonObject();
    assertThat(trail.getBoolean("valid")).isTrue();
    List<JsonObject> events = trail.getJsonArray("events").stream().map(o -> (JsonObject) o).toList();
    assertThat(events).extracting(e -> e.getJsonObject("payload").getString("kind", ""))
        .contains("kms.chosen", "pipeline.created", "recording.started", "media.interrupted", "recording.gap",
            "recording.file");
    assertThat(events).filteredOn(e -> "recording.file".equals(e.getJsonObject("payload").getString("kind")))
        .anySatisfy(e -> assertThat(e.getJsonObject("payload").getString("sha256"))
            .isEqualTo(io.kanyan.recorder.recording.Remux.sha256(finalised)));
    assertThat(Scrape.of(server, WebClient.create(server.vertx()))
        .get("kanyan_recording_bytes_total{source=\"media-server\"}")).isPositive();
    i.close();
    a.close();
  }
}
