package io.kanyan.signaling.media.kurento;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.recording.Remux;
import io.kanyan.recorder.testing.TestMedia;
import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server stopped in the middle of a Kurento call (crash, kill -9): the segment KMS was writing stays on
 * disk as {@code <role>-<n>.kms.webm}. The next start finalises it and puts it on the inspection's trail.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LeftoverRecordingsTest {

  @Test
  void aSegmentLeftByACrashIsFinalisedAndRecordedAtTheNextStart() throws Exception {
    Vertx kmsVertx = Vertx.vertx();
    FakeKms kms = new FakeKms(kmsVertx, KurentoTestSupport.fixture()).start(0).await();
    try (TestServer server = TestServer.start(Map.of("KMS_URL", kms.url(), "KANYAN_KMS_CONNECT_TIMEOUT", "10s"))) {
      Http sam = Staff.as(server, "sam", "inspector");
      String id = sam.post("/api/inspections", server.inspectionBody("LEFT-1")).bodyAsJsonObject()
          .getJsonObject("inspection").getString("id");
      Path dir = server.dataDir().resolve("recordings").resolve(id);
      Files.createDirectories(dir);
      TestMedia.liveWebm(dir.resolve("applicant-1.kms.webm"), 2);
      Files.writeString(dir.resolve("inspector-1.kms.webm"), "KMS died before the EBML header was written");

      // Issue 11, defect 4: each leftover is handled once, however often the server starts again.
      for (int start = 0; start < 2; start++) {
        server.restart();
        server.running().server().leftoversRecorded().await();
      }

      Path finalised = dir.resolve("applicant-1.webm");
      assertThat(finalised).exists();
      assertThat(dir.resolve("applicant-1.kms.webm")).doesNotExist();
      Http again = new Http(server.vertx(), server.httpPort()).login("sam", Staff.PASSWORD);
      JsonObject trail = again.get("/api/inspections/" + id + "/trail").bodyAsJsonObject();
      List<JsonObject> files = trail.getJsonArray("events").stream().map(o -> (JsonObject) o)
          .filter(e -> e.getString("type").equals("recording.finalised")).toList();
      assertThat(files).hasSize(2);
      JsonObject broken = files.stream().map(e -> e.getJsonObject("payload"))
          .filter(p -> p.getString("role").equals("inspector")).findFirst().orElseThrow();
      assertThat(broken.getString("error")).isNotBlank();
      assertThat(broken.getString("path")).isEqualTo(id + "/inspector-1.kms.webm.unfinalisable");
      assertThat(dir.resolve("inspector-1.kms.webm")).doesNotExist();
      assertThat(dir.resolve("inspector-1.kms.webm.unfinalisable")).exists();
      JsonObject payload = files.stream().map(e -> e.getJsonObject("payload"))
          .filter(p -> p.getString("role").equals("applicant")).findFirst().orElseThrow();
      assertThat(payload.getBoolean("recovered")).isTrue();
      assertThat(payload.getString("role")).isEqualTo("applicant");
      assertThat(payload.getString("sha256")).isEqualTo(Remux.sha256(finalised));
      assertThat(server.dataDir().resolve(payload.getString("file")).toAbsolutePath())
          .isEqualTo(finalised.toAbsolutePath());
      assertThat(trail.getBoolean("valid")).isTrue();
    } finally {
      kms.kill().await();
      kmsVertx.close().await();
    }
  }

  @Test
  void aSegmentOfACallAnotherNodeRunsNowIsNotALeftover(@org.junit.jupiter.api.io.TempDir Path recordings)
      throws Exception {
    // Several nodes on one recordings directory: a node that starts finds the raw files of the calls the others are
    // recording now. Finalising them would delete files a media server is still writing.
    String live = "3f1c2a4e-0000-4000-8000-000000000001";
    String left = "3f1c2a4e-0000-4000-8000-000000000002";
    Files.createDirectories(recordings.resolve(live));
    Files.createDirectories(recordings.resolve(left));
    TestMedia.liveWebm(recordings.resolve(live).resolve("applicant-1.kms.webm"), 1);
    TestMedia.liveWebm(recordings.resolve(left).resolve("applicant-1.kms.webm"), 1);
    Vertx vertx = Vertx.vertx();
    try {
      List<io.kanyan.signaling.media.Media.Leftover> found = LeftoverRecordings.finalise(vertx, recordings,
          id -> io.vertx.core.Future.succeededFuture(id.equals(live))).await();
      assertThat(found).extracting(io.kanyan.signaling.media.Media.Leftover::inspectionId).containsExactly(left);
      for (var leftover : found) {
        leftover.settle().get().await();
      }
      assertThat(recordings.resolve(live).resolve("applicant-1.kms.webm")).exists();
      assertThat(recordings.resolve(left).resolve("applicant-1.kms.webm")).doesNotExist();
      assertThat(recordings.resolve(left).resolve("applicant-1.webm")).exists();
    } finally {
      vertx.close().await();
    }
  }
}
