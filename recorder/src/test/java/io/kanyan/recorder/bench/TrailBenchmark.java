package io.kanyan.recorder.bench;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.KillableRedis;
import io.kanyan.recorder.trail.Chain;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Append throughput and latency through {@link Trail#append} beside a raw Lettuce XADD of the same fields,
 * in the same run, against the same redis-server (AOF, appendfsync always, as deploy/redis.conf).
 * Both drive {@code STREAMS} streams concurrently, each stream one append after another (the trail's
 * per-inspection order), so both have the same number of commands in flight.
 *
 * <pre>mvn -q -pl recorder test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=io.kanyan.recorder.bench.TrailBenchmark [-Dfsync=everysec] [-Dstreams=500]</pre>
 */
public final class TrailBenchmark {

  static final int STREAMS = Integer.getInteger("streams", 500);
  static final int PER_STREAM = Integer.getInteger("perStream", 100);
  static final int ROUNDS = Integer.getInteger("rounds", 3);

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("kanyan-trail-bench");
    Vertx vertx = Vertx.vertx();
    try (KillableRedis server = KillableRedis.start(dir)) {
      RedisStore redis = RedisStore.connect(vertx, server.url()).await();
      Trail trail = new Trail(redis, Clock.systemUTC());
      String fsync = System.getProperty("fsync", "always");
      redis.call(c -> c.configSet("appendfsync", fsync)).await();
      System.out.printf("trail append benchmark: %d streams x %d appends, appendfsync %s, %d rounds%n",
          STREAMS, PER_STREAM, redis.call(c -> c.configGet("appendfsync")).await().get("appendfsync"), ROUNDS);
      String payload = new JsonObject().put("lat", 31.2304).put("lng", 121.4737).put("accuracy", 12).encode();
      for (int round = 1; round <= ROUNDS; round++) {
        String tag = "r" + round;
        Result raw = drive(vertx, (stream, n) -> redis.call(c -> c.xadd("bench:raw:" + tag + ":" + stream,
            fields(tag + stream, n, payload))).mapEmpty());
        Result trailed = drive(vertx, (stream, n) -> trail.append(tag + "-" + stream + "-" + n, "bench-" + tag + "-" + stream,
            EventType.LOCATION_FIX, "applicant", new JsonObject(payload)).mapEmpty());
        System.out.printf("round %d: raw XADD    %,8.0f appends/s  %s%n", round, raw.perSecond(), raw.stats().summary());
        System.out.printf("round %d: Trail.append %,8.0f appends/s  %s  (%.0f%% of raw)%n", round,
            trailed.perSecond(), trailed.stats().summary(), 100 * trailed.perSecond() / raw.perSecond());
      }
      redis.close();
    } finally {
      vertx.close().await();
    }
  }

  /** The fields a trail event has, so the raw baseline writes the same bytes. */
  static Map<String, String> fields(String stream, int n, String payload) {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("id", stream + "-" + n);
    f.put("inspection", stream);
    f.put("seq", Integer.toString(n));
    f.put("type", EventType.LOCATION_FIX.code());
    f.put("actor", "applicant");
    f.put("time", Chain.formatTime(Instant.now()));
    f.put("payload", payload);
    f.put("prev", Chain.GENESIS);
    f.put("hash", Chain.GENESIS);
    return f;
  }

  record Result(double perSecond, Stats stats) {
  }

  static Result drive(Vertx vertx, BiFunction<Integer, Integer, Future<Void>> op) {
    Stats stats = new Stats(STREAMS * PER_STREAM);
    Promise<Long> done = Promise.promise();
    vertx.runOnContext(v -> {
      long start = System.nanoTime();
      List<Future<Void>> loops = new ArrayList<>();
      for (int s = 0; s < STREAMS; s++) {
        loops.add(loop(op, s, 1, stats));
      }
      Future.all(loops).onComplete(all -> done.complete(System.nanoTime() - start));
    });
    long elapsed = done.future().await();
    return new Result(STREAMS * (double) PER_STREAM / (elapsed / 1e9), stats);
  }

  private static Future<Void> loop(BiFunction<Integer, Integer, Future<Void>> op, int stream, int n, Stats stats) {
    if (n > PER_STREAM) {
      return Future.succeededFuture();
    }
    long t0 = System.nanoTime();
    return op.apply(stream, n).compose(v -> {
      stats.add(System.nanoTime() - t0);
      return loop(op, stream, n + 1, stats);
    });
  }
}
