package io.kanyan.recorder.audit;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A periodic comparison of the committed inspections ({@link CommittedInspections}) with Redis: each one's
 * trail and case record exist, its case record agrees with its trail ({@link CaseBinding}), and it is in
 * every search index its facts (as the trail states them) put it in. Whatever is missing or altered raises
 * a tamper alarm: an ERROR log line and a {@code tamper.alarm} event on the alarm chain
 * ({@value #ALARM_CHAIN}), once per finding and process. The latest findings are kept, so search answers
 * can say which committed inspections they cannot show.
 */
public final class Sweep {

  private static final Logger log = LoggerFactory.getLogger(Sweep.class);

  /**
   * The trail that tamper alarms go on (a chain of its own, so deleting an inspection cannot delete them);
   * the same chain and payload ({@code subject}, {@code finding}) as the commitment log's alarms.
   */
  public static final String ALARM_CHAIN = "kanyan-alarms";
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
  private final Trail trail;
  private final CaseBinding binding;
  private final CommittedInspections committed;
  private final Duration interval;
  private final AtomicReference<List<Finding>> latest = new AtomicReference<>(List.of());
  private final Set<String> raised = new HashSet<>();
  private long timer = -1;
  private Future<List<Finding>> running;

  public Sweep(Vertx vertx, RedisStore redis, Trail trail, CaseBinding binding, CommittedInspections committed,
      Duration interval) {
    this.vertx = vertx;
    this.redis = redis;
    this.trail = trail;
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
      all.remove(ALARM_CHAIN);
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

  private Future<List<Finding>> sweepBatch(List<String> ids) {
    List<Future<Finding>> checks = new ArrayList<>(ids.size());
    for (String id : ids) {
      checks.add(sweepOne(id));
    }
    return Future.all(checks).map(all -> {
      List<Finding> found = new ArrayList<>();
      for (int i = 0; i < ids.size(); i++) {
        Finding f = all.resultAt(i);
        if (f != null) {
          found.add(f);
        }
      }
      return found;
    });
  }

  /** One inspection: null when everything is in place. */
  private Future<Finding> sweepOne(String id) {
    Future<Map<String, String>> record = redis.call(c -> c.hgetall(CaseFiles.key(id)));
    Future<Boolean> head = redis.call(c -> c.hexists(Trail.HEADS_KEY, id));
    Future<List<Map<String, String>>> events = trail.readRaw(id).map(CaseBinding::bodies);
    return Future.all(record, head, events).compose(all -> {
      List<String> problems = new ArrayList<>();
      List<Map<String, String>> trailEvents = events.result();
      if (trailEvents.isEmpty()) {
        problems.add("its trail is missing from Redis");
      }
      if (!head.result()) {
        problems.add("its chain head is missing from " + Trail.HEADS_KEY);
      }
      CaseBinding.TrailFacts facts = CaseBinding.derive(trailEvents);
      boolean isCase = facts.created() != null || !record.result().isEmpty();
      if (!isCase) {
        // A chain that is not an inspection's (no inspection.created, no case record): nothing more to check.
        return Future.succeededFuture(finding(id, problems));
      }
      if (record.result().isEmpty()) {
        problems.add("its case record is missing from Redis");
        return Future.succeededFuture(finding(id, problems));
      }
      CaseFile stored = CaseFile.fromFields(record.result());
      problems.addAll(CaseBinding.compare(stored.toJson(), facts, "the case record", binding.clock().instant()));
      if (facts.created() == null) {
        return Future.succeededFuture(finding(id, problems));
      }
      CaseFile truth = CaseFile.fromJson(facts.over(stored.toJson()), stored.applicantPhoneHash());
      List<String> indexes = new ArrayList<>(CaseFiles.fixedIndexesOf(truth));
      indexes.addAll(CaseFiles.changingIndexesOf(truth));
      List<Future<Double>> scores = new ArrayList<>();
      for (String index : indexes) {
        scores.add(redis.call(c -> c.zscore(index, id)));
      }
      return Future.all(scores).map(s -> {
        for (int i = 0; i < indexes.size(); i++) {
          if (s.resultAt(i) == null) {
            problems.add("it is missing from the search index " + indexes.get(i) + ": it is hidden from search");
          }
        }
        return finding(id, problems);
      });
    });
  }

  private static Finding finding(String id, List<String> problems) {
    return problems.isEmpty() ? null : new Finding(id, List.copyOf(problems));
  }

  private Future<Void> raise(List<Finding> found) {
    Future<Void> chain = Future.succeededFuture();
    for (Finding f : found) {
      for (String problem : f.problems()) {
        if (!raised.add(f.inspectionId() + "\n" + problem)) {
          continue;
        }
        log.error("TAMPER ALARM: inspection {} is committed but {}", f.inspectionId(), problem);
        JsonObject payload = new JsonObject().put("subject", f.inspectionId()).put("finding", problem)
            .put("source", "sweep");
        chain = chain.compose(x -> trail.append(ALARM_CHAIN, EventType.TAMPER_ALARM, "system", payload)
            .<Void>mapEmpty()
            .recover(err -> {
              log.error("sweep: the alarm for inspection {} could not go on the trail: {}", f.inspectionId(),
                  err.getMessage());
              return Future.succeededFuture();
            }));
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
