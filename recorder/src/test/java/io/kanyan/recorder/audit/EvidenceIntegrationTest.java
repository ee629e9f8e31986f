package io.kanyan.recorder.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.recording.FinalisedFile;
import io.kanyan.recorder.recording.Recordings;
import io.kanyan.recorder.recording.Sha256;
import io.kanyan.recorder.recording.Snapshots;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.TestMedia;
import io.kanyan.recorder.testing.TestRedis;
import io.kanyan.recorder.trail.Checkpoints;
import io.kanyan.recorder.trail.Trail;
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
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recorder's real snapshot and recording stores write what the verifier checks: their trail events
 * name the files (relative to the data dir) with their SHA-256, online and in an exported package.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class EvidenceIntegrationTest {

  @Test
  void snapshotsAndRecordingsFromTheRealStoresVerifyAndTheirTamperingIsCaught(Vertx vertx, @TempDir Path dataDir)
      throws Exception {
    try (TestRedis server = TestRedis.start()) {
      RedisStore redis = RedisStore.connect(vertx, server.url()).await();
      Trail trail = new Trail(redis, Clock.systemUTC());
      Snapshots snapshots = new Snapshots(vertx, trail, dataDir, Clock.systemUTC(), ZoneId.of("Asia/Shanghai"));
      Recordings recordings = new Recordings(vertx, trail, dataDir);
      AuditServices audit = AuditServices.start(vertx, redis, trail, new CaseFiles(redis, new byte[32]), dataDir,
          java.util.Map.of(), Clock.systemUTC()).await();
      String inspection = "insp-integration";

      byte[] jpeg = jpeg();
      snapshots.store(inspection, Buffer.buffer(jpeg), Sha256.of(jpeg), "user:wang",
          new Snapshots.Facts("KY-1")).await();
      byte[] webm = Files.readAllBytes(TestMedia.liveWebm(dataDir.resolve("source.webm"), 2));
      recordings.startSegment(inspection, "user:wang", "video/webm").await();
      recordings.appendSlice(inspection, 1, 1, Buffer.buffer(webm), Sha256.of(webm), "user:wang").await();
      List<FinalisedFile> finalised = recordings.finalise(inspection, "system").await();
      assertThat(finalised).hasSize(1);

      Path zip = audit.export().export(inspection, dataDir.resolve("exports/e.zip")).await();
      Verdict online = audit.verifier().verify(inspection).await();
      assertThat(online.problems()).as(online.describe()).isEmpty();
      assertThat(online.passed()).anyMatch(p -> p.startsWith("files: 2 "));
      Verdict offline = EvidencePackage.verify(zip, audit.checkpoints().key().publicKey());
      assertThat(offline.problems()).as(offline.describe()).isEmpty();

      Path recording = finalised.get(0).path();
      byte[] original = Files.readAllBytes(recording);
      byte[] altered = original.clone();
      altered[altered.length / 2] ^= 0x20;
      Files.write(recording, altered);
      assertThat(audit.verifier().verify(inspection).await().problems().get(0)).contains("was altered");
      Files.write(recording, original);
      audit.stop().await();
      redis.close();
    }
  }

  private static byte[] jpeg() throws Exception {
    BufferedImage image = new BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB);
    for (int x = 0; x < 320; x++) {
      for (int y = 0; y < 240; y++) {
        image.setRGB(x, y, (x * 7) ^ (y * 13));
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "jpg", out);
    return out.toByteArray();
  }
}
