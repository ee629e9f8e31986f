package io.kanyan.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.kanyan.signaling.testing.Ws;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A phone that drops off the network often leaves a socket that never closes: the server closes it once
 * it has been silent too long, and the other side learns the applicant is reconnecting.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IdleConnectionTest {

  @Test
  void aSilentSocketIsClosedAndThePeerIsToldTheSeatIsHeld() {
    try (TestServer server = TestServer.start(Map.of("KANYAN_WS_IDLE", "3s", "KANYAN_GRACE_PERIOD", "30s"))) {
      Http rita = Staff.as(server, "rita", "inspector");
      JsonObject created = rita.post("/api/inspections", server.inspectionBody("IDLE-1")).bodyAsJsonObject();
      String id = created.getJsonObject("inspection").getString("id");
      Ws applicant = Ws.applicant(server.vertx(), server.httpPort(), created.getJsonObject("invite").getString("token"),
          server.origin()).await().send(new JsonObject().put("type", "join"));
      applicant.next("joined");
      Ws inspector = Ws.staff(server.vertx(), server.httpPort(), rita.sessionCookie(), server.origin()).await()
          .send(new JsonObject().put("type", "join").put("inspectionId", id));
      inspector.next("joined");
      // the inspector keeps pinging, the applicant goes silent
      long until = System.currentTimeMillis() + 8000;
      while (!applicant.isClosed() && System.currentTimeMillis() < until) {
        inspector.send(new JsonObject().put("type", "ping"));
        inspector.next("pong");
        try {
          Thread.sleep(500);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      assertThat(applicant.closeStatus(1000)).isEqualTo((short) 1001);
      assertThat(inspector.next("peer-reconnecting").getString("role")).isEqualTo("applicant");
      assertThat(inspector.isClosed()).isFalse();
      inspector.close();
    }
  }
}
