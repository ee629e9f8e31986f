package io.kanyan.recorder.audit;

import io.kanyan.recorder.log.TamperAlarms;
import io.kanyan.recorder.redis.RedisStore;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A periodic comparison of the committed inspections ({@link CommittedInspections}) with Redis: each one's
 * trail and case record exist, its case record agrees with its trail ({@link CaseBinding}), and it is in
 * every search index its facts (as the trail states them) put it in. The latest findings are kept, so search
 * answers can say which committed inspections they cannot show.
 *
 * <p>Whatever is missing or altered raises a tamper alarm through the commitment log's {@link TamperAlarms} (an
 * ERROR log line, a {@code tamper.alarm} event on the alarm chain {@value TamperAlarms#CHAIN}, the alarm count),
 * but only on the node that raises alarms (the checkpoint writer; recorder/TRAIL.md 5.5): every node sweeps for
 * its own answers, one raises. That node raises a finding once while it lasts: not again while later sweeps still
 * find it, not when the alarm chain already has it (raised by the writer before it), and again once it went away
 * and came back.
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
  private final Supplier<Future<Boolean>> raisesAlarms;
  /** The findings this node raised or found on the alarm chain, and still finds ({@link TamperAlarms#key}). */
  private final Set<String> raised = ConcurrentHashMap.newKeySet();
  /** Whether {@link #raised} holds the alarm chain's alarms: read when this node starts raising alarms. */
  private volatile boolean seeded;
  private final AtomicReference<List<Finding>> latest = new AtomicReference<>(List.of());
  private long timer = -1;
  private Future<List<Finding>> running;

  /**
   * @param raisesAlarms whether this node raises the alarms now (the checkpoint writer, checked in Redis), asked
   *                     after each sweep
   */
  public Sweep(Vertx vertx, RedisStore redis, TamperAlarms alarms, CaseBinding binding,
      CommittedInspections committed, Duration interval, Supplier<Future<Boolean>> raisesAlarms) {
    this.raisesAlarms = raisesAlarms;
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

  /** Sweeps once now; raises an alarm for each new finding when this node raises them, and answers all findings. */
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
    }).compose(found -> raisesAlarms.get().compose(raises -> raises ? raise(found) : notRaising()).map(found))
        .onSuccess(found -> {
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

  /**
   * One alarm per finding not raised yet, in order (the alarm chain is appended to one event at a time). The first
   * time after this node became the one that raises, the alarm chain tells what was raised before.
   */
  private Future<Void> raise(List<Finding> found) {
    Set<String> now = new HashSet<>();
    found.forEach(f -> f.problems().forEach(p -> now.add(TamperAlarms.key(f.inspectionId(), "committed, but " + p))));
    Future<Void> known = seeded ? Future.succeededFuture() : alarms.onChain().map(onChain -> {
      raised.addAll(onChain);
      seeded = true;
      return null;
    });
    return known.compose(x -> {
      raised.retainAll(now); // a finding that went away is raised again if it comes back
      Future<Void> chain = Future.succeededFuture();
      for (Finding f : found) {
        for (String problem : f.problems()) {
          String finding = "committed, but " + problem;
          if (raised.add(TamperAlarms.key(f.inspectionId(), finding))) {
            chain = chain.compose(y -> alarms.raiseAgain(f.inspectionId(), finding));
          }
        }
      }
      return chain;
    });
  }

  /** Another node raises the alarms: when this one raises them again, it first reads what was raised meanwhile. */
  private Future<Void> notRaising() {
    seeded = false;
    return Future.succeededFuture();
  }

  /** The latest findings by inspection, for answers that must not hide a committed inspection. */
  public Map<String, List<String>> latestByInspection() {
    Map<String, List<String>> out = new LinkedHashMap<>();
    latest().forEach(f -> out.put(f.inspectionId(), f.problems()));
    return out;
  }
}
