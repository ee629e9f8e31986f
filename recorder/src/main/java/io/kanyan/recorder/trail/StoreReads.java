package io.kanyan.recorder.trail;

import io.kanyan.recorder.redis.RedisStore;
import io.lettuce.core.Limit;
import io.lettuce.core.MapScanCursor;
import io.lettuce.core.Range;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.StreamMessage;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The Redis reads of the checkpoint job and its start-up check: chain heads and stream events. */
final class StoreReads {

  private static final int SCAN_PAGE = 10_000;
  /** Streams read at once while checkpointing. */
  static final int PARALLEL_READS = 32;
  /** At start every committed inspection's stream is read once (Lettuce pipelines these on one connection). */
  static final int STARTUP_READS = 512;

  private final RedisStore redis;

  StoreReads(RedisStore redis) {
    this.redis = redis;
  }

  /** Every chain head: inspection id → {@code <seq>:<hash>}. */
  Future<Map<String, String>> scanHeads() {
    return scanHeads(ScanCursor.INITIAL, new HashMap<>());
  }

  private Future<Map<String, String>> scanHeads(ScanCursor cursor, Map<String, String> heads) {
    return redis.<MapScanCursor<String, String>>call(c -> c.hscan(Trail.HEADS_KEY, cursor,
            ScanArgs.Builder.limit(SCAN_PAGE)))
        .compose(page -> {
          // HSCAN may return a field twice across pages; the map keeps one.
          heads.putAll(page.getMap());
          return page.isFinished() ? Future.succeededFuture(heads) : scanHeads(page, heads);
        });
  }

  /** The last {@code count} events of a stream, oldest first. */
  Future<List<Map<String, String>>> readTail(String inspection, long count) {
    return redis.<List<StreamMessage<String, String>>>call(c -> c.xrevrange(Trail.streamKey(inspection),
            Range.create("-", "+"), Limit.from(count)))
        .map(entries -> {
          List<Map<String, String>> events = new ArrayList<>(entries.size());
          for (int i = entries.size() - 1; i >= 0; i--) {
            events.add(entries.get(i).getBody());
          }
          return events;
        });
  }

  /** Every event of a stream, in order. */
  Future<List<Map<String, String>>> readAll(String inspection) {
    return redis.<List<StreamMessage<String, String>>>call(c -> c.xrange(Trail.streamKey(inspection),
            Range.create("-", "+")))
        .map(entries -> entries.stream().map(StreamMessage::getBody).toList());
  }

  /** Runs {@code work} over items, {@code parallel} at a time; collects the non-null results. */
  <T> Future<List<String>> inBatches(List<T> items, int parallel,
      java.util.function.Function<T, Future<String>> work) {
    List<String> found = java.util.Collections.synchronizedList(new ArrayList<>());
    Future<Void> chain = Future.succeededFuture();
    for (int from = 0; from < items.size(); from += parallel) {
      List<T> batch = items.subList(from, Math.min(items.size(), from + parallel));
      chain = chain.compose(x -> {
        List<Future<String>> results = batch.stream().map(work).toList();
        return Future.all(results).map(all -> {
          results.forEach(r -> {
            if (r.result() != null) {
              found.add(r.result());
            }
          });
          return null;
        });
      });
    }
    return chain.map(x -> found);
  }
}
