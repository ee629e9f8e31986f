package io.kanyan.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Users, inspections and the trail survive a restart of the server and of redis-server (AOF). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RestartTest {

  @Test
  void aRestartKeepsUsersInspectionsAndTrail() {
    try (TestServer server = TestServer.start()) {
      Http kim = Staff.as(server, "kim", "inspector");
      String id = kim.post("/api/inspections", server.inspectionBody("RS-1")).bodyAsJsonObject()
          .getJsonObject("inspection").getString("id");
      // The invite notice goes on the trail after the creation answers: wait for it, so the trail is complete.
      JsonObject before = kim.get("/api/inspections/" + id + "/trail").bodyAsJsonObject();
      for (int i = 0; i < 100 && before.getJsonArray("events").stream()
          .noneMatch(e -> "notification.sent".equals(((JsonObject) e).getString("type"))); i++) {
        sleep(100);
        before = kim.get("/api/inspections/" + id + "/trail").bodyAsJsonObject();
      }

      server.restart();

      Http again = new Http(server.vertx(), server.httpPort()).login("kim", Staff.PASSWORD);
      assertThat(again.get("/api/inspections/" + id).bodyAsJsonObject().getString("caseNumber")).isEqualTo("RS-1");
      JsonObject after = again.get("/api/inspections/" + id + "/trail").bodyAsJsonObject();
      assertThat(after.getJsonArray("events")).isEqualTo(before.getJsonArray("events"));
      assertThat(after.getBoolean("valid")).isTrue();
      // and the chain goes on from where it was
      again.post("/api/inspections/" + id + "/end", new JsonObject().put("conclusion", "pass"));
      JsonObject ended = again.get("/api/inspections/" + id + "/trail").bodyAsJsonObject();
      assertThat(ended.getJsonArray("events").size()).isEqualTo(before.getJsonArray("events").size() + 1);
      assertThat(ended.getBoolean("valid")).isTrue();
    }
  }

  @Test
  void theEmbeddedDefaultStartsItsOwnRedisWithPersistence(@TempDir java.nio.file.Path data) throws Exception {
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    java.util.Map<String, String> env = java.util.Map.of("KANYAN_DATA_DIR", data.toString(), "KANYAN_HTTPS_PORT", "0",
        "KANYAN_DEV_HTTP_PORT", "0", "KANYAN_ADMIN_PASSWORD", "embedded-admin-1");
    Main.Running first = Main.start(vertx, Config.from(env), new io.kanyan.signaling.auth.Passwords(1000),
        java.time.Clock.systemUTC()).await();
    try {
      assertThat(first.storage().redis().call(c -> c.configGet("appendonly")).await()).containsEntry("appendonly", "yes");
      assertThat(first.storage().redis().call(c -> c.configGet("maxmemory-policy")).await())
          .containsEntry("maxmemory-policy", "noeviction");
      new Http(vertx, first.server().devHttpPort()).login("admin", "embedded-admin-1");
      // local users: the data directory is private and the embedded Redis wants its generated password
      assertThat(java.nio.file.attribute.PosixFilePermissions.toString(java.nio.file.Files.getPosixFilePermissions(data)))
          .isEqualTo("rwx------");
      assertThat(java.nio.file.Files.readString(data.resolve("redis/kanyan-redis.conf"))).contains("requirepass ");
    } finally {
      first.close().await();
    }
    assertThat(data.resolve("redis")).isDirectoryContaining(p -> p.getFileName().toString().startsWith("appendonly"));
    io.vertx.core.Vertx vertx2 = io.vertx.core.Vertx.vertx();
    Main.Running second = Main.start(vertx2, Config.from(java.util.Map.of("KANYAN_DATA_DIR", data.toString(),
        "KANYAN_HTTPS_PORT", "0", "KANYAN_DEV_HTTP_PORT", "0")), new io.kanyan.signaling.auth.Passwords(1000),
        java.time.Clock.systemUTC()).await();
    try {
      // the admin from the first run is still there: no new password was generated
      new Http(vertx2, second.server().devHttpPort()).login("admin", "embedded-admin-1");
    } finally {
      second.close().await();
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
