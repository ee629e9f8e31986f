package io.kanyan.recorder.bench;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.stats.StatsQuery;
import io.kanyan.recorder.stats.StatsRecorder;
import io.kanyan.recorder.testing.KillableRedis;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.TrailEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;

/**
 * The statistics page's queries with {@code -Dinspections=1000000} inspections counted (each one's
 * {@code inspection.created}, {@code call.connected} and {@code inspection.ended} through
 * {@link StatsRecorder#record}, the production path), spread over two years, 200 inspectors and 30 matter types.
 * Queries run one at a time through {@link StatsQuery#figures}, each kind the page can ask, and report p50/p99.
 *
 * <pre>mvn -q -pl recorder test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=io.kanyan.recorder.bench.StatsBenchmark [-Dinspections=1000000] [-Dqueries=100]</pre>
 *
 * <p>{@code -Dredis=redis://127.0.0.1:<port>} uses a redis-server started beforehand instead of its own, and loads
 * the inspections only when that server holds no counters yet: a second run over the same data skips the load
 * (several minutes at a million inspections). Its cache entries and running sums are deleted before the measured
 * queries. For each cold read it also prints the longest single command Redis ran meanwhile (the slow log, every
 * command logged): how long the read held Redis at most, other clients' commands (trail appends) waiting.
 */
public final class StatsBenchmark {

  static final int INSPECTIONS = Integer.getInteger("inspections", 1_000_000);
  static final int QUERIES = Integer.getInteger("queries", 100);
  static final int ALL_COLD = Integer.getInteger("allCold", 10);
  static final int INSPECTORS = 200;
  static final int MATTERS = 30;
  static final ZoneId ZONE = ZoneId.of("Asia/Shanghai");
  static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
  static final long SPAN_MS = Duration.ofDays(730).toMillis();
  static final LocalDate LAST_DAY = LocalDate.ofInstant(T0.plusMillis(SPAN_MS), ZONE);

  /** The page's queries: its first view (the last 30 days by day), grouped views, and the longest periods. */
  enum Kind {
    DAYS_30(30, StatsQuery.Unit.DAY, StatsQuery.Group.NONE),
    DAYS_30_BY_INSPECTOR(30, StatsQuery.Unit.DAY, StatsQuery.Group.INSPECTOR),
    DAYS_30_BY_MATTER(30, StatsQuery.Unit.DAY, StatsQuery.Group.MATTER),
    QUARTER_BY_WEEK_BY_INSPECTOR(91, StatsQuery.Unit.WEEK, StatsQuery.Group.INSPECTOR),
    YEAR_BY_DAY(366, StatsQuery.Unit.DAY, StatsQuery.Group.NONE),
    YEAR_BY_MONTH_BY_INSPECTOR(365, StatsQuery.Unit.MONTH, StatsQuery.Group.INSPECTOR),
    TWO_YEARS_BY_MONTH_BY_MATTER(730, StatsQuery.Unit.MONTH, StatsQuery.Group.MATTER);

    final int days;
    final StatsQuery.Unit by;
    final StatsQuery.Group group;

    Kind(int days, StatsQuery.Unit by, StatsQuery.Group group) {
      this.days = days;
      this.by = by;
      this.group = group;
    }
  }

