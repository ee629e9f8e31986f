package io.kanyan.recorder.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.TestRedis;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.TrailEvent;
import io.lettuce.core.ScanArgs;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The cache of settled buckets' sums against a real Redis: a second read of a period is served from the cache, an
 * event that arrives late for a past day is never hidden by it, and today's events are added to a cached past.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StatsCacheTest {

  static final ZoneId ZONE = ZoneId.of("Asia/Shanghai");
  static final LocalDate TODAY = LocalDate.of(2026, 6, 30);

  TestRedis server;
  Vertx vertx;
  RedisStore redis;
  StatsRecorder recorder;
  StatsQuery query;
  int next;

  @BeforeEach
  void start() {
    server = TestRedis.start();
    vertx = Vertx.vertx();
    redis = RedisStore.connect(vertx, server.url()).await();
    recorder = new StatsRecorder(redis, ZONE);
    Instant noonToday = TODAY.atTime(12, 0).atZone(ZONE).toInstant();
    query = new StatsQuery(redis, ZONE, Clock.fixed(noonToday, ZoneOffset.UTC));
  }

  @AfterEach
  void stop() {
    redis.close();
    vertx.close().await();
    server.close();
  }

  @Test
  void aSecondReadOfAPeriodComesFromTheCache() {
    inspect(TODAY.minusDays(10), "ian", "pass");
    inspect(TODAY.minusDays(3), "ivy", "fail");
    JsonObject first = figures(StatsQuery.Group.INSPECTOR);
    assertThat(first.getJsonObject("total").getLong("concluded")).isEqualTo(2);

    List<String> cached = cacheKeys();
    assertThat(cached).hasSize(1);
    // Prove the second read is served from the entry: plant a figure in it that no bucket holds. The period ends
    // today, so its total is the settled part's sums (the entry's full:total, MessagePack) with today's buckets
    // added.
    String planted = redis.<String>call(c -> c.eval("local t = cmsgpack.unpack(redis.call('HGET', KEYS[1],"
        + " 'full:total')) local before = t[''].n.concluded t[''].n.concluded = 41"
        + " redis.call('HSET', KEYS[1], 'full:total', cmsgpack.pack(t)) return tostring(before)",
        io.lettuce.core.ScriptOutputType.VALUE, cached.get(0))).await();
    assertThat(planted).isEqualTo("2");
    assertThat(figures(StatsQuery.Group.INSPECTOR).getJsonObject("total").getLong("concluded")).isEqualTo(41);
  }

  @Test
  void aPeriodThatIsOverIsServedFromTheReducedFiguresAlone() {
    inspect(TODAY.minusDays(10), "ian", "pass");
    inspect(TODAY.minusDays(3), "ivy", "fail");
    LocalDate yesterday = TODAY.minusDays(1);
    JsonObject first = query.figures(yesterday.minusDays(29), yesterday, StatsQuery.Unit.DAY,
        StatsQuery.Group.INSPECTOR).await();
    assertThat(first.getJsonObject("total").getLong("concluded")).isEqualTo(2);
    String key = cacheKeys().get(0);
    // Nothing in it is live: the answer is the entry's reduced figures, whatever its full sums say.
    JsonObject reduced = new JsonObject(redis.<String>call(c -> c.hget(key, "reduced")).await());
    reduced.getJsonObject("total").getJsonArray("").set(Tally.METRICS.indexOf("concluded"), 41);
    reduced.getJsonObject("groups").getJsonArray("ivy").set(Tally.METRICS.indexOf("fail"), 7);
    redis.call(c -> c.hset(key, "reduced", reduced.encode())).await();
    redis.call(c -> c.hset(key, "full:total", "not read")).await();
    JsonObject again = query.figures(yesterday.minusDays(29), yesterday, StatsQuery.Unit.DAY,
        StatsQuery.Group.INSPECTOR).await();
    assertThat(again.getJsonObject("total").getLong("concluded")).isEqualTo(41);
    assertThat(again.getJsonArray("groups").getJsonObject(1).getString("key")).isEqualTo("ivy");
    assertThat(again.getJsonArray("groups").getJsonObject(1).getLong("fail")).isEqualTo(7);
  }

  @Test
  void anEventThatArrivesLateForAPastDayIsNeverHiddenByTheCache() {
    inspect(TODAY.minusDays(10), "ian", "pass");
    assertThat(figures(StatsQuery.Group.NONE).getJsonObject("total").getLong("concluded")).isEqualTo(1);
    String key = cacheKeys().get(0);
    String before = redis.<String>call(c -> c.hget(key, "fingerprint")).await();

    // An inspection of five days ago reaches the counters only now (a backfill, a replay after an outage).
    inspect(TODAY.minusDays(5), "ian", "rectify");
    JsonObject after = figures(StatsQuery.Group.NONE).getJsonObject("total");
    assertThat(after.getLong("concluded")).isEqualTo(2);
    assertThat(after.getLong("rectify")).isEqualTo(1);
    assertThat(redis.<String>call(c -> c.hget(key, "fingerprint")).await()).isNotEqualTo(before);
  }

  @Test
  void todaysEventsAreAddedToACachedPastWithoutRebuildingIt() {
    inspect(TODAY.minusDays(10), "ian", "pass");
    figures(StatsQuery.Group.MATTER);
    String key = cacheKeys().get(0);
    String fingerprint = redis.<String>call(c -> c.hget(key, "fingerprint")).await();

    inspect(TODAY, "ivy", "fail");
    JsonObject total = figures(StatsQuery.Group.MATTER).getJsonObject("total");
    assertThat(total.getLong("concluded")).isEqualTo(2);
    assertThat(total.getLong("fail")).isEqualTo(1);
    // Today is live: the settled part's entry was used as it was.
    assertThat(redis.<String>call(c -> c.hget(key, "fingerprint")).await()).isEqualTo(fingerprint);
  }

  @Test
  void anEntryWithoutTheSumsALiveBucketNeedsIsBuiltAgain() {
    inspect(TODAY.minusDays(10), "ian", "pass");
    inspect(TODAY, "ivy", "fail");
    // A period that is over keeps only its reduced figures; one with the same settled days that runs on past
    // today names the same entry, and needs the settled total's sums to add today to.
    JsonObject over = query.figures(TODAY.minusDays(29), TODAY.minusDays(1), StatsQuery.Unit.DAY,
        StatsQuery.Group.NONE).await();
    assertThat(over.getJsonObject("total").getLong("concluded")).isEqualTo(1);
    JsonObject on = query.figures(TODAY.minusDays(29), TODAY.plusDays(5), StatsQuery.Unit.DAY,
        StatsQuery.Group.NONE).await();
    assertThat(cacheKeys()).hasSize(1);
    assertThat(on.getJsonObject("total").getLong("concluded")).isEqualTo(2);
    assertThat(on.getJsonObject("total").getLong("fail")).isEqualTo(1);
  }

  @Test
  void onlyPeriodsThatAreOverAreSettled() {
    assertThat(StatsQuery.settled("kanyan:stats:n:all:d:2026-06-29", TODAY)).isTrue();
    assertThat(StatsQuery.settled("kanyan:stats:n:all:d:2026-06-30", TODAY)).isFalse();
    assertThat(StatsQuery.settled("kanyan:stats:wait:i:w:2026-06-22", TODAY)).isTrue();
    assertThat(StatsQuery.settled("kanyan:stats:wait:i:w:2026-06-29", TODAY)).isFalse();
    assertThat(StatsQuery.settled("kanyan:stats:duration:m:m:2026-05", TODAY)).isTrue();
    assertThat(StatsQuery.settled("kanyan:stats:duration:m:m:2026-06", TODAY)).isFalse();
  }

  private JsonObject figures(StatsQuery.Group group) {
    return query.figures(TODAY.minusDays(29), TODAY, StatsQuery.Unit.DAY, group).await();
  }

  private List<String> cacheKeys() {
    return redis.<List<String>>call(c -> c.scan(ScanArgs.Builder.matches("kanyan:stats:cache:*").limit(1000))
        .thenApply(cursor -> cursor.getKeys())).await();
  }

  /** One inspection created, connected and concluded on {@code day}, counted through the production path. */
  private void inspect(LocalDate day, String inspector, String outcome) {
    String id = "cache-" + next++;
    Instant created = day.atTime(9, 0).atZone(ZONE).toInstant();
    JsonObject facts = new JsonObject().put("inspector", inspector).put("matterCode", "food")
        .put("matterType", "Food");
    recorder.record(event(id, 1, EventType.INSPECTION_CREATED, created, facts)).await();
    recorder.record(event(id, 2, EventType.CALL_CONNECTED, created.plusSeconds(300), new JsonObject())).await();
    recorder.record(event(id, 3, EventType.INSPECTION_ENDED, created.plusSeconds(900),
        new JsonObject().put("reason", "concluded").put("conclusion", outcome))).await();
  }

  private static TrailEvent event(String id, long seq, EventType type, Instant time, JsonObject payload) {
    return new TrailEvent(id + "-" + seq, id, seq, type, "test", time, payload.encode(), "-", "-");
  }
}
