package io.kanyan.recorder.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.TestRedis;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.TrailEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The figures {@link StatsQuery} gives (reduced inside Redis by read.lua, from its cache of the settled part and
 * the live buckets) against the full computation: every bucket the period covers read raw with HGETALL and
 * summed and reduced in Java ({@link Tally}), no script and no cache. Every figure of every series point, the
 * total and every group must be the same, on the first read, on a cached read, and after events arrive late for
 * past days and for today.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StatsExactTest {

  static final ZoneId ZONE = ZoneId.of("Asia/Shanghai");
  /** A Wednesday, the last day of a month: this month's and this week's buckets are live. */
  static final LocalDate TODAY = LocalDate.of(2026, 9, 30);
  static final int DAYS = 120;

  TestRedis server;
  Vertx vertx;
  RedisStore redis;
  StatsRecorder recorder;
  StatsQuery query;
  Random random = new Random(7);
  int next;

  @BeforeEach
  void start() {
    server = TestRedis.start();
    vertx = Vertx.vertx();
    redis = RedisStore.connect(vertx, server.url()).await();
    recorder = new StatsRecorder(redis, ZONE);
    query = new StatsQuery(redis, ZONE, Clock.fixed(TODAY.atTime(15, 0).atZone(ZONE).toInstant(), ZoneOffset.UTC));
    List<Future<?>> all = new ArrayList<>();
    for (int i = 0; i < 1_200; i++) {
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

  /** The page's views: each unit and grouping, periods that end today, yesterday, earlier, and in the future. */
  static final List<View> VIEWS = List.of(
      new View(TODAY.minusDays(29), TODAY, StatsQuery.Unit.DAY, StatsQuery.Group.NONE),
      new View(TODAY.minusDays(29), TODAY, StatsQuery.Unit.DAY, StatsQuery.Group.INSPECTOR),
      new View(TODAY.minusDays(29), TODAY, StatsQuery.Unit.DAY, StatsQuery.Group.MATTER),
      new View(TODAY.minusDays(90), TODAY, StatsQuery.Unit.WEEK, StatsQuery.Group.INSPECTOR),
      new View(TODAY.minusDays(90), TODAY, StatsQuery.Unit.MONTH, StatsQuery.Group.MATTER),
      new View(TODAY.minusDays(119), TODAY.minusDays(1), StatsQuery.Unit.WEEK, StatsQuery.Group.MATTER),
      new View(TODAY.minusDays(60), TODAY.minusDays(20), StatsQuery.Unit.DAY, StatsQuery.Group.INSPECTOR),
      new View(TODAY.minusDays(100), TODAY.minusDays(9), StatsQuery.Unit.MONTH, StatsQuery.Group.NONE),
      new View(TODAY.minusDays(10), TODAY.plusDays(12), StatsQuery.Unit.WEEK, StatsQuery.Group.INSPECTOR),
      new View(TODAY, TODAY, StatsQuery.Unit.DAY, StatsQuery.Group.MATTER));

  record View(LocalDate from, LocalDate to, StatsQuery.Unit by, StatsQuery.Group group) {}

  @Test
  void everyViewAgreesWithTheFullComputationFirstAndCached() {
    for (View v : VIEWS) {
      JsonObject expected = reference(v);
      assertThat(expected.getJsonObject("total").getLong("concluded")).as("%s has data", v).isPositive();
      assertThat(figures(v)).as("first read of %s", v).isEqualTo(expected);
      assertThat(figures(v)).as("cached read of %s", v).isEqualTo(expected);
    }
  }

  @Test
  void lateEventsForPastDaysAndTodaysEventsChangeTheFiguresAsTheFullComputationDoes() {
    VIEWS.forEach(this::figures);
    List<Future<?>> late = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      // Some late for a past day (a backfill, a replay after an outage), some of today.
      late.add(inspection(i % 3 == 0 ? TODAY : TODAY.minusDays(1 + random.nextInt(DAYS - 1))));
    }
    Future.all(late).await();
    for (View v : VIEWS) {
      JsonObject expected = reference(v);
      assertThat(figures(v)).as("%s after late events", v).isEqualTo(expected);
      assertThat(figures(v)).as("%s read again", v).isEqualTo(expected);
    }
  }

  @Test
  void randomPeriodsAgreeWithTheFullComputation() {
    // Periods anywhere from before the data to after today, of any length the unit allows, some empty.
    for (int i = 0; i < 40; i++) {
      LocalDate to = TODAY.plusDays(15 - random.nextInt(DAYS + 30));
      StatsQuery.Unit by = StatsQuery.Unit.values()[random.nextInt(3)];
      View v = new View(to.minusDays(random.nextInt(by == StatsQuery.Unit.DAY ? 100 : 200)), to, by,
          StatsQuery.Group.values()[random.nextInt(3)]);
      JsonObject expected = reference(v);
      assertThat(figures(v)).as("first read of %s", v).isEqualTo(expected);
      assertThat(figures(v)).as("cached read of %s", v).isEqualTo(expected);
    }
  }

  @Test
  void aHistogramBucketTheScriptDoesNotKnowIsStillCountedInOrder() {
    // Were the histogram buckets ever changed, old buckets would hold fields off today's grid: 45 s, 1000 s.
    String day = "d:" + TODAY.minusDays(3);
    for (String edge : List.of("45", "1000", "100000")) {
      redis.call(c -> c.hincrby(StatsRecorder.PREFIX + "duration:all:" + day, edge, 400)).await();
      redis.call(c -> c.hincrby(StatsRecorder.PREFIX + "wait:i:" + day, "inspector-1|" + edge, 300)).await();
    }
    for (View v : VIEWS) {
      assertThat(figures(v)).as("%s", v).isEqualTo(reference(v));
    }
  }

  private JsonObject figures(View v) {
    return query.figures(v.from(), v.to(), v.by(), v.group()).await();
  }

  /** The figures computed in full: the raw buckets summed and reduced in Java, no script, no cache. */
  private JsonObject reference(View v) {
    JsonArray series = new JsonArray();
    Tally total = new Tally();
    for (LocalDate[] p : StatsQuery.points(v.from(), v.to(), v.by())) {
      Tally point = new Tally();
      for (String bucket : StatsQuery.cover(p[0], p[1])) {
        hash("n:all:" + bucket).forEach((metric, n) -> point.count(metric, Long.parseLong(n)));
        hash("duration:all:" + bucket).forEach((e, n) -> point.duration(Integer.parseInt(e), Long.parseLong(n)));
        hash("wait:all:" + bucket).forEach((e, n) -> point.wait(Integer.parseInt(e), Long.parseLong(n)));
      }
      total.add(point);
      series.add(new JsonObject().put("from", p[0].toString()).put("to", p[1].toString()).mergeIn(point.figures()));
    }
    JsonArray rows = new JsonArray();
    if (v.group() != StatsQuery.Group.NONE) {
      String dim = v.group() == StatsQuery.Group.INSPECTOR ? "i" : "m";
      Map<String, Tally> groups = new TreeMap<>();
      for (String bucket : StatsQuery.cover(v.from(), v.to())) {
        for (String kind : List.of("n", "duration", "wait")) {
          hash(kind + ":" + dim + ":" + bucket).forEach((field, n) -> {
            int bar = field.lastIndexOf('|');
            Tally t = groups.computeIfAbsent(field.substring(0, bar), k -> new Tally());
            String rest = field.substring(bar + 1);
            switch (kind) {
              case "n" -> t.count(rest, Long.parseLong(n));
              case "duration" -> t.duration(Integer.parseInt(rest), Long.parseLong(n));
              default -> t.wait(Integer.parseInt(rest), Long.parseLong(n));
            }
          });
        }
      }
      Map<String, String> labels = hash("labels:" + dim);
      groups.forEach((key, t) -> rows.add(new JsonObject().put("key", key)
          .put("label", labels.getOrDefault(key, key)).mergeIn(t.figures())));
    }
    return new JsonObject().put("from", v.from().toString()).put("to", v.to().toString())
        .put("by", v.by().name().toLowerCase()).put("group", v.group().name().toLowerCase())
        .put("timeZone", ZONE.getId()).put("waitFrom", "booking")
        .put("total", total.figures()).put("series", series).put("groups", rows);
  }

  private Map<String, String> hash(String key) {
    return redis.<Map<String, String>>call(c -> c.hgetall(StatsRecorder.PREFIX + key)).await();
  }

  /**
   * One inspection created on {@code day}, through the production path: sometimes booked, sometimes a
   * re-inspection, mostly connected and concluded (pass, fail, rectify), some cancelled, some still open; waits
   * and calls spread over every histogram step, a few waits beyond a day.
   */
  private Future<?> inspection(LocalDate day) {
    String id = "exact-" + next++;
    Instant created = day.atStartOfDay(ZONE).toInstant().plusSeconds(random.nextInt(20 * 3600));
    String inspector = "inspector-" + random.nextInt(12);
    String matter = "matter-" + random.nextInt(5);
    JsonObject facts = new JsonObject().put("inspector", inspector).put("inspectorName", "Inspector " + inspector)
        .put("matterCode", matter).put("matterType", "Matter " + matter);
    if (random.nextInt(8) == 0) {
      facts.put("reinspectionOf", "exact-" + random.nextInt(next));
    }
    int roll = random.nextInt(100);
    long waitS = roll < 5 ? 86_400 + random.nextInt(200_000) : (long) (20_000 * Math.pow(random.nextDouble(), 3));
    long callS = (long) (8_000 * Math.pow(random.nextDouble(), 2));
    Instant booked = created.plusSeconds(random.nextInt(600));
    Instant connected = booked.plusSeconds(waitS);
    Instant ended = connected.plusSeconds(callS);
    Future<?> chain = recorder.record(event(id, 1, EventType.INSPECTION_CREATED, created, facts));
    if (roll % 2 == 0) {
      chain = chain.compose(x -> recorder.record(event(id, 2, EventType.BOOKING_MADE, booked, new JsonObject())));
    }
    if (roll >= 96) {
      return chain; // still open
    }
    if (roll >= 90) {
      return chain.compose(x -> recorder.record(event(id, 4, EventType.INSPECTION_ENDED, booked.plusSeconds(60),
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
