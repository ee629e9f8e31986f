package io.kanyan.recorder.bench;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.stats.StatsQuery;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.LocalDate;
import java.util.Arrays;

/**
 * Where a statistics read's time goes: for each of {@link StatsBenchmark}'s queries, over a period that ends
 * today (a live part) and one that ended 40 days ago (all settled), {@code -Dn=20} warm reads one at a time,
 * the whole call ({@link StatsQuery#figures}: script, transfer, decoding, JSON) against Redis' own time in the
 * script ({@code INFO commandstats}, {@code usec_per_call} of {@code EVALSHA}); with {@code -Dcold=true}, every read
 * cold (the statistics' cache entries deleted before each, not timed), with {@code -Dcold=all} the running sums per
 * group too, with {@code -Dcold=days} those but the nodes of a month's end (as after a few quiet days); and the longest single command of the reads (the slow log: how long a read holds Redis at most, with
 * its first key: a bucket for read.lua, a node for upto.lua). Needs a Redis that
 * {@link StatsBenchmark} loaded and left running ({@code -Dredis=redis://127.0.0.1:<port>} for both).
 *
 * <pre>mvn -q -pl recorder test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=io.kanyan.recorder.bench.StatsProfileBenchmark -Dredis=redis://127.0.0.1:6391 [-Dn=20]</pre>
 */
public final class StatsProfileBenchmark {

  public static void main(String[] args) throws Exception {
    Vertx vertx = Vertx.vertx();
    RedisStore redis = RedisStore.connect(vertx, System.getProperty("redis", "redis://127.0.0.1:6379")).await();
    StatsQuery query = new StatsQuery(redis, StatsBenchmark.ZONE, Clock.fixed(
        StatsBenchmark.LAST_DAY.atTime(12, 0).atZone(StatsBenchmark.ZONE).toInstant(), StatsBenchmark.ZONE));
    int n = Integer.getInteger("n", 20);
    String coldMode = System.getProperty("cold", "false");
    boolean cold = !coldMode.equals("false");
    redis.call(c -> c.configSet("slowlog-log-slower-than", "0")).await();
    redis.call(c -> c.configSet("slowlog-max-len", "100000")).await();
    for (String end : new String[] {"today", "past"}) {
      LocalDate to = end.equals("today") ? StatsBenchmark.LAST_DAY : StatsBenchmark.LAST_DAY.minusDays(40);
      for (StatsBenchmark.Kind kind : StatsBenchmark.Kind.values()) {
        LocalDate from = to.minusDays(kind.days - 1);
        query.figures(from, to, kind.by, kind.group).await();
        redis.call(c -> c.configResetstat()).await();
        long[] took = new long[n];
        long longest = 0;
        String longestKey = "";
        for (int i = 0; i < n; i++) {
          if (coldMode.equals("all")) {
            StatsBenchmark.forget(redis);
          } else if (coldMode.equals("days")) {
            // As after a few quiet days: the entries and nodes gone, but for those of a month's end (kept longer).
            redis.call(c -> c.eval("for _, k in ipairs(redis.call('KEYS', 'kanyan:stats:cache:*')) do"
                + " redis.call('DEL', k) end for _, k in ipairs(redis.call('KEYS', 'kanyan:stats:upto:*')) do"
                + " if redis.call('TTL', k) <= tonumber(ARGV[1]) then redis.call('DEL', k) end end return 0",
                io.lettuce.core.ScriptOutputType.INTEGER, new String[0],
                Long.toString(java.time.Duration.ofDays(2).toSeconds()))).await();
          } else if (cold) {
            redis.call(c -> c.eval("for _, k in ipairs(redis.call('KEYS', 'kanyan:stats:cache:*')) do"
                + " redis.call('DEL', k) end return 0", io.lettuce.core.ScriptOutputType.INTEGER)).await();
          }
          redis.call(c -> c.slowlogReset()).await();
          long t0 = System.nanoTime();
          query.figures(from, to, kind.by, kind.group).await();
          took[i] = System.nanoTime() - t0;
          for (Object entry : redis.<java.util.List<Object>>call(c -> c.slowlogGet(100_000)).await()) {
            java.util.List<?> e = (java.util.List<?>) entry;
            java.util.List<?> command = (java.util.List<?>) e.get(3);
            long us = ((Number) e.get(2)).longValue();
            if (us > longest && !String.valueOf(command.get(0)).toUpperCase().startsWith("SLOWLOG")) {
              longest = us;
              longestKey = command.get(0) + " " + (command.size() > 3 ? command.get(3) : "");
            }
          }
        }
        double script = 0;
        for (String line : redis.<String>call(c -> c.info("commandstats")).await().split("\r?\n")) {
          if (line.startsWith("cmdstat_evalsha:")) {
            script = Double.parseDouble(line.replaceAll(".*usec_per_call=([0-9.]+).*", "$1")) / 1000;
          }
        }
        Arrays.sort(took);
        System.out.printf("%-5s %-30s whole call p50 %6.1f ms, max %6.1f ms; in a script %6.1f ms a call;"
            + " longest command %6.1f ms (%s)%n", end, kind, took[n / 2] / 1e6, took[n - 1] / 1e6, script,
            longest / 1e3, longestKey);
      }
    }
    redis.call(c -> c.configSet("slowlog-log-slower-than", "10000")).await();
    redis.close();
    vertx.close().await();
  }
}
