package io.kanyan.signaling.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.recording.Sha256;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Recording slices and snapshots over HTTP: checks, access control, finalising, range downloads, audit. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UploadsTest {

  static TestServer server;
  static Http ian;
  static Http jane;
  static Http audrey;
  static byte[] webm;

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.start();
    ian = Staff.as(server, "ian", "inspector");
    jane = Staff.as(server, "jane", "inspector");
    audrey = Staff.as(server, "audrey", "auditor");
    Path clip = Files.createTempFile("kanyan-clip", ".webm");
    Process ffmpeg = new ProcessBuilder("ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
        "testsrc=size=160x120:rate=10", "-t", "3", "-c:v", "libvpx", "-b:v", "200k", clip.toString())
        .inheritIO().start();
    assertThat(ffmpeg.waitFor()).isZero();
    webm = Files.readAllBytes(clip);
    Files.delete(clip);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void finalisesUploadedSlicesAndServesTheRecordingWithRangesLoggingAuditorsReads() throws Exception {
    String id = create("UP-001");
    assertThat(ian.post(base(id) + "/recordings", new JsonObject().put("mimeType", "video/webm;codecs=vp8,opus"))
        .bodyAsJsonObject().getInteger("segment")).isEqualTo(1);
    int half = webm.length / 2;
    byte[] first = Arrays.copyOfRange(webm, 0, half);
    byte[] second = Arrays.copyOfRange(webm, half, webm.length);
    assertThat(putSlice(ian, id, 1, 1, first, Sha256.of(first), "video/webm").statusCode()).isEqualTo(200);
    HttpResponse<Buffer> again = putSlice(ian, id, 1, 1, first, Sha256.of(first), "video/webm");
    assertThat(again.bodyAsJsonObject().getBoolean("duplicate")).isTrue();
    assertThat(putSlice(ian, id, 1, 2, second, Sha256.of(second), "video/webm").statusCode()).isEqualTo(200);

    ian.post(base(id) + "/end", new JsonObject().put("conclusion", "pass").put("remark", "ok"));
    JsonObject finalised = awaitEvent(id, "recording.finalised");

    assertThat(finalised.getString("file")).isEqualTo("inspections/" + id + "/recording/segment-1.webm");
    HttpResponse<Buffer> whole = ian.get(base(id) + "/recordings/1");
    assertThat(whole.statusCode()).isEqualTo(200);
    assertThat(Sha256.of(whole.body().getBytes())).isEqualTo(finalised.getString("sha256"));
    HttpResponse<Buffer> part = audrey.raw().get(server.httpPort(), "localhost", base(id) + "/recordings/1")
        .putHeader("Range", "bytes=100-199").send().await();
    assertThat(part.statusCode()).isEqualTo(206);
    assertThat(part.getHeader("Content-Range")).isEqualTo("bytes 100-199/" + whole.body().length());
    assertThat(part.body().getBytes()).isEqualTo(Arrays.copyOfRange(whole.body().getBytes(), 100, 200));
    HttpResponse<Buffer> outside = ian.raw().get(server.httpPort(), "localhost", base(id) + "/recordings/1")
        .putHeader("Range", "bytes=99999999-").send().await();
    assertThat(outside.statusCode()).isEqualTo(416);

    audrey.get(base(id) + "/recordings/1");
    List<JsonObject> access = events(id).stream().filter(e -> "audit.access".equals(e.getString("type")))
        .map(e -> e.getJsonObject("payload")).filter(p -> "recording".equals(p.getString("what"))).toList();
    assertThat(access).hasSize(2); // the ranged read from byte 100 and the full read: every read is logged

    // Ranges crafted to look like seeks while reading the whole file: each read is logged all the same.
    for (String crafted : List.of("bytes=-99999999", "bytes=00-", "bytes=000-28441")) {
      HttpResponse<Buffer> r = audrey.raw().get(server.httpPort(), "localhost", base(id) + "/recordings/1")
          .putHeader("Range", crafted).send().await();
      assertThat(r.statusCode()).as(crafted).isEqualTo(206);
    }
    assertThat(events(id).stream().filter(e -> "audit.access".equals(e.getString("type")))
        .filter(e -> "recording".equals(e.getJsonObject("payload").getString("what")))).hasSize(5);
  }

  @Test
  void refusesDamagedMistypedForeignAndLateUploads() {
    String id = create("UP-002");
    ian.post(base(id) + "/recordings", new JsonObject());
    byte[] slice = Arrays.copyOf(webm, 500);

    HttpResponse<Buffer> damaged = putSlice(ian, id, 1, 1, slice, Sha256.of(new byte[] {1}), "video/webm");
    assertThat(damaged.statusCode()).isEqualTo(400);
    assertThat(damaged.bodyAsJsonObject().getString("code")).isEqualTo("hash_mismatch");
    assertThat(putSlice(ian, id, 1, 1, slice, Sha256.of(slice), "text/plain").statusCode()).isEqualTo(415);
    assertThat(putSlice(jane, id, 1, 1, slice, Sha256.of(slice), "video/webm").statusCode()).isEqualTo(404);
    assertThat(putSlice(audrey, id, 1, 1, slice, Sha256.of(slice), "video/webm").statusCode()).isEqualTo(403);
    assertThat(putSlice(ian, id, 7, 1, slice, Sha256.of(slice), "video/webm").statusCode()).isEqualTo(404);
    assertThat(jane.get(base(id) + "/recordings/1").statusCode()).isEqualTo(404);

    ian.post(base(id) + "/end", new JsonObject().put("conclusion", "fail"));
    HttpResponse<Buffer> late = putSlice(ian, id, 1, 1, slice, Sha256.of(slice), "video/webm");
    assertThat(late.statusCode()).isEqualTo(409);
    assertThat(late.bodyAsJsonObject().getString("code")).isEqualTo("inspection_closed");
  }

  @Test
  void keepsTheSnapshotOriginalAndServesAWatermarkedCopy() throws Exception {
    String id = create("UP-003");
    byte[] jpeg = jpeg();
    HttpResponse<Buffer> r = ian.raw().post(server.httpPort(), "localhost", base(id) + "/snapshots")
        .putHeader("Content-Type", "image/jpeg").putHeader("X-Content-SHA256", Sha256.of(jpeg))
        .sendBuffer(Buffer.buffer(jpeg)).await();
    assertThat(r.statusCode()).isEqualTo(201);
    JsonObject snap = r.bodyAsJsonObject();
    assertThat(snap.getInteger("width")).isEqualTo(320);
    assertThat(snap.getValue("location")).isNull();

    byte[] original = audrey.get(base(id) + "/snapshots/" + snap.getString("id") + "?variant=original").body().getBytes();
    byte[] marked = audrey.get(base(id) + "/snapshots/" + snap.getString("id")).body().getBytes();
    assertThat(original).isEqualTo(jpeg);
    assertThat(marked).isNotEqualTo(jpeg);
    JsonObject taken = awaitEvent(id, "snapshot.taken");
    assertThat(taken.getString("sha256")).isEqualTo(Sha256.of(jpeg));
    assertThat(events(id).stream().filter(e -> "audit.access".equals(e.getString("type")))
        .map(e -> e.getJsonObject("payload").getString("what"))).contains("snapshot");

    HttpResponse<Buffer> notJpeg = ian.raw().post(server.httpPort(), "localhost", base(id) + "/snapshots")
        .putHeader("Content-Type", "image/jpeg").putHeader("X-Content-SHA256", Sha256.of(new byte[] {1, 2}))
        .sendBuffer(Buffer.buffer(new byte[] {1, 2})).await();
    assertThat(notJpeg.statusCode()).isEqualTo(400);
    assertThat(notJpeg.bodyAsJsonObject().getString("code")).isEqualTo("bad_media");
  }

  @Test
  void servesTheMediaServersRecordingNamedOnTheTrail() throws Exception {
    String id = create("UP-004");
    Path file = server.dataDir().resolve("recordings").resolve(id).resolve("applicant-1.webm");
    Files.createDirectories(file.getParent());
    Files.write(file, webm);
    Trail trail = new Trail(server.running().storage().redis(), Clock.systemUTC());
    trail.append(id, EventType.RECORDING_FINALISED, "system", new JsonObject().put("kind", "recording.file")
        .put("role", "applicant").put("segment", 1).put("path", id + "/applicant-1.webm")
        .put("sha256", Sha256.of(webm))).await();
    trail.append(id, EventType.RECORDING_FINALISED, "system", new JsonObject().put("kind", "recording.file")
        .put("role", "inspector").put("segment", 1).put("path", "../../keys/phone-index.key")
        .put("sha256", "0".repeat(64))).await();

    HttpResponse<Buffer> r = audrey.get(base(id) + "/recordings/1?role=applicant");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body().getBytes()).isEqualTo(webm);
    assertThat(audrey.get(base(id) + "/recordings/1?role=inspector").statusCode()).isEqualTo(404);
    assertThat(audrey.get(base(id) + "/recordings/2?role=applicant").statusCode()).isEqualTo(404);
  }

  @Test
  void parsesRangeHeadersTheWayPlayersSendThem() {
    assertThat(FileResponses.range(null, 1000)).isEqualTo(new FileResponses.Range(0, 999, false));
    assertThat(FileResponses.range("bytes=0-", 1000)).isEqualTo(new FileResponses.Range(0, 999, true));
    assertThat(FileResponses.range("bytes=500-", 1000)).isEqualTo(new FileResponses.Range(500, 999, true));
    assertThat(FileResponses.range("bytes=-100", 1000)).isEqualTo(new FileResponses.Range(900, 999, true));
    assertThat(FileResponses.range("bytes=10-5000", 1000)).isEqualTo(new FileResponses.Range(10, 999, true));
    assertThat(FileResponses.range("bytes=1000-", 1000)).isNull();
    assertThat(FileResponses.range("items=1-2", 1000)).isEqualTo(new FileResponses.Range(0, 999, false));
  }

  private static String create(String caseNumber) {
    return ian.post("/api/inspections", server.inspectionBody(caseNumber)).bodyAsJsonObject()
        .getJsonObject("inspection").getString("id");
  }

  private static String base(String id) {
    return "/api/inspections/" + id;
  }

  private static HttpResponse<Buffer> putSlice(Http who, String id, int segment, int seq, byte[] body, String sha,
      String type) {
    return who.raw().put(server.httpPort(), "localhost", base(id) + "/recordings/" + segment + "/slices/" + seq)
        .putHeader("Content-Type", type).putHeader("X-Content-SHA256", sha).sendBuffer(Buffer.buffer(body)).await();
  }

  private static List<JsonObject> events(String id) {
    JsonArray events = ian.get(base(id) + "/trail").bodyAsJsonObject().getJsonArray("events");
    return events.stream().map(e -> (JsonObject) e).toList();
  }

  private static JsonObject awaitEvent(String id, String type) throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      var found = events(id).stream().filter(e -> type.equals(e.getString("type"))).findFirst();
      if (found.isPresent()) {
        return found.get().getJsonObject("payload");
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no " + type + " on the trail of " + id);
  }

  private static byte[] jpeg() throws Exception {
    BufferedImage image = new BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, 320, 240);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "jpg", out);
    return out.toByteArray();
  }
}
