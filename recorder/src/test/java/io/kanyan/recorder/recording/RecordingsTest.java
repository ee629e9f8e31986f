package io.kanyan.recorder.recording;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.TestRedis;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.recorder.trail.TrailEvent;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class RecordingsTest {

  static TestRedis server;
  static byte[] webm;
  RedisStore redis;
  Trail trail;
  Recordings recordings;
  @TempDir
  Path dataDir;
  String inspection;

  @BeforeAll
  static void startRedis(@TempDir Path tmp) throws Exception {
    server = TestRedis.start();
    Path file = tmp.resolve("clip.webm");
    Process ffmpeg = new ProcessBuilder("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
        "testsrc=size=160x120:rate=10", "-t", "3", "-c:v", "libvpx", "-b:v", "200k", file.toString())
        .inheritIO().start();
    assertThat(ffmpeg.waitFor()).isZero();
    webm = Files.readAllBytes(file);
  }

  @AfterAll
  static void stopRedis() {
    server.close();
  }

  @BeforeEach
  void connect(Vertx vertx) throws Exception {
    redis = RedisStore.connect(vertx, server.url()).await();
    trail = new Trail(redis, Clock.systemUTC());
    recordings = new Recordings(vertx, trail, dataDir);
    inspection = UUID.randomUUID().toString();
  }

  @AfterEach
  void close() {
    redis.close();
  }

  @Test
  void storesSlicesInOrderAndFinalisesAPlayableFileWithItsHashOnTheTrail() throws Exception {
    recordings.startSegment(inspection, "user:ian", "video/webm").await();
    List<byte[]> slices = split(webm, 4);
    for (int i = 0; i < slices.size(); i++) {
      var ack = recordings.appendSlice(inspection, 1, i + 1, Buffer.buffer(slices.get(i)),
          Sha256.of(slices.get(i)), "user:ian").await();
      assertThat(ack.duplicate()).isFalse();
    }
    List<FinalisedFile> files = recordings.finalise(inspection, "system").await();

    assertThat(files).hasSize(1);
    Path out = files.get(0).path();
    assertThat(Remux.sha256(out)).isEqualTo(files.get(0).sha256());
    List<TrailEvent> events = trail.read(inspection).await();
    assertThat(events).extracting(TrailEvent::type).containsExactly(EventType.MEDIA_EVENT,
        EventType.RECORDING_SLICE, EventType.RECORDING_SLICE, EventType.RECORDING_SLICE,
        EventType.RECORDING_SLICE, EventType.RECORDING_FINALISED);
    JsonObject finalised = events.get(5).payloadJson();
    assertThat(dataDir.resolve(finalised.getString("file"))).isEqualTo(out);
    assertThat(finalised.getString("sha256")).isEqualTo(files.get(0).sha256());
    assertThat(probeDuration(out)).isBetween(2.5, 3.5);
  }

  @Test
  void eachSliceIsOnTheTrailUnderAShortIdWithAByteRangeAndHashThatTheStoredFileBearsOut() throws Exception {
    recordings.startSegment(inspection, "user:ian", "video/webm").await();
    List<byte[]> slices = split(webm, 3);
    for (int i = 0; i < slices.size(); i++) {
      recordings.appendSlice(inspection, 1, i + 1, Buffer.buffer(slices.get(i)), Sha256.of(slices.get(i)), "user:ian")
          .await();
    }
    String file = trail.read(inspection).await().get(0).payloadJson().getString("file");
    byte[] part = Files.readAllBytes(dataDir.resolve(file));
    List<TrailEvent> sliceEvents = trail.read(inspection).await().stream()
        .filter(e -> e.type() == EventType.RECORDING_SLICE).toList();
    assertThat(sliceEvents).extracting(TrailEvent::id)
        .as("the inspection id is the trail's own; repeating it in every slice's id cost 94 bytes of Redis a slice")
        .containsExactly("slice:1:1", "slice:1:2", "slice:1:3");
    for (TrailEvent e : sliceEvents) {
      JsonObject p = e.payloadJson();
      int from = p.getInteger("offset");
      byte[] range = Arrays.copyOfRange(part, from, from + p.getInteger("size"));
      assertThat(Sha256.of(range)).as("slice %s", p.getLong("seq")).isEqualTo(p.getString("sha256"));
    }
  }

  @Test
  void aRetriedSliceIsAcknowledgedOnceAndStoredOnce() {
    recordings.startSegment(inspection, "user:ian", "video/webm").await();
    byte[] slice = Arrays.copyOf(webm, 1000);
    String sha = Sha256.of(slice);
    recordings.appendSlice(inspection, 1, 1, Buffer.buffer(slice), sha, "user:ian").await();
    var again = recordings.appendSlice(inspection, 1, 1, Buffer.buffer(slice), sha, "user:ian").await();

    assertThat(again.duplicate()).isTrue();
    assertThat(again.segmentBytes()).isEqualTo(1000);
    assertThat(trail.read(inspection).await()).filteredOn(e -> e.type() == EventType.RECORDING_SLICE).hasSize(1);
  }

  @Test
  void rejectsASliceWhoseHashDoesNotMatch() {
    recordings.startSegment(inspection, "user:ian", "video/webm").await();
    assertThatThrownBy(() -> recordings.appendSlice(inspection, 1, 1, Buffer.buffer(new byte[] {1, 2, 3}),
        Sha256.of(new byte[] {9}), "user:ian").await())
        .isInstanceOf(RecordingException.class)
        .satisfies(e -> assertThat(((RecordingException) e).code()).isEqualTo(RecordingException.Code.HASH_MISMATCH));
  }

  @Test
  void aSkippedSliceAndANewSegmentShowAsGapsOnTheTrail() {
    recordings.startSegment(inspection, "user:ian", "video/webm").await();
    byte[] a = {1, 2, 3};
    recordings.appendSlice(inspection, 1, 1, Buffer.buffer(a), Sha256.of(a), "user:ian").await();
    recordings.appendSlice(inspection, 1, 4, Buffer.buffer(a), Sha256.of(a), "user:ian").await();
    var second = recordings.startSegment(inspection, "user:ian", "video/webm").await();

    assertThat(second.segment()).isEqualTo(2);
    List<JsonObject> gaps = trail.read(inspection).await().stream()
        .filter(e -> e.type() == EventType.RECORDING_GAP).map(TrailEvent::payloadJson).toList();
    assertThat(gaps).hasSize(2);
    assertThat(gaps.get(0).getLong("fromSeq")).isEqualTo(2);
    assertThat(gaps.get(0).getLong("toSeq")).isEqualTo(3);
    assertThat(gaps.get(1).getString("reason")).isEqualTo("new-segment");
  }

  @Test
  void rebuildsItsStateFromTheTrailAfterARestart(Vertx vertx) {
    recordings.startSegment(inspection, "user:ian", "video/webm").await();
    byte[] a = {1, 2, 3};
    recordings.appendSlice(inspection, 1, 1, Buffer.buffer(a), Sha256.of(a), "user:ian").await();

    Recordings restarted = new Recordings(vertx, new Trail(redis, Clock.systemUTC()), dataDir);
    var ack = restarted.appendSlice(inspection, 1, 2, Buffer.buffer(a), Sha256.of(a), "user:ian").await();

    assertThat(ack.segmentBytes()).isEqualTo(6);
  }

  @Test
  void twoNodesOnSharedStorageTakingSlicesInTurnLoseNoneAndFinaliseOneFile(Vertx vertx) throws Exception {
    // Several nodes behind a balancer without stickiness: the inspector's uploads reach either node in turn.
    Recordings other = new Recordings(vertx, new Trail(redis, Clock.systemUTC()), dataDir);
    recordings.startSegment(inspection, "user:ian", "video/webm").await();
    List<byte[]> slices = split(webm, 6);
    for (int i = 0; i < slices.size(); i++) {
      Recordings node = i % 2 == 0 ? recordings : other;
      var ack = node.appendSlice(inspection, 1, i + 1, Buffer.buffer(slices.get(i)), Sha256.of(slices.get(i)),
          "user:ian").await();
      assertThat(ack.duplicate()).isFalse();
    }
    // The other node starts the second segment; the first node, which last saw segment 1, stores its slice.
    var second = other.startSegment(inspection, "user:ian", "video/webm").await();
    assertThat(second.segment()).isEqualTo(2);
    byte[] more = Arrays.copyOf(webm, 500);
    assertThat(recordings.appendSlice(inspection, 2, 1, Buffer.buffer(more), Sha256.of(more), "user:ian").await()
        .segmentBytes()).isEqualTo(500);

    // Finalised on the node that is now behind: segment 1 holds every byte of every slice, in order.
    List<FinalisedFile> files = recordings.finalise(inspection, "system").await();
    assertThat(files).hasSize(2);
    Path part = dataDir.resolve("inspections").resolve(inspection).resolve("recording").resolve("segment-1.part.webm");
    assertThat(Files.readAllBytes(part)).isEqualTo(webm);
    assertThat(trail.read(inspection).await()).filteredOn(e -> e.type() == EventType.RECORDING_GAP)
        .extracting(e -> e.payloadJson().getString("reason")).containsExactly("new-segment");
  }

  @Test
  void ignoresTheMediaServersRecordingsOnTheTrail() {
    trail.append(inspection, EventType.MEDIA_EVENT, "system", new JsonObject().put("kind", "recording.started")
        .put("role", "applicant").put("segment", 1)).await();
    trail.append(inspection, EventType.RECORDING_FINALISED, "system", new JsonObject().put("kind", "recording.file")
        .put("role", "applicant").put("segment", 1).put("path", inspection + "/applicant-1.webm")
        .put("sha256", "0".repeat(64))).await();

    assertThat(recordings.finalise(inspection, "system").await()).isEmpty();
    assertThat(recordings.startSegment(inspection, "user:ian", "video/webm").await().segment()).isEqualTo(1);
  }

  @Test
  void storesASnapshotOriginalAndAWatermarkedCopy(Vertx vertx) throws Exception {
    Snapshots snapshots = new Snapshots(vertx, trail, dataDir, Clock.systemUTC(), ZoneId.of("Asia/Shanghai"));
    BufferedImage image = new BufferedImage(640, 480, BufferedImage.TYPE_INT_RGB);
    java.awt.Graphics2D g = image.createGraphics();
    g.setColor(java.awt.Color.WHITE);
    g.fillRect(0, 0, 640, 480);
    g.dispose();
    ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
    ImageIO.write(image, "jpg", jpeg);
    byte[] bytes = jpeg.toByteArray();
    JsonObject fix = new JsonObject().put("lat", 31.23).put("lng", 121.47).put("accuracy", 12.0);
    trail.append(inspection, EventType.LOCATION_FIX, "applicant", fix).await();
    trail.append(inspection, EventType.LOCATION_FIX, "applicant", fix.copy().put("lat", 31.24)).await();

    var snapshot = snapshots.store(inspection, Buffer.buffer(bytes), Sha256.of(bytes), "user:ian",
        new Snapshots.Facts("KY-2026-001")).await();

    assertThat(Files.readAllBytes(snapshots.original(inspection, snapshot.id()))).isEqualTo(bytes);
    BufferedImage marked = ImageIO.read(snapshots.watermarked(inspection, snapshot.id()).toFile());
    assertThat(marked.getWidth()).isEqualTo(640);
    assertThat(marked.getRGB(2, 478) & 0xff).as("the bottom band darkens the picture").isLessThan(200);
    TrailEvent event = trail.read(inspection).await().get(2);
    assertThat(event.type()).isEqualTo(EventType.SNAPSHOT_TAKEN);
    assertThat(event.payloadJson().getString("sha256")).isEqualTo(Sha256.of(bytes));
    assertThat(event.payloadJson().getString("displaySha256"))
        .isEqualTo(Sha256.of(Files.readAllBytes(snapshots.watermarked(inspection, snapshot.id()))));
    assertThat(event.payloadJson().getJsonObject("location").getDouble("lat"))
        .as("the latest fix on the trail").isEqualTo(31.24);
    assertThat(event.payloadJson().getLong("locationSeq")).isEqualTo(2L);
  }

  private static List<byte[]> split(byte[] bytes, int parts) {
    int size = (bytes.length + parts - 1) / parts;
    return java.util.stream.IntStream.range(0, parts)
        .mapToObj(i -> Arrays.copyOfRange(bytes, i * size, Math.min(bytes.length, (i + 1) * size))).toList();
  }

  static double probeDuration(Path file) throws Exception {
    Process probe = new ProcessBuilder("ffprobe", "-v", "error", "-show_entries", "format=duration",
        "-of", "default=nw=1:nk=1", file.toString()).start();
    String out = new String(probe.getInputStream().readAllBytes()).strip();
    probe.waitFor();
    return Double.parseDouble(out);
  }
}
