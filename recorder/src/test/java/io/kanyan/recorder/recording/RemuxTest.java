package io.kanyan.recorder.recording;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.testing.TestMedia;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class RemuxTest {

  @TempDir
  static Path dir;
  static Path live;

  @BeforeAll
  static void makeLiveWebm() throws Exception {
    live = TestMedia.liveWebm(dir.resolve("live.webm"), 2);
  }

  @Test
  void finalisedWebmHasADurationAndTheHashOfItsBytes(Vertx vertx) throws Exception {
    assertThat(Remux.durationMillis(live)).as("a streamed WebM has no duration").isEqualTo(-1);

    Path out = dir.resolve("final.webm");
    FinalisedFile file = Remux.finalise(vertx, live, out).await();

    assertThat(file.path()).isEqualTo(out);
    assertThat(file.durationMillis()).isBetween(1500L, 2500L);
    assertThat(file.sizeBytes()).isEqualTo(Files.size(out)).isPositive();
    String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(out)));
    assertThat(file.sha256()).isEqualTo(expected);
    assertThat(live).exists();
  }

  @Test
  void remuxesIntoMatroskaToo(Vertx vertx) {
    FinalisedFile file = Remux.finalise(vertx, live, dir.resolve("final.mkv")).await();
    assertThat(file.durationMillis()).isPositive();
  }

  @Test
  void failsWithAnActionableMessageWhenTheInputIsMissing(Vertx vertx) {
    Throwable error = failureOf(Remux.finalise(vertx, dir.resolve("missing.webm"), dir.resolve("x.webm")));
    assertThat(error).isInstanceOf(RemuxException.class).hasMessageContaining("missing.webm")
        .hasMessageContaining("does not exist");
  }

  @Test
  void failsWhenTheInputIsNotMedia(Vertx vertx) throws Exception {
    Path junk = Files.writeString(dir.resolve("junk.webm"), "this is not a webm");
    Throwable error = failureOf(Remux.finalise(vertx, junk, dir.resolve("junk-out.webm")));
    assertThat(error).isInstanceOf(RemuxException.class).hasMessageContaining("ffmpeg exited with");
  }

  private static Throwable failureOf(Future<?> future) {
    return future.transform(ar -> Future.succeededFuture(ar.cause())).await();
  }
}
