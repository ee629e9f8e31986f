package io.kanyan.recorder.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.TestRedis;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.TrailEvent;
import io.lettuce.core.ScanArgs;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The groups composed from running sums ({@link Nodes}: a period's groups as the difference of two nodes per
 * calendar year) and cached, against the full computation in Redis on the same data: every group summed from its
 * buckets, nothing cached ({@code StatsQuery(..., composed = false)}). Periods cross a new year, start on 1 January
 * or the day after, end on 31 December, today or earlier; events arrive late into a settled bucket that a node
 * holds, and into the day before a period (in the node taken away, not in the period).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StatsComposedTest {

  static final ZoneId ZONE = ZoneId.of("Asia/Shanghai");
  /** A Wednesday in February: the data reaches back over the new year into the previous October. */
  static final LocalDate TODAY = LocalDate.of(2027, 2, 10);
  static final int DAYS = 140;

  TestRedis server;
  Vertx vertx;
  RedisStore redis;
  StatsRecorder recorder;
  StatsQuery composed;
  StatsQuery full;
  Random random = new Random(11);
  int next;

  @BeforeEach
  void start() {
    server = TestRedis.start();
    vertx = Vertx.vertx();
    redis = RedisStore.connect(vertx, server.url()).await();
    recorder = new StatsRecorder(redis, ZONE);
    Clock noon = Clock.fixed(TODAY.atTime(15, 0).atZone(ZONE).toInstant(), ZoneOffset.UTC);
    composed = new StatsQuery(redis, ZONE, noon);
    full = new StatsQuery(redis, ZONE, noon, false);
    List<Future<?>> all = new ArrayList<>();
    for (int i = 0; i < 900; i++) {
      all.add(inspection(TODAY.minusDays(random.nextInt(DAYS))));
    }
    Future.all(all).await();
  }

  @AfterEach
  void stop() {
    redis.close();
    vertx.close().await();
    server.close();
  }

  static final List<StatsExactTest.View> VIEWS = List.of(
      view(TODAY.minusDays(DAYS), TODAY, StatsQuery.Unit.MONTH, StatsQuery.Group.INSPECTOR),
      view(TODAY.minusDays(29), TODAY, StatsQuery.Unit.DAY, StatsQuery.Group.INSPECTOR),
      view(TODAY.minusDays(90), TODAY.minusDays(1), StatsQuery.Unit.WEEK, StatsQuery.Group.MATTER),
      view(LocalDate.of(2027, 1, 1), TODAY, StatsQuery.Unit.DAY, StatsQuery.Group.MATTER),
      view(LocalDate.of(2027, 1, 2), TODAY.minusDays(3), StatsQuery.Unit.WEEK, StatsQuery.Group.INSPECTOR),
      view(LocalDate.of(2026, 10, 17), LocalDate.of(2026, 12, 31), StatsQuery.Unit.WEEK, StatsQuery.Group.INSPECTOR),
      view(LocalDate.of(2026, 12, 20), LocalDate.of(2027, 1, 9), StatsQuery.Unit.DAY, StatsQuery.Group.MATTER),
      view(LocalDate.of(2025, 3, 1), TODAY.plusDays(20), StatsQuery.Unit.MONTH, StatsQuery.Group.INSPECTOR),
      view(TODAY, TODAY, StatsQuery.Unit.DAY, StatsQuery.Group.INSPECTOR),
      // A long series by day, read in several calls (see StatsQuery.chunks).
      view(TODAY.minusDays(365), TODAY, StatsQuery.Unit.DAY, StatsQuery.Group.INSPECTOR),
      view(TODAY.minusDays(200), TODAY.minusDays(2), StatsQuery.Unit.DAY, StatsQuery.Group.NONE));

  static StatsExactTest.View view(LocalDate from, LocalDate to, StatsQuery.Unit by, StatsQuery.Group group) {
    return new StatsExactTest.View(from, to, by, group);
  }

  @Test
  void composedGroupsAgreeWithTheBucketsFirstAndCached() {
    for (StatsExactTest.View v : VIEWS) {
      JsonObject expected = figures(full, v);
      assertThat(expected.getJsonObject("total").getLong("concluded")).as("%s has data", v).isPositive();
      assertThat(expected.getJsonArray("groups").isEmpty()).as("%s has groups", v)
          .isEqualTo(v.group() == StatsQuery.Group.NONE);
      assertThat(figures(composed, v)).as("first read of %s", v).isEqualTo(expected);
      assertThat(figures(composed, v)).as("cached read of %s", v).isEqualTo(expected);
    }
    assertThat(keys("kanyan:stats:upto:*")).as("the nodes the composed reads built").isNotEmpty();
  }

  @Test
  void aLongPeriodPerInspectorReadsTwoNodesPerYearRatherThanItsGroupBuckets() {
    List<String> keys = StatsQuery.keys(TODAY.minusDays(364), TODAY, StatsQuery.Unit.MONTH,
        StatsQuery.Group.INSPECTOR, TODAY);
    assertThat(keys.stream().filter(k -> k.contains(":upto:"))).containsExactly(
        "kanyan:stats:upto:i:2026-02-10", "kanyan:stats:upto:i:2026-12-31", "kanyan:stats:upto:i:2027-02-09");
    // Of the inspectors' buckets, only today's (live) is read as it is.
    assertThat(keys.stream().filter(k -> k.matches("kanyan:stats:(n|duration|wait):i:.*"))).containsExactlyInAnyOrder(
        "kanyan:stats:n:i:d:2027-02-10", "kanyan:stats:duration:i:d:2027-02-10", "kanyan:stats:wait:i:d:2027-02-10");
  }

  @Test
  void aLongSeriesIsReadInSeveralCallsOfAFewBucketsEach() {
    List<LocalDate[]> points = StatsQuery.points(TODAY.minusDays(365), TODAY, StatsQuery.Unit.DAY);
    List<int[]> chunks = StatsQuery.chunks(points);
    assertThat(chunks).hasSizeGreaterThan(5);
    int next = 0;
    for (int[] c : chunks) {
      assertThat(c[0]).isEqualTo(next);
      int buckets = 0;
      for (int i = c[0]; i < c[1]; i++) {
        buckets += StatsQuery.cover(points.get(i)[0], points.get(i)[1]).size();
      }
      assertThat(buckets).isBetween(1, StatsQuery.CHUNK_BUCKETS);
      next = c[1];
    }
    assertThat(next).isEqualTo(points.size());
    assertThat(StatsQuery.chunks(StatsQuery.points(TODAY.minusDays(29), TODAY, StatsQuery.Unit.DAY))).hasSize(1);
  }

  @Test
  void aLateEventInASettledBucketANodeHoldsIsCountedAsTheBucketsCountIt() {
    VIEWS.forEach(v -> figures(composed, v));
    String node = "kanyan:stats:upto:i:" + TODAY.minusDays(1);
    String before = redis.<String>call(c -> c.hget(node, "fingerprint")).await();
    assertThat(before).isNotNull();

    List<Future<?>> late = new ArrayList<>();
    // Late for settled days a node holds (November, the new year's first days, last week), and one for the day
    // before a period starts (the node taken away holds it, the period does not).
    for (LocalDate day : List.of(LocalDate.of(2026, 11, 12), LocalDate.of(2027, 1, 1), LocalDate.of(2027, 1, 2),
        TODAY.minusDays(6), LocalDate.of(2026, 12, 31), TODAY.minusDays(DAYS + 1))) {
      late.add(inspection(day));
      late.add(inspection(day));
    }
    Future.all(late).await();
    for (StatsExactTest.View v : VIEWS) {
      JsonObject expected = figures(full, v);
      assertThat(figures(composed, v)).as("%s after late events", v).isEqualTo(expected);
      assertThat(figures(composed, v)).as("%s read again", v).isEqualTo(expected);
    }
    assertThat(redis.<String>call(c -> c.hget(node, "fingerprint")).await()).as("the node was rebuilt")
        .isNotEqualTo(before);
  }

  @Test
  void theFiguresComeFromTheNodesAndANodeIsNeverReadStale() {
    StatsExactTest.View v = view(LocalDate.of(2027, 1, 5), TODAY.minusDays(1), StatsQuery.Unit.WEEK,
        StatsQuery.Group.INSPECTOR);
    JsonObject expected = figures(composed, v);
    assertThat(expected).isEqualTo(figures(full, v));
    // Plant a count in the node the period's groups are taken from, and let the view be read afresh: it shows.
    String node = "kanyan:stats:upto:i:" + v.to();
    redis.call(c -> c.eval("local t = cmsgpack.unpack(redis.call('HGET', KEYS[1], 'sums'))"
        + " t.n['inspector-3|created'] = t.n['inspector-3|created'] + 40"
        + " redis.call('HSET', KEYS[1], 'sums', cmsgpack.pack(t)) return 0",
        io.lettuce.core.ScriptOutputType.INTEGER, node)).await();
    keys("kanyan:stats:cache:*").forEach(k -> redis.call(c -> c.del(k)).await());
    assertThat(row(figures(composed, v), "inspector-3").getLong("created"))
        .isEqualTo(row(expected, "inspector-3").getLong("created") + 40);

    // An event that arrives late for a day the node holds moves its generation: the planted node is not read
    // again, it is rebuilt from the buckets.
    inspection(LocalDate.of(2027, 1, 20)).await();
    assertThat(figures(composed, v)).isEqualTo(figures(full, v));
    assertThat(figures(composed, v)).isNotEqualTo(expected);
  }

  @Test
  void theNodeOfAMonthsEndIsKeptLongerAndNoUseShortensIt() {
    figures(composed, view(TODAY.minusDays(29), TODAY, StatsQuery.Unit.DAY, StatsQuery.Group.INSPECTOR));
    long keep = StatsQuery.CACHE_KEEP.toSeconds();
    assertThat(ttl("kanyan:stats:upto:i:2027-01-31")).isGreaterThan(keep);
    assertThat(ttl("kanyan:stats:upto:i:" + TODAY.minusDays(1))).isBetween(1L, keep);
    // A period from 1 February takes the January node away: read.lua uses it, and leaves its time to live.
    figures(composed, view(LocalDate.of(2027, 2, 1), TODAY, StatsQuery.Unit.DAY, StatsQuery.Group.INSPECTOR));
    assertThat(ttl("kanyan:stats:upto:i:2027-01-31")).isGreaterThan(keep);
  }

  private long ttl(String key) {
    return redis.<Long>call(c -> c.ttl(key)).await();
  }

  @Test
  void aGroupSeenOnlyBeforeThePeriodHasNoRow() {
    // Counted on 3 January: in the node of every later day of the year, and in the node taken away.
    inspection(LocalDate.of(2027, 1, 3), "inspector-early").await();
    StatsExactTest.View v = view(LocalDate.of(2027, 1, 10), TODAY.minusDays(1), StatsQuery.Unit.WEEK,
        StatsQuery.Group.INSPECTOR);
    JsonObject expected = figures(full, v);
    assertThat(expected.getJsonArray("groups").stream().map(r -> ((JsonObject) r).getString("key")))
        .doesNotContain("inspector-early");
    assertThat(figures(composed, v)).isEqualTo(expected);
  }

  @Test
  void randomPeriodsAgreeWithTheBuckets() {
    for (int i = 0; i < 30; i++) {
      LocalDate to = TODAY.plusDays(10 - random.nextInt(DAYS + 400));
      StatsQuery.Unit by = StatsQuery.Unit.values()[random.nextInt(3)];
      StatsExactTest.View v = view(to.minusDays(random.nextInt(by == StatsQuery.Unit.DAY ? 200 : 700)), to, by,
          random.nextBoolean() ? StatsQuery.Group.INSPECTOR : StatsQuery.Group.MATTER);
      JsonObject expected = figures(full, v);
      assertThat(figures(composed, v)).as("first read of %s", v).isEqualTo(expected);
      assertThat(figures(composed, v)).as("cached read of %s", v).isEqualTo(expected);
    }
  }

  private static JsonObject row(JsonObject figures, String key) {
    return figures.getJsonArray("groups").stream().map(JsonObject.class::cast)
        .filter(r -> key.equals(r.getString("key"))).findFirst().orElseThrow();
  }

  private static JsonObject figures(StatsQuery query, StatsExactTest.View v) {
    return query.figures(v.from(), v.to(), v.by(), v.group()).await();
  }

  private List<String> keys(String pattern) {
    return redis.<List<String>>call(c -> c.scan(ScanArgs.Builder.matches(pattern).limit(100_000))
        .thenApply(cursor -> cursor.getKeys())).await();
  }

  /** One inspection created on {@code day} through the production path (as in StatsExactTest, fewer kinds). */
  private Future<?> inspection(LocalDate day) {
    return inspection(day, "inspector-" + random.nextInt(9));
  }

  private Future<?> inspection(LocalDate day, String inspector) {
    String id = "composed-" + next++;
    Instant created = day.atStartOfDay(ZONE).toInstant().plusSeconds(random.nextInt(20 * 3600));
    String matter = "matter-" + random.nextInt(4);
    JsonObject facts = new JsonObject().put("inspector", inspector).put("inspectorName", "Inspector " + inspector)
        .put("matterCode", matter).put("matterType", "Matter " + matter);
    if (random.nextInt(8) == 0) {
      facts.put("reinspectionOf", "composed-" + random.nextInt(next));
    }
    int roll = random.nextInt(100);
    long waitS = (long) (20_000 * Math.pow(random.nextDouble(), 3));
    long callS = (long) (8_000 * Math.pow(random.nextDouble(), 2));
    Instant connected = created.plusSeconds(waitS);
    Instant ended = connected.plusSeconds(callS);
    Future<?> chain = recorder.record(event(id, 1, EventType.INSPECTION_CREATED, created, facts));
    if (roll >= 95) {
      return chain;
    }
    if (roll >= 90) {
      return chain.compose(x -> recorder.record(event(id, 4, EventType.INSPECTION_ENDED, created.plusSeconds(60),
          new JsonObject().put("reason", "cancelled"))));
    }
    String outcome = roll < 60 ? "pass" : roll < 75 ? "fail" : "rectify";
    return chain
        .compose(x -> recorder.record(event(id, 3, EventType.CALL_CONNECTED, connected, new JsonObject())))
        .compose(x -> recorder.record(event(id, 4, EventType.INSPECTION_ENDED, ended,
            new JsonObject().put("reason", "concluded").put("conclusion", outcome))));
  }

  private static TrailEvent event(String id, long seq, EventType type, Instant time, JsonObject payload) {
    return new TrailEvent(id + "-" + seq, id, seq, type, "test", time, payload.encode(), "-", "-");
  }
}
