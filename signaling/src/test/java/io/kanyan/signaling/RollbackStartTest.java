package io.kanyan.signaling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.signaling.auth.Passwords;
import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A Redis that lacks events the commitment log committed (rolled back, or an inspection deleted) refuses
 * the server's start with a message saying what is missing; with KANYAN_READ_ONLY_INVESTIGATION=true it
 * starts read-only: audit reads and verification work, writes are refused.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RollbackStartTest {

  @Test
  void aStoreLackingCommittedEventsRefusesTheStartUnlessReadOnlyForInvestigation() {
    try (TestServer server = TestServer.start()) {
      Http kim = Staff.as(server, "kim", "inspector");
      Staff.as(server, "quinn", "auditor");
      String id = kim.post("/api/inspections", server.inspectionBody("RB-1")).bodyAsJsonObject()
          .getJsonObject("inspection").getString("id");
      server.running().server().audit().checkpoints().checkpointNow().await();
      server.running().server().stop().await();
      RedisStore redis = server.running().storage().redis();
      redis.call(c -> c.del(Trail.streamKey(id), Trail.idsKey(id))).await();
      redis.call(c -> c.hdel(Trail.HEADS_KEY, id)).await();

      Map<String, String> env = new HashMap<>(Map.of("REDIS_URL", server.redis().url(),
          "KANYAN_DATA_DIR", server.dataDir().toString(), "KANYAN_HTTPS_PORT", "0", "KANYAN_DEV_HTTP_PORT", "0",
          "KANYAN_ADMIN_PASSWORD", TestServer.ADMIN_PASSWORD));
      Vertx vertx = Vertx.vertx();
      try {
        assertThatThrownBy(() -> Main.start(vertx, Config.from(env), new Passwords(1000), Clock.systemUTC()).await())
            .hasMessageContaining("refusing to start")
            .hasMessageContaining("inspection " + id + " is missing from Redis: the log committed its events #1..")
            .hasMessageContaining("KANYAN_READ_ONLY_INVESTIGATION=true");

        env.put("KANYAN_READ_ONLY_INVESTIGATION", "true");
        Main.Running readOnly = Main.start(vertx, Config.from(env), new Passwords(1000), Clock.systemUTC()).await();
        int port = readOnly.server().devHttpPort();
        Http quinn = new Http(vertx, port).login("quinn", Staff.PASSWORD);
        HttpResponse<Buffer> verify = quinn.get("/api/audit/inspections/" + id + "/verify");
        assertThat(verify.statusCode()).isEqualTo(200);
        JsonObject verdict = verify.bodyAsJsonObject();
        assertThat(verdict.getBoolean("valid")).isFalse();
        assertThat(verdict.getJsonArray("problems").encode()).contains("events were removed");

        Http kimAgain = new Http(vertx, port).login("kim", Staff.PASSWORD);
        HttpResponse<Buffer> create = kimAgain.post("/api/inspections", server.inspectionBody("RB-2"));
        assertThat(create.statusCode()).isEqualTo(503);
        assertThat(create.bodyAsJsonObject().getString("code")).isEqualTo("read_only");
        assertThat(create.bodyAsJsonObject().getString("message")).contains("KANYAN_READ_ONLY_INVESTIGATION");
        readOnly.close().await();
      } finally {
        vertx.close();
      }
    }
  }
}