  public static void main(String[] args) throws Exception {
    String external = System.getProperty("redis");
    Path dir = Files.createTempDirectory("kanyan-stats-bench");
    Vertx vertx = Vertx.vertx();
    try (KillableRedis server = external == null ? KillableRedis.start(dir) : null) {
      RedisStore redis = RedisStore.connect(vertx, external == null ? server.url() : external).await();
      // Loading is not what is measured; the page's queries only read.
      redis.call(c -> c.configSet("appendonly", "no")).await();
      StatsRecorder recorder = new StatsRecorder(redis, ZONE);
      long start = System.nanoTime();
      if (external == null || redis.<Long>call(c -> c.exists("kanyan:stats:gen")).await() == 0) {
        load(vertx, recorder);
      }
      long keys = redis.<Long>call(c -> c.dbsize()).await();
      System.out.printf("counted %,d inspections (%,d events) in %.0f s; %,d keys; redis used_memory %s%n",
          INSPECTIONS, 3L * INSPECTIONS, (System.nanoTime() - start) / 1e9, keys,
          SearchBenchmark.info(redis, "used_memory_human"));

      // "Today" is the last day of the data, so the periods that end there have a live part, as on the page.
      StatsQuery query = new StatsQuery(redis, ZONE,
          java.time.Clock.fixed(LAST_DAY.atTime(12, 0).atZone(ZONE).toInstant(), ZONE));
      Random random = new Random(1);
      for (int i = 0; i < 3 * Kind.values().length; i++) {
        run(query, Kind.values()[i % Kind.values().length], random);
      }
      forget(redis);
      // Every command's time inside Redis goes to the slow log, so a cold read's longest one (the longest time it
      // holds Redis, trail appends waiting behind it) can be read back after it.
      redis.call(c -> c.configSet("slowlog-log-slower-than", "0")).await();
      redis.call(c -> c.configSet("slowlog-max-len", "100000")).await();
      // Each query twice: cold, the first read of its period (nothing cached for it; the running sums per group
      // that earlier reads built stay, as they do on a server whose page is in use), then warm, the same period
      // again (what the page costs when it is opened again, or by a colleague).
      Map<Kind, Stats> cold = new EnumMap<>(Kind.class);
      Map<Kind, Stats> coldHold = new EnumMap<>(Kind.class);
      Map<Kind, Stats> warm = new EnumMap<>(Kind.class);
      java.util.Set<String> seen = new java.util.HashSet<>();
      long created = 0;
      long queries = 0;
      for (int i = 0; i < QUERIES * Kind.values().length; i++) {
        Kind kind = Kind.values()[i % Kind.values().length];
        LocalDate to = end(kind, random);
        for (int pass = 0; pass < 2; pass++) {
          boolean first = pass == 0 && seen.add(kind + "@" + to);
          long[] took = timed(redis, query, kind, to, first);
          created += took[2];
          queries++;
          (first ? cold : warm).computeIfAbsent(kind, k -> new Stats(QUERIES)).add(took[0]);
          if (first) {
            coldHold.computeIfAbsent(kind, k -> new Stats(QUERIES)).add(took[1]);
          }
        }
      }
      // Then -DallCold=10 reads of each kind with nothing cached at all: no entry and no running sum (the first
      // read after a start with an empty cache, or after two days unused).
      Map<Kind, Stats> allCold = new EnumMap<>(Kind.class);
      Map<Kind, Stats> allColdHold = new EnumMap<>(Kind.class);
      for (int i = 0; i < ALL_COLD * Kind.values().length; i++) {
        Kind kind = Kind.values()[i % Kind.values().length];
        forget(redis);
        long[] took = timed(redis, query, kind, end(kind, random), true);
        allCold.computeIfAbsent(kind, k -> new Stats(ALL_COLD)).add(took[0]);
        allColdHold.computeIfAbsent(kind, k -> new Stats(ALL_COLD)).add(took[1]);
      }
      redis.call(c -> c.configSet("slowlog-log-slower-than", "10000")).await();
      System.out.printf("statistics queries over %,d inspections, one at a time (%,d inspections per query on"
          + " average)%n", INSPECTIONS, created / queries);
      for (Kind kind : Kind.values()) {
        System.out.printf("  %-30s cold     %s; longest command %s%n", kind,
            cold.containsKey(kind) ? cold.get(kind).summary() : "-",
            coldHold.containsKey(kind) ? coldHold.get(kind).summary() : "-");
        System.out.printf("  %-30s warm     %s%n", "", warm.get(kind).summary());
        System.out.printf("  %-30s all cold %s; longest command %s%n", "", allCold.get(kind).summary(),
            allColdHold.get(kind).summary());
      }
      redis.close();
    } finally {
      vertx.close().await();
    }
  }

  /** Deletes every cached entry and running sum of the statistics (not the counters). */
  static void forget(RedisStore redis) {
    redis.call(c -> c.eval("for _, p in ipairs({'kanyan:stats:cache:*', 'kanyan:stats:upto:*'}) do"
        + " for _, k in ipairs(redis.call('KEYS', p)) do redis.call('DEL', k) end end return 0",
        io.lettuce.core.ScriptOutputType.INTEGER)).await();
  }

