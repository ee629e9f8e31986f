package io.kanyan.signaling.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.Loops;
import io.kanyan.recorder.testing.TestRedis;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.signaling.Problem;
import io.kanyan.signaling.auth.Principal;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A dead-lettered webhook replayed from four event loops at once (a double click, two admins): it is queued again
 * once, the other replays hear that it is no longer dead-lettered, and the integrations chain records one replay.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class WebhookReplayLoopsTest {

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
  void aDeadLetterReplayedFromEveryLoopAtOnceIsReplayedOnce() {
    Trail trail = new Trail(redis, Clock.systemUTC());
    // Replaying touches only Redis and the chain: no keys to look up, nothing sent.
    Webhooks webhooks = new Webhooks(loops.vertx(), redis, trail, null, null,
        new Webhooks.Settings(3, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1)),
        Clock.systemUTC());
    Principal admin = new Principal("ada", "Ada", Principal.Role.ADMIN);

    for (int round = 0; round < 5; round++) {
      String id = UUID.randomUUID() + ".integration-1";
      redis.call(c -> c.hset("kanyan:webhook:" + id, Map.of("integration", "integration-1", "body", "{}",
          "type", "inspection.created", "inspectionId", "i-1", "attempts", "3", "state", "dead"))).await();
      redis.call(c -> c.zadd(Webhooks.DEAD, 1, id)).await();

      List<Integer> replayed = loops.on(loop -> {
        List<Future<Integer>> tries = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
          tries.add(webhooks.replay(admin, id).transform(ar -> ar.succeeded() ? Future.succeededFuture(1)
              : ar.cause() instanceof Problem p && p.code().equals("not_found") ? Future.succeededFuture(0)
              : Future.failedFuture(ar.cause())));
        }
        return Future.all(new ArrayList<>(tries))
            .map(x -> tries.stream().mapToInt(Future::result).sum());
      });

      assertThat(replayed.stream().mapToInt(Integer::intValue).sum()).isEqualTo(1);
      assertThat(redis.<Double>call(c -> c.zscore(Webhooks.DUE, id)).await()).isNotNull();
      assertThat(redis.<Double>call(c -> c.zscore(Webhooks.DEAD, id)).await()).isNull();
      assertThat(trail.read(IntegrationKeys.CHAIN).await().stream()
          .filter(e -> e.type() == EventType.WEBHOOK_REPLAYED && id.equals(e.payloadJson().getString("delivery"))))
          .hasSize(1);
    }
  }
}
