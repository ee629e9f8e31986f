package io.kanyan.signaling.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.drew.imaging.ImageMetadataReader;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.GpsDirectory;
import io.kanyan.recorder.recording.Sha256;
import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.kanyan.signaling.testing.Ws;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.commons.imaging.formats.jpeg.exif.ExifRewriter;
import org.apache.commons.imaging.formats.tiff.constants.TiffTagConstants;
import org.apache.commons.imaging.formats.tiff.write.TiffOutputSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Full-resolution photos from the applicant's phone over the real server: the inspector's request on the socket,
 * the phone's upload with its invite, EXIF GPS checked against the live fix, the copies, repeats and refusals.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PhotosTest {

  /** The applicant's live fix in the tests: central Beijing. */
  static final double LAT = 39.9087;
  static final double LNG = 116.3975;

  static TestServer server;
  static Http ian;
  static Http audrey;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    ian = Staff.as(server, "ian", "inspector");
    audrey = Staff.as(server, "audrey", "auditor");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** An open inspection with both sides in the call and a live fix on the trail. */
  record Scene(String id, String invite, Ws inspector, Ws phone) implements AutoCloseable {

    static Scene open(String caseNumber) {
      JsonObject created = ian.post("/api/inspections", server.inspectionBody(caseNumber)).bodyAsJsonObject();
      String id = created.getJsonObject("inspection").getString("id");
      String invite = created.getJsonObject("invite").getString("token");
      Ws inspector = Ws.staff(server.vertx(), server.httpPort(), ian.sessionCookie(), server.origin()).await();
      inspector.send(new JsonObject().put("type", "join").put("inspectionId", id)).next("joined");
      Ws phone = Ws.applicant(server.vertx(), server.httpPort(), invite, server.origin()).await();
      phone.send(new JsonObject().put("type", "join")).next("joined");
      phone.send(new JsonObject().put("type", "location").put("lat", LAT).put("lng", LNG).put("accuracy", 25));
      Scene scene = new Scene(id, invite, inspector, phone);
      scene.awaitEvent("location.fix");
      return scene;
    }

    /** The inspector asks; the phone hears the request. */
    JsonObject ask(String itemId) {
      inspector.send(new JsonObject().put("type", "photo-request").put("itemId", itemId));
      JsonObject acked = inspector.next("photo-requested");
      JsonObject heard = phone.next("photo-request");
      assertThat(heard.getString("requestId")).isEqualTo(acked.getString("requestId"));
      return heard;
    }

    HttpResponse<Buffer> put(String requestId, String photoId, byte[] jpeg) {
      return put(requestId, photoId, jpeg, Sha256.of(jpeg), "image/jpeg", invite);
    }

    HttpResponse<Buffer> put(String requestId, String photoId, byte[] body, String sha, String type, String token) {
      HttpRequest<Buffer> request = new Http(server.vertx(), server.httpPort()).raw()
          .put(server.httpPort(), "localhost", "/api/inspections/" + id + "/photos/" + photoId)
          .putHeader("Content-Type", type).putHeader("X-Content-SHA256", sha)
          .putHeader(PhotosResource.DEVICE_TIME_HEADER, "2026-11-30T08:15:30.123Z")
          .putHeader(PhotosResource.DEVICE_LOCATION_HEADER, LAT + "," + LNG + ",25");
      if (requestId != null) {
        request.putHeader(PhotosResource.REQUEST_HEADER, requestId);
      }
      if (token != null) {
        request.putHeader(InspectionsResource.INVITE_HEADER, token);
      }
      return request.sendBuffer(Buffer.buffer(body)).await();
    }

    List<JsonObject> events(String type) {
      return ian.get("/api/inspections/" + id + "/trail").bodyAsJsonObject().getJsonArray("events").stream()
          .map(e -> (JsonObject) e).filter(e -> type.equals(e.getString("type"))).toList();
    }

    JsonObject awaitEvent(String type) {
      for (int i = 0; i < 100; i++) {
        List<JsonObject> found = events(type);
        if (!found.isEmpty()) {
          return found.get(0).getJsonObject("payload");
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          throw new AssertionError(e);
        }
      }
      throw new AssertionError("no " + type + " on the trail of " + id);
    }

    @Override
    public void close() {
      inspector.close();
      phone.close();
    }
  }

  @Test
  void aPhonePhotoFarFromTheLiveFixIsKeptWholeFlaggedAndShownToTheInspector() throws Exception {
    try (Scene scene = Scene.open("PH-001")) {
      JsonObject request = scene.ask("F01");
      assertThat(request.getString("itemTitle")).isNotBlank();
      // Shanghai, about 1,070 km from the live fix in Beijing.
      byte[] jpeg = withGps(picture(2400, 1800), 31.2304, 121.4737);
      String photoId = UUID.randomUUID().toString();

      HttpResponse<Buffer> stored = scene.put(request.getString("requestId"), photoId, jpeg);

      assertThat(stored.statusCode()).as(stored.bodyAsString()).isEqualTo(201);
      JsonObject photo = stored.bodyAsJsonObject();
      assertThat(photo.getString("id")).isEqualTo(photoId);
      assertThat(photo.getInteger("width")).isEqualTo(2400);
      assertThat(photo.getInteger("height")).isEqualTo(1800);
      assertThat(photo.getString("sha256")).isEqualTo(Sha256.of(jpeg));
      assertThat(photo.getBoolean("duplicate")).isFalse();

      JsonObject arrived = scene.inspector().next("photo-arrived");
      assertThat(arrived.getString("photoId")).isEqualTo(photoId);
      assertThat(arrived.getString("itemId")).isEqualTo("F01");
      assertThat(arrived.getString("gpsCheck")).isEqualTo("mismatch");
      HttpResponse<Buffer> thumb = ian.get(arrived.getString("thumbnailUrl"));
      assertThat(thumb.statusCode()).isEqualTo(200);
      BufferedImage small = ImageIO.read(new ByteArrayInputStream(thumb.body().getBytes()));
      assertThat(Math.max(small.getWidth(), small.getHeight())).isEqualTo(320);

      // The original is the phone's bytes, EXIF and all; the display copy carries no EXIF.
      byte[] original = ian.get(arrived.getString("url") + "?variant=original").body().getBytes();
      assertThat(original).isEqualTo(jpeg);
      assertThat(gps(original)).isNotNull();
      byte[] display = ian.get(arrived.getString("url")).body().getBytes();
      assertThat(gps(display)).isNull();
      assertThat(gps(thumb.body().getBytes())).isNull();

      JsonObject taken = scene.events("snapshot.taken").get(0).getJsonObject("payload");
      assertThat(taken.getString("source")).isEqualTo("phone");
      assertThat(taken.getString("requestId")).isEqualTo(request.getString("requestId"));
      assertThat(taken.getString("requestedBy")).contains("ian");
      assertThat(taken.getString("itemId")).isEqualTo("F01");
      assertThat(taken.getString("deviceTime")).isEqualTo("2026-11-30T08:15:30.123Z");
      assertThat(taken.getString("displaySha256")).isEqualTo(Sha256.of(display));
      assertThat(taken.getString("thumbnailSha256")).isEqualTo(Sha256.of(thumb.body().getBytes()));
      JsonObject exif = taken.getJsonObject("exif");
      assertThat(exif.getString("gpsCheck")).isEqualTo("mismatch");
      assertThat(exif.getLong("gpsDistanceMetres")).isBetween(1_000_000L, 1_150_000L);
      JsonObject asked = scene.events("photo.requested").get(0);
      assertThat(asked.getString("actor")).contains("ian");
      assertThat(asked.getJsonObject("payload").getString("itemId")).isEqualTo("F01");
    }
  }

  @Test
  void sendingAPhotoAgainIsIdempotentAndAnotherPhotoUnderItsIdOrRequestIsRefused() throws Exception {
    try (Scene scene = Scene.open("PH-002")) {
      String requestId = scene.ask(null).getString("requestId");
      // Taken on the spot: EXIF GPS 60 m from the live fix.
      byte[] jpeg = withGps(picture(1280, 960), LAT + 0.0005, LNG + 0.0003);
      String photoId = UUID.randomUUID().toString();

      JsonObject first = scene.put(requestId, photoId, jpeg).bodyAsJsonObject();
      HttpResponse<Buffer> again = scene.put(requestId, photoId, jpeg);

      assertThat(again.statusCode()).isEqualTo(200);
      assertThat(again.bodyAsJsonObject().getBoolean("duplicate")).isTrue();
      assertThat(again.bodyAsJsonObject().getString("sha256")).isEqualTo(first.getString("sha256"));
      assertThat(again.bodyAsJsonObject().getString("takenAt")).isEqualTo(first.getString("takenAt"));
      assertThat(scene.events("snapshot.taken")).hasSize(1);
      JsonObject taken = scene.events("snapshot.taken").get(0).getJsonObject("payload");
      assertThat(taken.getJsonObject("exif").getString("gpsCheck")).isEqualTo("match");
      // The phone is told its photo is safe, not what the server's checks found in it.
      assertThat(first.fieldNames()).containsExactlyInAnyOrder("id", "takenAt", "sha256", "size", "width", "height",
          "duplicate");

      byte[] other = withGps(picture(1280, 961), LAT, LNG);
      HttpResponse<Buffer> sameId = scene.put(requestId, photoId, other);
      assertThat(sameId.statusCode()).isEqualTo(409);
      assertThat(sameId.bodyAsJsonObject().getString("code")).isEqualTo("photo_conflict");
      HttpResponse<Buffer> sameRequest = scene.put(requestId, UUID.randomUUID().toString(), other);
      assertThat(sameRequest.statusCode()).isEqualTo(409);
      assertThat(sameRequest.bodyAsJsonObject().getString("code")).isEqualTo("photo_conflict");
      assertThat(scene.events("snapshot.taken")).hasSize(1);
      // An auditor's look at a thumbnail is on the trail like any evidence read.
      assertThat(audrey.get("/api/inspections/" + scene.id() + "/snapshots/" + photoId + "?variant=thumbnail")
          .statusCode()).isEqualTo(200);
      assertThat(scene.events("audit.access")).anyMatch(e -> "thumbnail".equals(
          e.getJsonObject("payload").getString("variant")));
    }
  }

  @Test
  void aRequestThatWentIntoADeadConnectionIsSentAgainWhenThePhoneRejoins() {
    try (Scene scene = Scene.open("PH-006")) {
      JsonObject asked;
      // The phone goes away (as when it switches networks) right after the request was sent to it.
      scene.inspector().send(new JsonObject().put("type", "photo-request"));
      String requestId = scene.inspector().next("photo-requested").getString("requestId");
      scene.phone().drop();
      try (Ws again = Ws.applicant(server.vertx(), server.httpPort(), scene.invite(), server.origin()).await()) {
        again.send(new JsonObject().put("type", "join")).next("joined");
        asked = again.next("photo-request");
      }
      assertThat(asked.getString("requestId")).isEqualTo(requestId);
      assertThat(asked.getBoolean("repeated")).isTrue();
    }
  }

  @Test
  void aPhotoHeldSidewaysIsShownUprightAndWithoutExifItSaysSo() throws Exception {
    try (Scene scene = Scene.open("PH-005")) {
      // A phone held upright stores a landscape picture and says "turn 90° clockwise" (EXIF orientation 6).
      TiffOutputSet exif = new TiffOutputSet();
      exif.getOrCreateRootDirectory().add(TiffTagConstants.TIFF_TAG_ORIENTATION,
          (short) TiffTagConstants.ORIENTATION_VALUE_ROTATE_90_CW);
      ByteArrayOutputStream turned = new ByteArrayOutputStream();
      new ExifRewriter().updateExifMetadataLossless(picture(800, 600), turned, exif);
      String photoId = UUID.randomUUID().toString();

      scene.put(scene.ask(null).getString("requestId"), photoId, turned.toByteArray());

      JsonObject photo = scene.events("snapshot.taken").get(0).getJsonObject("payload");
      assertThat(photo.getInteger("width")).isEqualTo(800);
      assertThat(photo.getJsonObject("exif").getInteger("orientation")).isEqualTo(6);
      assertThat(photo.getJsonObject("exif").getString("gpsCheck")).isEqualTo("no-exif-gps");
      BufferedImage display = ImageIO.read(new ByteArrayInputStream(
          ian.get("/api/inspections/" + scene.id() + "/snapshots/" + photoId).body().getBytes()));
      assertThat(display.getWidth()).isEqualTo(600);
      assertThat(display.getHeight()).isEqualTo(800);

      // The auditor's verification checks the phone's original and its display copy like any snapshot.
      ian.post("/api/inspections/" + scene.id() + "/end", new JsonObject().put("conclusion", "pass"));
      JsonObject verdict = audrey.get("/api/audit/inspections/" + scene.id() + "/verify").bodyAsJsonObject();
      assertThat(verdict.getBoolean("valid")).as(verdict.encodePrettily()).isTrue();
      assertThat(verdict.encode()).contains("watermarked snapshot");
    }
  }

  @Test
  void refusesPhotosThatAnswerNoRequestAreDamagedMistypedOversizedForeignOrLate() throws Exception {
    try (Scene scene = Scene.open("PH-003"); Scene elsewhere = Scene.open("PH-004")) {
      String requestId = scene.ask(null).getString("requestId");
      byte[] jpeg = picture(640, 480);
      String photoId = UUID.randomUUID().toString();

      assertThat(code(scene.put(requestId, photoId, jpeg, Sha256.of(jpeg), "image/jpeg", "not-an-invite")))
          .isEqualTo("401 invite_unknown");
      assertThat(code(scene.put(requestId, photoId, jpeg, Sha256.of(jpeg), "image/jpeg", elsewhere.invite())))
          .isEqualTo("404 not_found");
      assertThat(code(scene.put(null, photoId, jpeg))).isEqualTo("400 missing_field");
      assertThat(code(scene.put(UUID.randomUUID().toString(), photoId, jpeg))).isEqualTo("409 unknown_request");
      assertThat(code(scene.put(requestId, photoId, jpeg, Sha256.of(jpeg), "text/plain", scene.invite())))
          .isEqualTo("415 unsupported_media_type");
      assertThat(code(scene.put(requestId, photoId, jpeg, Sha256.of(new byte[] {1}), "image/jpeg", scene.invite())))
          .isEqualTo("400 hash_mismatch");
      byte[] png = png();
      assertThat(code(scene.put(requestId, photoId, png))).isEqualTo("400 bad_media");
      assertThat(code(scene.put(requestId, "short", jpeg))).isEqualTo("400 bad_field");
      byte[] huge = new byte[(int) PhotosResource.MAX_PHOTO_BYTES + 1];
      assertThat(scene.put(requestId, photoId, huge, Sha256.of(huge), "image/jpeg", scene.invite()).statusCode())
          .isEqualTo(413);
      assertThat(scene.events("snapshot.taken")).isEmpty();

      // On the socket: only the inspector asks, for an item of the bound checklist, while the phone is there.
      scene.inspector().send(new JsonObject().put("type", "photo-request").put("itemId", "NO-SUCH"));
      assertThat(scene.inspector().next("error").getString("code")).isEqualTo("unknown_item");
      elsewhere.phone().close();
      elsewhere.inspector().next("peer-reconnecting"); // the phone's seat is held, with no one in it
      elsewhere.inspector().send(new JsonObject().put("type", "photo-request"));
      assertThat(elsewhere.inspector().next("error").getString("code")).isEqualTo("applicant_absent");
      scene.phone().send(new JsonObject().put("type", "photo-status").put("requestId", requestId)
          .put("state", "camera-off").put("code", "camera_off"));
      JsonObject status = scene.inspector().next("photo-status");
      assertThat(status.getString("state")).isEqualTo("camera-off");
      scene.phone().send(new JsonObject().put("type", "photo-request"));
      assertThat(scene.phone().next("error").getString("code")).isEqualTo("forbidden");

      ian.post("/api/inspections/" + scene.id() + "/end", new JsonObject().put("conclusion", "pass"));
      assertThat(code(scene.put(requestId, photoId, jpeg))).isEqualTo("409 inspection_closed");
    }
  }

  private static String code(HttpResponse<Buffer> r) {
    return r.statusCode() + " " + r.bodyAsJsonObject().getString("code");
  }

  static byte[] picture(int width, int height) throws Exception {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setPaint(new java.awt.GradientPaint(0, 0, Color.ORANGE, width, height, Color.BLUE));
    g.fillRect(0, 0, width, height);
    g.setColor(Color.BLACK);
    g.drawString("LICENCE 91110000MA01", width / 10, height / 2);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "jpg", out);
    return out.toByteArray();
  }

  /** The JPEG with an EXIF GPS position, written as a phone would (Apache Commons Imaging). */
  static byte[] withGps(byte[] jpeg, double lat, double lng) throws Exception {
    TiffOutputSet exif = new TiffOutputSet();
    exif.setGpsInDegrees(lng, lat);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new ExifRewriter().updateExifMetadataLossless(jpeg, out, exif);
    return out.toByteArray();
  }

  private static GpsDirectory gps(byte[] jpeg) throws Exception {
    Metadata metadata = ImageMetadataReader.readMetadata(new ByteArrayInputStream(jpeg));
    GpsDirectory dir = metadata.getFirstDirectoryOfType(GpsDirectory.class);
    return dir == null || dir.getGeoLocation() == null ? null : dir;
  }

  private static byte[] png() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(new BufferedImage(10, 10, BufferedImage.TYPE_INT_RGB), "png", out);
    return out.toByteArray();
  }
}
