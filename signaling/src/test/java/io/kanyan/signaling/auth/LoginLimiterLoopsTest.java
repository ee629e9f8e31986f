package io.kanyan.signaling.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.Loops;
import io.kanyan.recorder.testing.TestRedis;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Password guesses for one user from one address, sent on four event loops at once: exactly the allowed number of
 * attempts go ahead, however the loops interleave (the count and the back-off are one Lua script in Redis).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LoginLimiterLoopsTest {

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
  void exactlyTheAllowedAttemptsGoAheadWhenEveryLoopGuessesAtOnce() {
    Clock still = Clock.fixed(Instant.parse("2026-11-30T09:00:00Z"), ZoneOffset.UTC);
    LoginLimiter limiter = new LoginLimiter(redis, 5, Duration.ofMinutes(10), still);

    List<Long> wentAhead = loops.on(loop -> {
      List<Future<Long>> tries = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        tries.add(limiter.take("olive", "192.0.2.9"));
      }
      return Future.all(new ArrayList<>(tries)).map(x -> tries.stream().filter(t -> t.result() == 0).count());
    });

    assertThat(wentAhead.stream().mapToLong(Long::longValue).sum()).isEqualTo(5);
  }
}