  /**
   * One read: its time (ns), the longest single command in Redis meanwhile (ns, from the slow log, when
   * {@code hold}; 0 otherwise) and the inspections it counted.
   */
  static long[] timed(RedisStore redis, StatsQuery query, Kind kind, LocalDate to, boolean hold) {
    if (hold) {
      redis.call(c -> c.slowlogReset()).await();
    }
    long t0 = System.nanoTime();
    JsonObject figures = query.figures(to.minusDays(kind.days - 1), to, kind.by, kind.group).await();
    long took = System.nanoTime() - t0;
    long longest = 0;
    if (hold) {
      for (Object entry : redis.<java.util.List<Object>>call(c -> c.slowlogGet(100_000)).await()) {
        java.util.List<?> e = (java.util.List<?>) entry;
        String command = String.valueOf(((java.util.List<?>) e.get(3)).get(0)).toUpperCase();
        if (!command.startsWith("SLOWLOG")) {
          longest = Math.max(longest, ((Number) e.get(2)).longValue() * 1000);
        }
      }
    }
    return new long[] {took, longest, figures.getJsonObject("total").getLong("created")};
  }

  static JsonObject run(StatsQuery query, Kind kind, Random random) {
    LocalDate to = end(kind, random);
    return query.figures(to.minusDays(kind.days - 1), to, kind.by, kind.group).await();
  }

  /** A period's last day: today half the time (the page's default), otherwise an earlier day. */
  static LocalDate end(Kind kind, Random random) {
    int latestStart = (int) Math.max(0, 730 - kind.days);
    return random.nextBoolean() ? LAST_DAY : LAST_DAY.minusDays(random.nextInt(Math.max(1, latestStart / 4)));
  }

  static void load(Vertx vertx, StatsRecorder recorder) {
    WindowedLoad.run(vertx, INSPECTIONS, (i, random) -> write(recorder, i, random));
  }

  private static Future<?> write(StatsRecorder recorder, int i, Random random) {
    String id = "bench-" + i;
    Instant created = T0.plusMillis((long) i * (SPAN_MS / INSPECTIONS) + random.nextInt(1000));
    String inspector = "inspector-" + random.nextInt(INSPECTORS);
    String matter = "matter-" + random.nextInt(MATTERS);
    // Waits of 0-4 hours, calls of 3-40 minutes (a skewed spread, as real ones are).
    Instant connected = created.plusSeconds((long) (14_400 * Math.pow(random.nextDouble(), 3)));
    Instant ended = connected.plusSeconds(180 + (long) (2_220 * Math.pow(random.nextDouble(), 2)));
    int roll = random.nextInt(100);
    String outcome = roll < 3 ? null : roll < 73 ? "pass" : roll < 83 ? "fail" : "rectify";
    JsonObject facts = new JsonObject().put("inspector", inspector).put("inspectorName", "Inspector " + inspector)
        .put("matterCode", matter).put("matterType", "Matter " + matter);
    if (roll % 10 == 9) {
      facts.put("reinspectionOf", "bench-" + Math.max(0, i - 1000));
    }
    JsonObject end = outcome == null ? new JsonObject().put("reason", "cancelled")
        : new JsonObject().put("reason", "concluded").put("conclusion", outcome);
    Future<?> chain = recorder.record(event(id, 1, EventType.INSPECTION_CREATED, created, facts));
    if (outcome != null) {
      chain = chain.compose(x -> recorder.record(event(id, 2, EventType.CALL_CONNECTED, connected, new JsonObject())));
    }
    return chain.compose(x -> recorder.record(event(id, 3, EventType.INSPECTION_ENDED, ended, end)))
        .onFailure(err -> System.err.println("inspection " + id + ": " + err));
  }

  static TrailEvent event(String id, long seq, EventType type, Instant time, JsonObject payload) {
    return new TrailEvent(id + "-" + seq, id, seq, type, "bench", time, payload.encode(), "-", "-");
  }
}
