package io.kanyan.recorder.stats;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.recorder.trail.TrailEvent;
import io.lettuce.core.MapScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the statistics' counters once from the trails already stored: inspections from before the counters
 * existed have none. Each chain in {@link Trail#HEADS_KEY} is read and its events counted by the same
 * {@link StatsRecorder} that counts live events, so an inspection already counted is not counted again. When
 * done it sets {@link #DONE_KEY}; while that key exists, {@link #runOnce} does nothing. Delete it (and the
 * {@code kanyan:stats:*} keys, for a rebuild from scratch) to run it again at the next start.
 */
public final class StatsBackfill {

  private static final Logger log = LoggerFactory.getLogger(StatsBackfill.class);
  public static final String DONE_KEY = StatsRecorder.PREFIX + "backfilled";
  private static final int PAGE = 200;

  private final RedisStore redis;
  private final Trail trail;
  private final StatsRecorder recorder;
  private final Clock clock;

  public StatsBackfill(RedisStore redis, Trail trail, StatsRecorder recorder, Clock clock) {
    this.redis = redis;
    this.trail = trail;
    this.recorder = recorder;
    this.clock = clock;
  }

  /** Counts every stored trail unless that was done before; completes with the number of chains read. */
  public Future<Long> runOnce() {
    return redis.<Long>call(c -> c.exists(DONE_KEY)).compose(done -> done > 0 ? Future.succeededFuture(0L)
        : page(ScanCursor.INITIAL, 0L).compose(n -> redis.<String>call(c -> c.set(DONE_KEY,
                clock.instant() + " " + n + " chains"))
            .onSuccess(x -> log.info("statistics: counters built from {} stored trails", n)).map(n)));
  }

  private Future<Long> page(ScanCursor cursor, long seen) {
    return redis.<MapScanCursor<String, String>>call(c -> c.hscan(Trail.HEADS_KEY, cursor, ScanArgs.Builder.limit(PAGE)))
        .compose(next -> {
          List<Future<?>> chains = new ArrayList<>();
          for (String id : next.getMap().keySet()) {
            chains.add(trail.read(id).compose(this::count));
          }
          long total = seen + chains.size();
          return Future.all(chains).compose(x -> next.isFinished() ? Future.succeededFuture(total)
              : page(next, total));
        });
  }

  /** One chain's events in order: created before connected before ended. */
  private Future<Void> count(List<TrailEvent> events) {
    Future<?> chain = Future.succeededFuture();
    for (TrailEvent e : events) {
      chain = chain.compose(x -> recorder.record(e));
    }
    return chain.mapEmpty();
  }
}
