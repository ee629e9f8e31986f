package io.kanyan.signaling.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.recording.Sha256;
import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.RawHttp;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Uploads are authorised before their body is read, streamed to disk, bounded in size and in number, and
 * their JPEGs are checked before they are decoded.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class UploadLimitsTest {

  static final int DECLARED = 10_000_000;
  static final byte[] CHUNK = new byte[64 * 1024];

  static TestServer server;
  static Http ian;
  static Http jane;
  static Http kim;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("KANYAN_UPLOADS_PER_USER", "1", "KANYAN_UPLOADS_TOTAL", "2",
        "KANYAN_SNAPSHOT_MAX_PIXELS", "1000000"));
    ian = Staff.as(server, "ian", "inspector");
    jane = Staff.as(server, "jane", "inspector");
    kim = Staff.as(server, "kim", "inspector");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void refusesAnonymousAndForeignUploadsBeforeReadingTheirBodies() {
    String id = create(ian, "UL-001");
    List<RawHttp> attackers = new ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) {
        attackers.add(startUpload(null, "/api/inspections/" + id + "/snapshots", DECLARED, 4));
      }
      RawHttp foreign = startUpload(jane, "/api/inspections/" + id + "/snapshots", DECLARED, 4);
      attackers.add(foreign);
      for (RawHttp attacker : attackers) {
        // The answer arrives while only 256 KB of the declared 10 MB were sent: the body was never waited for.
        RawHttp.Response r = attacker.read();
        assertThat(r.status()).isEqualTo(attacker == foreign ? 404 : 401);
        assertThat(attacker.sent()).isLessThan(DECLARED / 10);
        assertThat(attacker.awaitClosed()).as("the refused connection is closed, not drained").isTrue();
      }
    } finally {
      attackers.forEach(RawHttp::close);
    }
    assertThat(partialFiles()).isEmpty();
  }

  @Test
  void refusesADeclaredOversizeBodyAndCutsOffAnUndeclaredOne() {
    String id = create(ian, "UL-002");
    try (RawHttp big = startUpload(ian, "/api/inspections/" + id + "/snapshots", 11 * 1024 * 1024, 1)) {
      RawHttp.Response r = big.read();
      assertThat(r.status()).isEqualTo(413);
      assertThat(r.body()).contains("too_large");
    }
    try (RawHttp chunked = new RawHttp(server.httpPort())) {
      chunked.send("POST /api/inspections/" + id + "/snapshots HTTP/1.1\r\nHost: localhost\r\n"
          + "Cookie: kanyan_session=" + ian.sessionCookie() + "\r\nContent-Type: image/jpeg\r\n"
          + "X-Content-SHA256: " + "0".repeat(64) + "\r\nTransfer-Encoding: chunked\r\n\r\n");
      String chunkHead = Integer.toHexString(CHUNK.length) + "\r\n";
      boolean open = true;
      for (int i = 0; i < 200 && open; i++) { // up to 12.5 MB, past the 10 MB limit
        open = chunked.trySend(chunkHead.getBytes()) && chunked.trySend(CHUNK) && chunked.trySend("\r\n".getBytes());
      }
      RawHttp.Response r = chunked.read();
      assertThat(r.status()).isEqualTo(413);
    }
    assertThat(partialFiles()).isEmpty();
  }

  @Test
  void boundsConcurrentUploadsPerUserAndInTotal() throws Exception {
    String ians = create(ian, "UL-003");
    String janes = create(jane, "UL-004");
    String kims = create(kim, "UL-005");
    byte[] jpeg = jpeg(320, 240);
    try (RawHttp first = startUpload(ian, "/api/inspections/" + ians + "/snapshots", jpeg.length, 0, Sha256.of(jpeg));
        RawHttp janesFirst = startUpload(jane, "/api/inspections/" + janes + "/snapshots", jpeg.length, 0,
            Sha256.of(jpeg))) {
      first.send(Arrays.copyOf(jpeg, 100));
      janesFirst.send(Arrays.copyOf(jpeg, 100));
      awaitInFlight(2);
      HttpResponse<Buffer> second = snapshot(ian, ians, jpeg);
      assertThat(second.statusCode()).isEqualTo(429);
      assertThat(second.bodyAsJsonObject().getString("code")).isEqualTo("too_many_uploads");
      HttpResponse<Buffer> third = snapshot(kim, kims, jpeg);
      assertThat(third.statusCode()).isEqualTo(503);
      assertThat(third.bodyAsJsonObject().getString("code")).isEqualTo("busy");
      assertThat(third.getHeader("Retry-After")).isNotNull();

      first.send(Arrays.copyOfRange(jpeg, 100, jpeg.length));
      assertThat(first.read().status()).isEqualTo(201);
      janesFirst.send(Arrays.copyOfRange(jpeg, 100, jpeg.length));
      assertThat(janesFirst.read().status()).isEqualTo(201);
    }
    awaitInFlight(0);
    assertThat(snapshot(kim, kims, jpeg).statusCode()).isEqualTo(201);
  }

  @Test
  void refusesADecompressionBombFromItsHeaderAndDamagedJpegs() throws Exception {
    String id = create(ian, "UL-006");
    byte[] bomb = withDimensions(jpeg(64, 48), 20000, 20000);
    HttpResponse<Buffer> r = snapshot(ian, id, bomb);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.bodyAsJsonObject().getString("code")).isEqualTo("bad_media");
    assertThat(r.bodyAsJsonObject().getString("message")).contains("20000 x 20000");

    byte[] whole = jpeg(320, 240);
    byte[] truncated = Arrays.copyOf(whole, whole.length / 2);
    HttpResponse<Buffer> cut = snapshot(ian, id, truncated);
    assertThat(cut.statusCode()).isEqualTo(400);
    assertThat(cut.bodyAsJsonObject().getString("code")).isEqualTo("bad_media");
    byte[] junk = new byte[2000];
    junk[0] = (byte) 0xFF;
    junk[1] = (byte) 0xD8;
    Arrays.fill(junk, 2, junk.length, (byte) 0x5A);
    HttpResponse<Buffer> rubbish = snapshot(ian, id, junk);
    assertThat(rubbish.statusCode()).isEqualTo(400);
    assertThat(rubbish.bodyAsJsonObject().getString("code")).isEqualTo("bad_media");

    assertThat(snapshot(ian, id, whole).statusCode()).isEqualTo(201);
  }

  /** Sends an upload's head and {@code chunks} 64 KB pieces of its body, then stops. */
  private static RawHttp startUpload(Http who, String path, long declared, int chunks) {
    return startUpload(who, path, declared, chunks, "0".repeat(64));
  }

  private static RawHttp startUpload(Http who, String path, long declared, int chunks, String sha) {
    RawHttp raw = new RawHttp(server.httpPort());
    raw.send("POST " + path + " HTTP/1.1\r\nHost: localhost\r\n"
        + (who == null ? "" : "Cookie: kanyan_session=" + who.sessionCookie() + "\r\n")
        + "Content-Type: image/jpeg\r\nX-Content-SHA256: " + sha + "\r\nContent-Length: " + declared + "\r\n\r\n");
    for (int i = 0; i < chunks && raw.trySend(CHUNK); i++) {
      // the body, as far as the server lets it come
    }
    return raw;
  }

  private static void awaitInFlight(int n) throws InterruptedException {
    for (int i = 0; i < 200 && partialFiles().size() != n; i++) {
      Thread.sleep(50);
    }
    assertThat(partialFiles()).hasSize(n);
  }

  private static List<Path> partialFiles() {
    Path dir = server.dataDir().resolve("uploads-partial");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.toList();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static HttpResponse<Buffer> snapshot(Http who, String id, byte[] jpeg) {
    return who.raw().post(server.httpPort(), "localhost", "/api/inspections/" + id + "/snapshots")
        .putHeader("Content-Type", "image/jpeg").putHeader("X-Content-SHA256", Sha256.of(jpeg))
        .sendBuffer(Buffer.buffer(jpeg)).await();
  }

  private static String create(Http who, String caseNumber) {
    return who.post("/api/inspections", server.inspectionBody(caseNumber)).bodyAsJsonObject()
        .getJsonObject("inspection").getString("id");
  }

  static byte[] jpeg(int width, int height) throws Exception {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setColor(Color.ORANGE);
    g.fillRect(0, 0, width, height);
    g.setColor(Color.BLUE);
    g.drawLine(0, 0, width, height);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "jpg", out);
    return out.toByteArray();
  }

  /** The same JPEG with its frame header (SOF0) claiming other dimensions: a decompression bomb. */
  static byte[] withDimensions(byte[] jpeg, int width, int height) {
    byte[] out = jpeg.clone();
    for (int i = 2; i + 8 < out.length; i++) {
      if ((out[i] & 0xff) == 0xFF && (out[i + 1] & 0xff) == 0xC0) {
        out[i + 5] = (byte) (height >> 8);
        out[i + 6] = (byte) height;
        out[i + 7] = (byte) (width >> 8);
        out[i + 8] = (byte) width;
        return out;
      }
    }
    throw new IllegalArgumentException("no SOF0 marker");
  }
}
