package io.kanyan.signaling.inspection;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.kanyan.signaling.testing.Ws;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Redis dies in the middle of a call: the call goes on, and the trail loses nothing once Redis is back. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RedisOutageTest {

  @Test
  void aCallSurvivesARedisOutageAndItsTrailCatchesUp() throws Exception {
    try (TestServer server = TestServer.start()) {
      Http lee = Staff.as(server, "lee", "inspector");
      JsonObject created = lee.post("/api/inspections", server.inspectionBody("OUT-1")).bodyAsJsonObject();
      String id = created.getJsonObject("inspection").getString("id");
      Ws applicant = Ws.applicant(server.vertx(), server.httpPort(), created.getJsonObject("invite").getString("token"),
          server.origin()).await().send(new JsonObject().put("type", "join"));
      applicant.next("joined");
      Ws inspector = Ws.staff(server.vertx(), server.httpPort(), lee.sessionCookie(), server.origin()).await()
          .send(new JsonObject().put("type", "join").put("inspectionId", id));
      inspector.next("joined");
      inspector.next("peer-joined");

      server.redis().stop(); // redis-server is gone (its files stay)
      assertThat(new Http(server.vertx(), server.httpPort()).get("/health").statusCode()).isEqualTo(503);

      // the media path (relay) still works, and the trail events wait for Redis
      inspector.send(new JsonObject().put("type", "note").put("text", "written during the outage"));
      applicant.send(new JsonObject().put("type", "location").put("lat", 39.9).put("lng", 116.4));
      inspector.send(new JsonObject().put("type", "offer").put("sdp", "v=0\r\n"));
      assertThat(applicant.next("offer")).isNotNull();
      Thread.sleep(1500);

      server.redis().restart();
      long deadline = System.currentTimeMillis() + 30_000;
      List<String> types = List.of();
      while (System.currentTimeMillis() < deadline) {
        var r = lee.get("/api/inspections/" + id + "/trail");
        if (r.statusCode() == 200) {
          types = r.bodyAsJsonObject().getJsonArray("events").stream()
              .map(o -> ((JsonObject) o).getString("type")).toList();
          if (types.contains("note.added") && types.contains("location.fix")) {
            assertThat(r.bodyAsJsonObject().getBoolean("valid")).isTrue();
            break;
          }
        }
        Thread.sleep(500);
      }
      // The note and the fix come from two people's sockets, which may be on two event loops (README "Event loops"):
      // each is after the call connected, in whichever order they reached the call.
      assertThat(types).containsSubsequence("call.connected", "note.added");
      assertThat(types).containsSubsequence("call.connected", "location.fix");
      assertThat(types.stream().filter("note.added"::equals).count()).isEqualTo(1);
      inspector.close();
      applicant.close();
    }
  }
}
