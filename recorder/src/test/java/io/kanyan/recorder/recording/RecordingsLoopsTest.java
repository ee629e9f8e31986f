package io.kanyan.recorder.recording;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.Loops;
import io.kanyan.recorder.testing.TestRedis;
import io.kanyan.recorder.trail.Trail;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One inspection's recording driven by requests on four event loops at once (uploads of one call may arrive on
 * connections of different loops): its operations still run one after another, and each request is answered on
 * its own loop, not on the loop of the request queued before it.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RecordingsLoopsTest {

  static TestRedis server;
  static Loops loops;
  static RedisStore redis;

  @BeforeAll
  static void start() {
    server = TestRedis.start();
    loops = Loops.start(4);
    redis = RedisStore.connect(loops.vertx(), server.url()).await();
  }

  @AfterAll
  static void stop() {
    redis.close();
    loops.close();
    server.close();
  }

  @Test
  void segmentsStartedFromEveryLoopAtOnceAreNumberedOnceEachAndAnsweredOnTheirCallersLoop(@TempDir Path dataDir) {
    Recordings recordings = new Recordings(loops.vertx(), new Trail(redis, Clock.systemUTC()), dataDir);
    String inspection = UUID.randomUUID().toString();
    AtomicInteger elsewhere = new AtomicInteger();
    int each = 5;

    List<List<Integer>> numbers = loops.on(loop -> {
      Context mine = Vertx.currentContext();
      List<Future<Integer>> started = new ArrayList<>();
      for (int i = 0; i < each; i++) {
        started.add(recordings.startSegment(inspection, "inspector", "video/webm").map(segment -> {
          if (Vertx.currentContext() != mine) {
            elsewhere.incrementAndGet();
          }
          return segment.segment();
        }));
      }
      return Future.all(new ArrayList<>(started)).map(all -> started.stream().map(Future::result).toList());
    });

    List<Integer> all = numbers.stream().flatMap(List::stream).sorted().toList();
    assertThat(all).isEqualTo(IntStream.rangeClosed(1, loops.size() * each).boxed().toList());
    assertThat(elsewhere.get()).as("answers on another loop than their request's").isZero();
  }
}
