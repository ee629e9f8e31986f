package io.kanyan.recorder.trail;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.Loops;
import io.kanyan.recorder.testing.TestRedis;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints asked for on four event loops at once (auditors' exports while the periodic one runs): one tree head
 * is made, every caller gets it, and each is answered on its own loop, not on the loop of the run it joined.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CheckpointsLoopsTest {

  @Test
  void checkpointsAskedOnEveryLoopAtOnceMakeOneTreeHeadAndAnswerEachOnItsLoop(@TempDir Path dataDir)
      throws Exception {
    try (TestRedis server = TestRedis.start(); Loops loops = Loops.start(4)) {
      RedisStore redis = RedisStore.connect(loops.vertx(), server.url()).await();
      Trail trail = new Trail(redis, Clock.systemUTC());
      for (String inspection : List.of("insp-a", "insp-b", "insp-c")) {
        trail.append(inspection, EventType.NOTE_ADDED, "user:a", new JsonObject()).await();
      }
      Checkpoints checkpoints = Checkpoints.open(loops.vertx(), redis, Clock.systemUTC(),
          Checkpoints.Settings.under(dataDir)).await();
      AtomicInteger elsewhere = new AtomicInteger();

      List<Long> numbers = loops.on(loop -> {
        Context mine = Vertx.currentContext();
        return checkpoints.checkpointNow().map(sth -> {
          if (Vertx.currentContext() != mine) {
            elsewhere.incrementAndGet();
          }
          return sth.number();
        });
      });

      assertThat(numbers).containsOnly(1L);
      assertThat(Files.readAllLines(checkpoints.settings().logFile())).hasSize(1);
      assertThat(elsewhere.get()).as("answers on another loop than their caller's").isZero();
      checkpoints.stop().await();
      checkpoints.closeKey().await();
      redis.close();
    }
  }
}
