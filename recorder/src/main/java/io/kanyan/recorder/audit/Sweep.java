package io.kanyan.recorder.audit;

import io.kanyan.recorder.log.TamperAlarms;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.trail.Trail;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A periodic comparison of the committed inspections ({@link CommittedInspections}) with Redis: each one's
 * trail and case record exist, its case record agrees with its trail ({@link CaseBinding}), and it is in
 * every search index its facts (as the trail states them) put it in. Whatever is missing or altered raises
 * a tamper alarm through the commitment log's {@link TamperAlarms} (an ERROR log line, a {@code tamper.alarm}
 * event on the alarm chain {@value TamperAlarms#CHAIN}, the alarm count), once per finding and process. The latest findings are kept, so search answers
 * can say which committed inspections they cannot show.
 */
public final class Sweep {

  private static final Logger log = LoggerFactory.getLogger(Sweep.class);

  private static final int BATCH = 100;

  /** What one sweep found wrong with one committed inspection. */
  public record Finding(String inspectionId, List<String> problems) {

    public JsonObject toJson() {
      return new JsonObject().put("inspection", inspectionId)
          .put("problems", new io.vertx.core.json.JsonArray(List.copyOf(problems)));
    }
  }

  private final Vertx vertx;
  private final RedisStore redis;
  private final TamperAlarms alarms;
  private final CaseBinding binding;
  private final CommittedInspections committed;
  private final Duration interval;
  private final AtomicReference<List<Finding>> latest = new AtomicReference<>(List.of());
  private long timer = -1;
  private Future<List<Finding>> running;

  public Sweep(Vertx vertx, RedisStore redis, TamperAlarms alarms, CaseBinding binding,
      CommittedInspections committed, Duration interval) {
    this.vertx = vertx;
    this.redis = redis;
    this.alarms = alarms;
    this.binding = binding;
    this.committed = committed;
    this.interval = interval;
  }

  /** Sweeps every {@code interval} from now on (the first one after one interval). */
  public void start() {
    timer = vertx.setPeriodic(Math.max(1, interval.toMillis()), t -> {
      if (running == null) {
        running = runOnce().onComplete(done -> running = null)
            .onFailure(err -> log.error("sweep: failed: {}", err.getMessage(), err));
      }
    });
  }

  /** Stops the periodic sweep. */
  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  /** The findings of the latest completed sweep (empty when everything was in place). */
  public List<Finding> latest() {
    return latest.get();
  }

  /** Sweeps once now; raises an alarm for each new finding and answers all findings. */
  public Future<List<Finding>> runOnce() {
    return committed.ids().compose(ids -> {
      List<String> all = new ArrayList<>(ids);
      all.remove(TamperAlarms.CHAIN);
      Future<List<Finding>> chain = Future.succeededFuture(new ArrayList<>());
      for (int from = 0; from < all.size(); from += BATCH) {
        List<String> batch = all.subList(from, Math.min(all.size(), from + BATCH));
        chain = chain.compose(found -> sweepBatch(batch).map(more -> {
          found.addAll(more);
          return found;
        }));
      }
      return chain;
    }).compose(found -> raise(found).map(found)).onSuccess(found -> {
      latest.set(List.copyOf(found));
      log.info("sweep: {} committed inspection(s) with something missing or altered", found.size());
    });
  }

  /**
   * One batch, in a few pipelined round trips: records, heads and streams; the records against their trails
   * ({@link CaseBinding#checkAll}, which reads a whole trail only when it disagrees); then the index entries.
   */
  private Future<List<Finding>> sweepBatch(List<String> ids) {
    List<Future<Map<String, String>>> records = new ArrayList<>(ids.size());
    List<Future<Long>> streams = new ArrayList<>(ids.size());
    for (String id : ids) {
      records.add(redis.call(c -> c.hgetall(CaseFiles.key(id))));
      streams.add(redis.call(c -> c.exists(Trail.streamKey(id))));
    }
    Future<List<io.lettuce.core.KeyValue<String, String>>> heads =
        redis.call(c -> c.hmget(Trail.HEADS_KEY, ids.toArray(String[]::new)));
    return Future.all(Future.all(records), Future.all(streams), heads).compose(loaded -> {
      Map<String, List<String>> problems = new LinkedHashMap<>();
      List<CaseFile> files = new ArrayList<>();
      List<String> withoutRecord = new ArrayList<>();
      for (int i = 0; i < ids.size(); i++) {
        String id = ids.get(i);
        List<String> mine = problems.computeIfAbsent(id, k -> new ArrayList<>());
        if (streams.get(i).result() == 0) {
          mine.add("its trail is missing from Redis");
        }
        if (!heads.result().get(i).hasValue()) {
          mine.add("its chain head is missing from " + Trail.HEADS_KEY);
        }
        Map<String, String> record = records.get(i).result();
        if (record.isEmpty()) {
          withoutRecord.add(id);
        } else {
          files.add(CaseFile.fromFields(record));
        }
      }
      Future<List<CaseBinding.TrailFacts>> unrecorded = binding.quickFacts(withoutRecord).andThen(done -> {
        for (int i = 0; done.succeeded() && i < withoutRecord.size(); i++) {
          // A chain that begins with inspection.created is an inspection's: its record was deleted. Other
          // chains (the alarm chain, tools' chains) have no record to check.
          if (done.result().get(i).created() != null) {
            problems.get(withoutRecord.get(i)).add("its case record is missing from Redis");
          }
        }
      });
      Future<Void> recorded = binding.checkAll(files).compose(checked -> {
        List<Future<Void>> indexChecks = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
          CaseFile stored = files.get(i);
          CaseBinding.Checked c = checked.get(i);
          problems.get(stored.id()).addAll(c.problems());
          indexChecks.add(checkIndexes(stored, c, problems.get(stored.id())));
        }
        return Future.all(indexChecks).mapEmpty();
      });
      return Future.all(unrecorded, recorded).map(done -> {
        List<Finding> found = new ArrayList<>();
        problems.forEach((id, list) -> {
          Finding f = finding(id, list);
          if (f != null) {
            found.add(f);
          }
        });
        return found;
      });
    });
  }

  /** The id must be in every search index its facts, as the trail states them, put it in. */
  private Future<Void> checkIndexes(CaseFile stored, CaseBinding.Checked checked, List<String> problems) {
    CaseFile truth;
    try {
      truth = CaseFile.fromJson(checked.facts(), stored.applicantPhoneHash());
    } catch (RuntimeException unreadable) {
      return Future.succeededFuture(); // the binding already reported what is wrong with the facts
    }
    List<String> indexes = new ArrayList<>(CaseFiles.fixedIndexesOf(truth));
    indexes.addAll(CaseFiles.changingIndexesOf(truth));
    List<Future<Double>> scores = new ArrayList<>(indexes.size());
    for (String index : indexes) {
      scores.add(redis.call(c -> c.zscore(index, stored.id())));
    }
    return Future.all(scores).map(s -> {
      for (int i = 0; i < indexes.size(); i++) {
        if (s.resultAt(i) == null) {
          problems.add("it is missing from the search index " + indexes.get(i) + ": it is hidden from search");
        }
      }
      return null;
    });
  }

  private static Finding finding(String id, List<String> problems) {
    return problems.isEmpty() ? null : new Finding(id, List.copyOf(problems));
  }

  /** One alarm per finding, in order (the alarm chain is appended to one event at a time). */
  private Future<Void> raise(List<Finding> found) {
    Future<Void> chain = Future.succeededFuture();
    for (Finding f : found) {
      for (String problem : f.problems()) {
        chain = chain.compose(x -> alarms.raise(f.inspectionId(), "committed, but " + problem));
      }
    }
    return chain;
  }

  /** The latest findings by inspection, for answers that must not hide a committed inspection. */
  public Map<String, List<String>> latestByInspection() {
    Map<String, List<String>> out = new LinkedHashMap<>();
    latest().forEach(f -> out.put(f.inspectionId(), f.problems()));
    return out;
  }
}
