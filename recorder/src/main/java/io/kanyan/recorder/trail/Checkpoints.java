package io.kanyan.recorder.trail;

import io.kanyan.recorder.redis.RedisStore;
import io.lettuce.core.MapScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signed checkpoints of every chain head: a periodic job commits all heads into an RFC 6962 Merkle tree,
 * signs its root with Ed25519 and keeps the checkpoint twice: appended to a log file outside Redis (the
 * reference a verifier trusts) and pushed to the Redis list {@link #REDIS_KEY}. Rewriting Redis alone
 * therefore cannot rewrite history unnoticed. See {@code recorder/TRAIL.md}.
 *
 * <p>Run it on one node only: two nodes making checkpoints would fork the checkpoint chain.
 */
public final class Checkpoints {

  private static final Logger log = LoggerFactory.getLogger(Checkpoints.class);

  /** Every checkpoint as a JSON string, oldest first (a Redis list). */
  public static final String REDIS_KEY = "kanyan:checkpoints";
  private static final int SCAN_PAGE = 10_000;

  /**
   * Where and how often.
   *
   * @param interval   time between checkpoints ({@code KANYAN_CHECKPOINT_INTERVAL}, default 60 s)
   * @param logFile    the checkpoint log outside Redis, one JSON line each
   *                   ({@code KANYAN_CHECKPOINT_LOG}, default {@code <data dir>/checkpoints/checkpoints.jsonl})
   * @param keyFile    the Ed25519 private key, generated on first start, with its {@code .pub} beside it
   *                   ({@code KANYAN_SIGNING_KEY}, default {@code <data dir>/keys/checkpoint-ed25519.pem})
   * @param leavesDir  where the leaves of the latest checkpoint are kept to answer inclusion proofs
   *                   (default {@code <data dir>/checkpoints})
   */
  public record Settings(Duration interval, Path logFile, Path keyFile, Path leavesDir) {

    /** The defaults under one data directory. */
    public static Settings under(Path dataDir) {
      return new Settings(Duration.ofSeconds(60), dataDir.resolve("checkpoints/checkpoints.jsonl"),
          dataDir.resolve("keys/checkpoint-ed25519.pem"), dataDir.resolve("checkpoints"));
    }

    /**
     * The defaults under {@code dataDir}, overridden by {@code KANYAN_CHECKPOINT_INTERVAL} (seconds),
     * {@code KANYAN_CHECKPOINT_LOG} and {@code KANYAN_SIGNING_KEY} when set in {@code env}.
     */
    public static Settings from(Map<String, String> env, Path dataDir) {
      Settings defaults = under(dataDir);
      String seconds = env.get("KANYAN_CHECKPOINT_INTERVAL");
      Duration interval = seconds == null || seconds.isBlank() ? defaults.interval()
          : Duration.ofSeconds(Long.parseLong(seconds.trim()));
      if (interval.isNegative() || interval.isZero() || interval.compareTo(Duration.ofSeconds(60)) > 0) {
        throw new IllegalArgumentException("KANYAN_CHECKPOINT_INTERVAL must be 1..60 seconds: the trail "
            + "promises a checkpoint at least every minute");
      }
      String logFile = env.get("KANYAN_CHECKPOINT_LOG");
      String keyFile = env.get("KANYAN_SIGNING_KEY");
      return new Settings(interval,
          logFile == null || logFile.isBlank() ? defaults.logFile() : Path.of(logFile.trim()),
          keyFile == null || keyFile.isBlank() ? defaults.keyFile() : Path.of(keyFile.trim()),
          defaults.leavesDir());
    }

    public Settings withInterval(Duration newInterval) {
      return new Settings(newInterval, logFile, keyFile, leavesDir);
    }
  }

  private final Vertx vertx;
  private final RedisStore redis;
  private final SigningKey key;
  private final Clock clock;
  private final Settings settings;
  private final CheckpointFiles files;
  private final AtomicReference<Checkpoint> latest;
  private final AtomicReference<Future<Checkpoint>> running = new AtomicReference<>();
  /**
   * The leaves and tree of the latest checkpoint, kept so that a proof costs log(n), not a re-read of the
   * leaves file (about 250 MB of heap at a million inspections, 25 MB at 100,000).
   */
  private final AtomicReference<NumberedLeaves> cachedLeaves = new AtomicReference<>();

  private record NumberedLeaves(long number, CheckpointFiles.Leaves leaves) {
  }
  private volatile long timerId = -1;

  private Checkpoints(Vertx vertx, RedisStore redis, SigningKey key, Clock clock, Settings settings,
      Checkpoint latest) {
    this.vertx = vertx;
    this.redis = redis;
    this.key = key;
    this.clock = clock;
    this.settings = settings;
    this.files = new CheckpointFiles(settings.logFile(), settings.leavesDir());
    this.latest = new AtomicReference<>(latest);
  }

  /**
   * Loads (or on first start generates) the signing key, reads the latest checkpoint from the log and
   * reconciles the log with Redis (see {@link #reconcile}).
   */
  public static Future<Checkpoints> open(Vertx vertx, RedisStore redis, Clock clock, Settings settings) {
    CheckpointFiles files = new CheckpointFiles(settings.logFile(), settings.leavesDir());
    return vertx.executeBlocking(() -> {
      SigningKey key = SigningKey.loadOrCreate(settings.keyFile());
      return new Checkpoints(vertx, redis, key, clock, settings, files.readLatest().orElse(null));
    }, false).compose(checkpoints -> checkpoints.reconcile()
        .recover(err -> {
          // Serving goes on; the verifier reports whatever differs between the log and Redis.
          log.error("checkpoints: cannot reconcile the checkpoint log with Redis: {}", err.toString());
          return Future.succeededFuture();
        })
        .map(checkpoints));
  }

  /**
   * After a restore the two copies can differ at their end: a backup copies the log before Redis, so
   * Redis may hold checkpoints the log lacks; a Redis restored from an older copy may lack the log's
   * latest. Checkpoints missing from one side are copied from the other when they are signed by this
   * server's key and link to their predecessor; anything else is left for the verifier to report.
   */
  private Future<Void> reconcile() {
    return redis.call(c -> c.lrange(REDIS_KEY, 0, -1)).compose(jsons -> {
      List<Checkpoint> inRedis = new ArrayList<>(jsons.size());
      for (String json : jsons) {
        inRedis.add(Checkpoint.fromJson(new JsonObject(json)));
      }
      Checkpoint logged = latest.get();
      long logNumber = logged == null ? 0 : logged.number();
      long redisNumber = inRedis.isEmpty() ? 0 : inRedis.get(inRedis.size() - 1).number();
      if (redisNumber > logNumber) {
        return appendToLog(inRedis.stream().filter(cp -> cp.number() > logNumber).toList(), logged);
      }
      if (logNumber > redisNumber) {
        return vertx.executeBlocking(files::readAll, false).compose(all -> pushToRedis(all.stream()
            .filter(cp -> cp.number() > redisNumber).toList()));
      }
      return Future.succeededFuture();
    });
  }

  private Future<Void> appendToLog(List<Checkpoint> missing, Checkpoint logged) {
    String prev = logged == null ? Chain.GENESIS : logged.hash();
    long number = logged == null ? 1 : logged.number() + 1;
    for (Checkpoint cp : missing) {
      if (!cp.signedBy(key.publicKey()) || !cp.prev().equals(prev) || cp.number() != number) {
        log.error("checkpoints: Redis holds checkpoint #{} that is not a signed successor of the log's; "
            + "not copying it (the verifier will report the difference)", cp.number());
        return Future.succeededFuture();
      }
      prev = cp.hash();
      number++;
    }
    log.warn("checkpoints: the log lacks checkpoints #{}..#{} that Redis holds (a restore?); appending them "
        + "after checking their signatures", missing.get(0).number(), missing.get(missing.size() - 1).number());
    return vertx.executeBlocking(() -> {
      for (Checkpoint cp : missing) {
        files.append(cp);
      }
      latest.set(missing.get(missing.size() - 1));
      return null;
    }, false);
  }

  private Future<Void> pushToRedis(List<Checkpoint> missing) {
    if (missing.isEmpty()) {
      return Future.succeededFuture();
    }
    log.warn("checkpoints: Redis lacks checkpoints #{}..#{} of the log (Redis restored from an older copy?); "
        + "pushing them; inspections whose newer events are gone will fail verification",
        missing.get(0).number(), missing.get(missing.size() - 1).number());
    String[] jsons = missing.stream().map(cp -> cp.toJson().encode()).toArray(String[]::new);
    return redis.call(c -> c.rpush(REDIS_KEY, jsons)).mapEmpty();
  }

  /** Starts the periodic job; the first checkpoint is made one interval from now. */
  public Future<Void> start() {
    timerId = vertx.setPeriodic(settings.interval().toMillis(), id -> checkpointNow()
        .onFailure(err -> log.error("checkpoints: making a checkpoint failed; will try again: {}", err.toString())));
    log.info("checkpoints: every {} s into {} (key fingerprint {})", settings.interval().toSeconds(),
        settings.logFile(), key.fingerprint());
    return Future.succeededFuture();
  }

  public Future<Void> stop() {
    vertx.cancelTimer(timerId);
    Future<Checkpoint> run = running.get();
    return run == null ? Future.succeededFuture() : run.<Void>mapEmpty().otherwiseEmpty();
  }

  /**
   * Commits every chain head now. When no head moved since the latest checkpoint it makes none and
   * returns the latest. A call while one is running joins that run.
   */
  public Future<Checkpoint> checkpointNow() {
    Promise<Checkpoint> mine = Promise.promise();
    Future<Checkpoint> current = running.compareAndExchange(null, mine.future());
    if (current != null) {
      return current;
    }
    long started = System.nanoTime();
    scanHeads(ScanCursor.INITIAL, new HashMap<>())
        .compose(heads -> {
          long scanned = System.nanoTime();
          return vertx.executeBlocking(() -> CheckpointFiles.Leaves.of(heads), false)
              .andThen(built -> log.debug("checkpoints: scanned {} heads in {} ms, built the tree in {} ms",
                  heads.size(), (scanned - started) / 1_000_000, (System.nanoTime() - scanned) / 1_000_000));
        })
        .compose(this::commit)
        .onComplete(done -> {
          running.set(null);
          mine.handle(done);
        });
    return mine.future();
  }

  private Future<Checkpoint> commit(CheckpointFiles.Leaves leaves) {
    Checkpoint previous = latest.get();
    if (previous != null && previous.root().equals(leaves.root()) && previous.treeSize() == leaves.size()) {
      // Same heads: no new checkpoint. Its leaves file may be missing (restored from a backup taken
      // between a checkpoint and its leaves); these leaves are the same, so write them.
      return vertx.executeBlocking(() -> {
        files.ensureLeaves(previous.number(), leaves);
        cachedLeaves.set(new NumberedLeaves(previous.number(), leaves));
        return previous;
      }, false);
    }
    long number = previous == null ? 1 : previous.number() + 1;
    String prev = previous == null ? Chain.GENESIS : previous.hash();
    Checkpoint cp = Checkpoint.sign(key, number, clock.instant().truncatedTo(ChronoUnit.MILLIS), leaves.size(),
        leaves.root(), prev);
    return vertx.executeBlocking(() -> {
      files.writeLeaves(cp.number(), leaves);
      files.append(cp);
      cachedLeaves.set(new NumberedLeaves(cp.number(), leaves));
      return cp;
    }, false)
        .compose(written -> redis.call(c -> c.rpush(REDIS_KEY, written.toJson().encode())))
        .map(pushed -> {
          latest.set(cp);
          log.info("checkpoints: #{} commits {} chain heads, root {}", cp.number(), cp.treeSize(), cp.root());
          return cp;
        });
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

  /** The latest checkpoint this node made or loaded, if any. */
  public Optional<Checkpoint> latest() {
    return Optional.ofNullable(latest.get());
  }

  /** The latest checkpoint as the log file outside Redis holds it (what a verifier trusts). */
  public Future<Optional<Checkpoint>> readLatestFromLog() {
    return vertx.executeBlocking(files::readLatest, false);
  }

  /** The latest checkpoint as Redis holds it. */
  public Future<Optional<Checkpoint>> readLatestFromRedis() {
    return redis.call(c -> c.lindex(REDIS_KEY, -1))
        .map(json -> json == null ? Optional.<Checkpoint>empty()
            : Optional.of(Checkpoint.fromJson(new JsonObject(json))));
  }

  /**
   * The proof that the inspection's head, as committed by checkpoint {@code cp}, is in its tree; empty when
   * the inspection is newer than that checkpoint. Reads the checkpoint's leaves file (off the event loop).
   */
  public Future<Optional<InclusionProof>> prove(Checkpoint cp, String inspectionId) {
    return vertx.executeBlocking(() -> {
      NumberedLeaves cached = cachedLeaves.get();
      CheckpointFiles.Leaves leaves;
      if (cached != null && cached.number() == cp.number()) {
        leaves = cached.leaves();
      } else {
        leaves = files.readLeaves(cp.number());
        cachedLeaves.set(new NumberedLeaves(cp.number(), leaves));
      }
      int index = leaves.indexOf(inspectionId);
      if (index < 0) {
        return Optional.<InclusionProof>empty();
      }
      HexFormat hex = HexFormat.of();
      List<String> path = leaves.tree().inclusionPath(index).stream().map(hex::formatHex).toList();
      return Optional.of(new InclusionProof(inspectionId, leaves.seq(index), leaves.head(index), cp.number(),
          index, leaves.size(), path));
    }, false);
  }

  public SigningKey key() {
    return key;
  }

  /** The public key as PEM, to publish (for example at {@code GET /api/audit/public-key}). */
  public String publicKeyPem() {
    return key.publicKeyPem();
  }

  public Settings settings() {
    return settings;
  }
}
