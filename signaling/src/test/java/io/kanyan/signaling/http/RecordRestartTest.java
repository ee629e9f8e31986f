package io.kanyan.signaling.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.report.Records;
import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A server that stops between a conclusion and its record's rendering, or between the last signature and the
 * finalising: the next start completes the record, once. The stopped server's rendering is held on a test hook
 * (it never happens), then the server and its Redis are restarted over the same files.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RecordRestartTest {

  TestServer server;
  Http inspector;
  Http anonymous;

  @BeforeEach
  void start() {
    server = TestServer.start();
    inspector = Staff.as(server, "wang", "inspector");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void aConclusionTheServerStoppedBeforeRenderingIsRenderedOnceAfterTheRestart() {
    JsonObject created = inspector.post("/api/inspections", server.inspectionBody("KY-RESTART-1")).bodyAsJsonObject();
    String id = created.getJsonObject("inspection").getString("id");
    server.running().server().records().hold(Promise.promise().future());

    assertThat(inspector.post("/api/inspections/" + id + "/end", new JsonObject().put("conclusion", "pass"))
        .statusCode()).isEqualTo(200);
    assertThat(types(id)).contains("inspection.ended").doesNotContain("record.rendered", "record.failed");
    assertThat(pending(id)).isTrue();

    restart();

    assertThat(server.running().server().recordsSwept().await()).isEqualTo(1);
    assertThat(inspector.get("/api/inspections/" + id + "/record").bodyAsJsonObject().getString("status"))
        .isEqualTo("rendered");
    assertThat(types(id).stream().filter("record.rendered"::equals)).hasSize(1);
    assertThat(pending(id)).isFalse();
    assertThat(inspector.get("/api/inspections/" + id + "/record/pdf").statusCode()).isEqualTo(200);
  }

  @Test
  void aRecordBothPartiesSignedIsFinalisedOnceAfterARestartThatCameBeforeTheFinalising() throws Exception {
    JsonObject created = inspector.post("/api/inspections", server.inspectionBody("KY-RESTART-2")).bodyAsJsonObject();
    String id = created.getJsonObject("inspection").getString("id");
    String token = created.getJsonObject("invite").getString("token");
    inspector.post("/api/inspections/" + id + "/end", new JsonObject().put("conclusion", "fail"));
    while (!types(id).contains("record.rendered")) {
      Thread.sleep(50);
    }
    anonymous = new Http(server.vertx(), server.httpPort());
    assertThat(anonymous.raw().post(server.httpPort(), "localhost", "/api/invite/record/signature")
        .putHeader(InspectionsResource.INVITE_HEADER, token).putHeader("Content-Type", "application/json")
        .sendBuffer(RecordApiTest.signature()).await().statusCode()).isEqualTo(201);
    assertThat(pending(id)).isFalse();

    // The inspector signs last; the server stops before it finalises (the answer never comes).
    server.running().server().records().hold(Promise.promise().future());
    inspector.raw().post(server.httpPort(), "localhost",
        "/api/inspections/" + id + "/record/signature").sendBuffer(RecordApiTest.signature());
    while (types(id).stream().filter("record.signed"::equals).count() < 2) {
      Thread.sleep(50);
    }
    assertThat(pending(id)).isTrue();

    restart();

    assertThat(server.running().server().recordsSwept().await()).isEqualTo(1);
    JsonObject state = inspector.get("/api/inspections/" + id + "/record").bodyAsJsonObject();
    assertThat(state.getString("status")).isEqualTo("finalised");
    assertThat(types(id).stream().filter("record.finalised"::equals)).hasSize(1);
    assertThat(pending(id)).isFalse();
  }

  private void restart() {
    server.restart();
    inspector = new Http(server.vertx(), server.httpPort()).login("wang", Staff.PASSWORD);
  }

  private List<String> types(String id) {
    return inspector.get("/api/inspections/" + id + "/trail").bodyAsJsonObject().getJsonArray("events").stream()
        .map(e -> ((JsonObject) e).getString("type")).toList();
  }

  private boolean pending(String id) {
    return server.running().storage().redis().call(c -> c.sismember(Records.PENDING_KEY, id)).await();
  }
}
