package io.kanyan.recorder.trail;

import io.kanyan.recorder.log.CommitLog;
import io.kanyan.recorder.redis.RedisStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checks before the checkpoint job may start (see {@code recorder/TRAIL.md} 5.4): the commitment log's
 * own audit, its comparison with Redis's copy (entries Redis holds beyond the file are appended only after
 * a restore, marked by {@link Checkpoints.Settings#restoredMarker()}), and that Redis still holds every
 * event the log committed.
 */
final class StartCheck {

  private static final Logger log = LoggerFactory.getLogger(StartCheck.class);

  private final Vertx vertx;
  private final RedisStore redis;
  private final StoreReads reads;
  private final CommitLog commitLog;
  private final Checkpoints.Settings settings;
  private final LogCopy copy;

  StartCheck(Vertx vertx, RedisStore redis, StoreReads reads, CommitLog commitLog, Checkpoints.Settings settings,
      LogCopy copy) {
    this.vertx = vertx;
    this.redis = redis;
    this.reads = reads;
    this.commitLog = commitLog;
    this.settings = settings;
    this.copy = copy;
  }

  /** The audit's findings, the comparison with Redis's copy, and the rollback check: what is wrong, if anything. */
  Future<List<String>> run() {
    List<String> problems = new ArrayList<>(commitLog.problems());
    return Future.all(redis.call(c -> c.lrange(Checkpoints.REDIS_KEY, 0, -1)), copy.recordedFile())
        .compose(both -> vertx.executeBlocking(() -> compareCopy(both.resultAt(0), both.resultAt(1), problems), false))
        .compose(missing -> pushToRedis(missing, problems))
        .compose(x -> problems.isEmpty() ? copy.recordFile() : Future.succeededFuture())
        .compose(x -> reads.scanHeads())
        .compose(heads -> rollbackCheck(heads))
        .map(rollback -> {
          problems.addAll(rollback);
          return problems;
        });
  }

  /**
   * Compares the file with Redis's copy. What Redis has beyond the file is appended (each line checked) after a
   * restore, or when this node's file was only behind (another node wrote while it was down: the file is as long
   * as this node last recorded it); otherwise it means the file lost its last lines. Returns the file's lines
   * Redis lacks.
   */
  private List<String> compareCopy(List<String> copy, Optional<Integer> recorded, List<String> problems)
      throws java.io.IOException {
    List<String> lines = Files.exists(settings.logFile())
        ? Files.readAllLines(settings.logFile()) : List.of();
    int common = Math.min(lines.size(), copy.size());
    for (int i = 0; i < common; i++) {
      if (!lines.get(i).equals(copy.get(i))) {
        problems.add("Redis's copy of commitment log entry #" + (i + 1) + " differs from line " + (i + 1)
            + " of the log file: one of them was edited");
        return List.of();
      }
    }
    if (copy.size() > lines.size() && !Files.exists(settings.restoredMarker())
        && recorded.orElse(0) <= lines.size() && commitLog.problems().isEmpty()) {
      log.info("checkpoints: this node's log ends at entry #{}; following entries #{}..#{} from Redis's copy after "
          + "checking them", lines.size(), lines.size() + 1, copy.size());
      for (String line : copy.subList(lines.size(), copy.size())) {
        String problem = commitLog.appendCopy(line);
        if (problem != null) {
          problems.add("Redis holds an entry that is not a valid successor of the log: " + problem);
          return List.of();
        }
      }
      return List.of();
    }
    if (copy.size() > lines.size()) {
      Path marker = settings.restoredMarker();
      if (!Files.exists(marker)) {
        problems.add("the commitment log file ends at entry #" + lines.size() + " but Redis holds entries #"
            + (lines.size() + 1) + ".." + copy.size() + ": the last line(s) of the log file were removed");
        return List.of();
      }
      log.warn("checkpoints: restored from a backup: appending entries #{}..#{} that Redis holds to the log "
          + "after checking them", lines.size() + 1, copy.size());
      for (String line : copy.subList(lines.size(), copy.size())) {
        String problem = commitLog.appendCopy(line);
        if (problem != null) {
          problems.add("Redis holds an entry that is not a valid successor of the log: " + problem);
          return List.of();
        }
      }
      Files.delete(marker);
      return List.of();
    }
    if (lines.size() > copy.size() && commitLog.problems().isEmpty()) {
      // A crash between the file and Redis, or a Redis restored from an older copy: Redis gets them back.
      return lines;
    }
    return List.of();
  }

  /** Gives Redis's copy the file's last lines it lacks, only where the copy still ends as the file does there. */
  private Future<Void> pushToRedis(List<String> lines, List<String> problems) {
    return redis.call(c -> c.llen(Checkpoints.REDIS_KEY)).compose(length -> {
      if (length >= lines.size()) {
        return Future.succeededFuture();
      }
      log.warn("checkpoints: Redis lacks the last {} line(s) of the commitment log; pushing them",
          lines.size() - length);
      return copy.restore(lines, length.intValue()).map(pushed -> {
        if (!pushed) {
          problems.add("Redis's copy of the commitment log changed while the log file's last lines were given back "
              + "to it: another writer published entries the log file does not hold");
        }
        return null;
      });
    });
  }

  /** Every committed inspection must still be in Redis, at least as long, with the committed event. */
  private Future<List<String>> rollbackCheck(Map<String, String> heads) {
    Map<String, CommitLog.Committed> committed = commitLog.lastCommitted();
    List<String> problems = new ArrayList<>();
    List<Map.Entry<String, CommitLog.Committed>> toRead = new ArrayList<>();
    new TreeMap<>(committed).forEach((id, c) -> {
      String value = heads.get(id);
      if (value == null) {
        problems.add("inspection " + id + " is missing from Redis: the log committed its events #1.." + c.seq());
        return;
      }
      Trail.Head head = Trail.parseHead(value);
      if (head.seq() < c.seq()) {
        problems.add("inspection " + id + " has events #1.." + head.seq() + " in Redis but the log committed #1.."
            + c.seq() + ": events #" + (head.seq() + 1) + ".." + c.seq() + " are missing");
      } else if (head.seq() == c.seq() && !head.hash().equals(c.head())) {
        problems.add("inspection " + id + ": event #" + c.seq() + " in Redis is not the one the log committed");
      } else {
        // The stream itself, not only its head: the committed event must be there with the committed hash.
        toRead.add(Map.entry(id, c));
      }
    });
    return reads.inBatches(toRead, StoreReads.STARTUP_READS, e -> reads.readTail(e.getKey(),
            Trail.parseHead(heads.get(e.getKey())).seq() - e.getValue().seq() + 1)
        .map(events -> {
          CommitLog.Committed c = e.getValue();
          String at = Long.toString(c.seq());
          Optional<Map<String, String>> event = events.stream().filter(ev -> at.equals(ev.get("seq"))).findFirst();
          if (event.isEmpty()) {
            return "inspection " + e.getKey() + ": event #" + c.seq() + ", which the log committed, is missing";
          }
          return c.head().equals(event.get().get("hash")) ? null
              : "inspection " + e.getKey() + ": event #" + c.seq() + " in Redis is not the one the log committed";
        }))
        .map(found -> {
          problems.addAll(found);
          return problems;
        });
  }
}
