package io.kanyan.recorder.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.TestRedis;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.TrailEvent;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The page's views read ahead: afterwards the year's running sums per inspector and per matter type are there up to
 * yesterday and the views are cached, so the first person's read composes them instead of building them; the next
 * run is a few minutes after the next midnight in the bureau's zone.
 */
class StatsWarmUpTest {

  static final ZoneId ZONE = ZoneId.of("Asia/Shanghai");
  static final LocalDate TODAY = LocalDate.of(2027, 3, 10);

  TestRedis server;
  Vertx vertx;
  RedisStore redis;
  Clock clock;

  @BeforeEach
  void start() {
    server = TestRedis.start();
    vertx = Vertx.vertx();
    redis = RedisStore.connect(vertx, server.url()).await();
    clock = Clock.fixed(TODAY.atTime(15, 0).atZone(ZONE).toInstant(), ZoneOffset.UTC);
    StatsRecorder recorder = new StatsRecorder(redis, ZONE);
    for (int i = 0; i < 40; i++) {
      LocalDate day = TODAY.minusDays(i * 3L);
      Instant created = day.atTime(9, 0).atZone(ZONE).toInstant();
      JsonObject facts = new JsonObject().put("inspector", "inspector-" + (i % 3)).put("matterCode", "m-" + (i % 2))
          .put("matterType", "Matter " + (i % 2));
      recorder.record(new TrailEvent("w-" + i + "-1", "w-" + i, 1, EventType.INSPECTION_CREATED, "test", created,
          facts.encode(), "-", "-")).await();
    }
  }

  @AfterEach
  void stop() {
    redis.close();
    vertx.close().await();
    server.close();
  }

  private boolean exists(String key) {
    return redis.<Long>call(c -> c.exists(key)).await() == 1;
  }

  @Test
  void readsThePagesViewsSoTheYearsRunningSumsAreBuiltBeforeAnyoneAsks() {
    StatsQuery query = new StatsQuery(redis, ZONE, clock);
    LocalDate yesterday = TODAY.minusDays(1);
    assertThat(exists(Nodes.key("i", yesterday))).isFalse();
    assertThat(exists(Nodes.key("m", yesterday))).isFalse();

    int read = new StatsWarmUp(vertx, query, clock).runOnce().await();

    assertThat(read).isEqualTo(StatsWarmUp.VIEWS.size());
    assertThat(exists(Nodes.key("i", yesterday))).isTrue();
    assertThat(exists(Nodes.key("m", yesterday))).isTrue();
    // And what it built is what a person then reads: the same figures as the full computation.
    StatsQuery full = new StatsQuery(redis, ZONE, clock, false);
    assertThat(query.figures(TODAY.minusDays(29), TODAY, StatsQuery.Unit.DAY, StatsQuery.Group.INSPECTOR).await())
        .isEqualTo(full.figures(TODAY.minusDays(29), TODAY, StatsQuery.Unit.DAY, StatsQuery.Group.INSPECTOR).await());
  }

  @Test
  void runsAgainAFewMinutesAfterTheNextMidnightInTheBureausZone() {
    Duration wait = new StatsWarmUp(vertx, new StatsQuery(redis, ZONE, clock), clock).untilNextRun();
    // 15:00 in Shanghai: nine hours to midnight, then five minutes.
    assertThat(wait).isEqualTo(Duration.ofHours(9).plus(StatsWarmUp.AFTER_MIDNIGHT));
  }
}
