package io.kanyan.signaling.inspection;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.testing.SentinelRedis;
import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.kanyan.signaling.testing.Ws;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node on a {@code redis-sentinel://} URL (a primary, one replica, three sentinels; real processes) with replica
 * acknowledgement 1: it serves an inspection end to end across a kill -9 of the primary, and its readiness probe
 * follows the replica.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class SentinelNodeTest {

  static SentinelRedis cluster;
  static TestServer server;
  static Http lee;
  /** The Redis and sentinel files and logs; kept when the class fails. */
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  static Path dir;

  @BeforeAll
  static void start() throws Exception {
    cluster = SentinelRedis.start(dir, 1);
    server = TestServer.start(Map.of("REDIS_URL", cluster.url(), "KANYAN_REDIS_REPLICA_ACKS", "1",
        "KANYAN_REDIS_ACK_TIMEOUT_MS", "500"));
    lee = Staff.as(server, "lee", "inspector");
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void servesAnInspectionAcrossAFailoverOfThePrimary() throws Exception {
    Http anyone = new Http(server.vertx(), server.httpPort());
    assertThat(anyone.get("/health/live").statusCode()).isEqualTo(200);
    // The other test may have just brought the replica back: it acknowledges once it has caught up.
    cluster.awaitHealthy(Duration.ofSeconds(60));
    long readyBy = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    String status = anyone.get("/health/ready").bodyAsJsonObject().getString("status");
    while (!"READY".equals(status) && System.nanoTime() < readyBy) {
      Thread.sleep(250);
      status = anyone.get("/health/ready").bodyAsJsonObject().getString("status");
    }
    assertThat(status).isEqualTo("READY");

    JsonObject created = lee.post("/api/inspections", server.inspectionBody("SEN-1")).bodyAsJsonObject();
    String id = created.getJsonObject("inspection").getString("id");
    Ws applicant = Ws.applicant(server.vertx(), server.httpPort(), created.getJsonObject("invite").getString("token"),
        server.origin()).await().send(new JsonObject().put("type", "join"));
    applicant.next("joined");
    Ws inspector = Ws.staff(server.vertx(), server.httpPort(), lee.sessionCookie(), server.origin()).await()
        .send(new JsonObject().put("type", "join").put("inspectionId", id));
    inspector.next("joined");
    inspector.next("peer-joined");
    inspector.send(new JsonObject().put("type", "note").put("text", "before the failover"));

    SentinelRedis.Node primary = cluster.primary();
    primary.kill9();
    // The call goes on while Redis fails over; the note waits for the new primary.
    inspector.send(new JsonObject().put("type", "note").put("text", "during the failover"));
    cluster.awaitNewPrimary(primary, Duration.ofSeconds(60));
    cluster.restartAsReplica(primary);
    cluster.awaitHealthy(Duration.ofSeconds(60));
    inspector.send(new JsonObject().put("type", "note").put("text", "after the failover"));

    List<String> notes = List.of();
    JsonObject trail = null;
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline && notes.size() < 3) {
      HttpResponse<Buffer> r = lee.get("/api/inspections/" + id + "/trail");
      if (r.statusCode() == 200) {
        trail = r.bodyAsJsonObject();
        notes = trail.getJsonArray("events").stream().map(o -> (JsonObject) o)
            .filter(e -> "note.added".equals(e.getString("type")))
            .map(e -> e.getJsonObject("payload").getString("text")).toList();
      }
      Thread.sleep(300);
    }
    assertThat(notes).containsExactly("before the failover", "during the failover", "after the failover");
    assertThat(trail.getBoolean("valid")).isTrue();
    assertThat(trail.getJsonArray("events").stream().map(o -> ((JsonObject) o).getString("type")).toList())
        .containsSubsequence("inspection.created", "call.connected", "note.added");
    inspector.close();
    applicant.close();
  }

  @Test
  void withTheReplicaDownTheNodeIsNotReadyAndRefusesWritesClearly() throws Exception {
    Http anyone = new Http(server.vertx(), server.httpPort());
    cluster.awaitHealthy(Duration.ofSeconds(60));
    SentinelRedis.Node replica = cluster.nodes().stream().filter(n -> n.port() != cluster.primary().port())
        .findFirst().orElseThrow();
    replica.stop();
    try {
      HttpResponse<Buffer> ready = anyone.get("/health/ready");
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.bodyAsJsonObject().getString("redis")).isEqualTo("NOT_REPLICATED");
      assertThat(anyone.get("/health/live").statusCode()).isEqualTo(200);
      assertThat(anyone.get("/health").statusCode()).isEqualTo(200); // Redis itself answers

      HttpResponse<Buffer> refused = lee.post("/api/inspections", server.inspectionBody("SEN-2"));
      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(refused.bodyAsJsonObject().getString("code")).isEqualTo("not_replicated");
      assertThat(refused.bodyAsJsonObject().getString("message")).contains("replica");
    } finally {
      cluster.restartAsReplica(replica);
    }
    cluster.awaitHealthy(Duration.ofSeconds(60));
    assertThat(anyone.get("/health/ready").statusCode()).isEqualTo(200);
    assertThat(lee.post("/api/inspections", server.inspectionBody("SEN-3")).statusCode()).isEqualTo(201);
  }
}
