package io.kanyan.recorder.trail;

import io.kanyan.recorder.log.CommitLog;
import io.kanyan.recorder.log.Extension;
import io.kanyan.recorder.log.Leaf;
import io.kanyan.recorder.log.LogEntry;
import io.kanyan.recorder.log.SignedTreeHead;
import io.kanyan.recorder.log.TamperAlarms;
import io.kanyan.recorder.log.note.Ed25519NoteKey;
import io.kanyan.recorder.log.note.NoteSigner;
import io.kanyan.recorder.log.note.NoteVerifier;
import io.kanyan.recorder.keys.Pkcs11Settings;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.witness.Attestations;
import io.lettuce.core.Limit;
import io.lettuce.core.MapScanCursor;
import io.lettuce.core.Range;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.StreamMessage;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checkpoint job over the append-only commitment log ({@link CommitLog}): at every interval it reads
 * every chain head, checks that each head that moved extends the head the log last committed for it, and
 * commits those heads as new leaves under a signed tree head with a consistency proof from the previous
 * one. A head that does not extend (rewritten, gone backwards, vanished) is never signed: it raises a
 * {@link TamperAlarms tamper alarm}. The log lives in a file outside Redis; Redis keeps a copy of its lines
 * in {@link #REDIS_KEY}. See {@code recorder/TRAIL.md}.
 *
 * <p>At start ({@link #open}) the log is audited and compared with Redis: a log that was edited, or a Redis
 * that lacks events the log committed (a rollback), refuses the start with {@link RefusedStartException},
 * unless {@link Settings#readOnlyInvestigation()} is set, in which case nothing is ever signed.
 *
 * <p>Run it on one node only: two nodes making checkpoints would fork the log.
 */
public final class Checkpoints {

  private static final Logger log = LoggerFactory.getLogger(Checkpoints.class);

  /** Every commitment log line, oldest first (a Redis list): the copy compared with the file. */
  public static final String REDIS_KEY = "kanyan:commitments";
  /** The subject of alarms about the log itself. */
  public static final String LOG_SUBJECT = "commitment-log";
  private static final int SCAN_PAGE = 10_000;
  private static final int PARALLEL_READS = 32;
  /** How many events past a committed head a checkpoint reads before it falls back to the whole stream. */
  private static final int READ_SLACK = 256;
  private static final int LISTED = 20;

  /**
   * Where and how often.
   *
   * @param interval              time between checkpoints ({@code KANYAN_CHECKPOINT_INTERVAL}, default 60 s)
   * @param logFile               the commitment log outside Redis ({@code KANYAN_CHECKPOINT_LOG}, default
   *                              {@code <data dir>/checkpoints/commitments.jsonl})
   * @param keyFile               the Ed25519 private key, generated on first start, with its {@code .pub}
   *                              ({@code KANYAN_SIGNING_KEY}, default {@code <data dir>/keys/checkpoint-ed25519.pem})
   * @param readOnlyInvestigation start even when the log or Redis was tampered with, sign nothing
   *                              ({@code KANYAN_READ_ONLY_INVESTIGATION})
   */
  public record Settings(Duration interval, Path logFile, Path keyFile, boolean readOnlyInvestigation) {

    /** The defaults under one data directory. */
    public static Settings under(Path dataDir) {
      return new Settings(Duration.ofSeconds(60), dataDir.resolve("checkpoints/commitments.jsonl"),
          dataDir.resolve("keys/checkpoint-ed25519.pem"), false);
    }

    /**
     * The defaults under {@code dataDir}, overridden by {@code KANYAN_CHECKPOINT_INTERVAL} (seconds),
     * {@code KANYAN_CHECKPOINT_LOG}, {@code KANYAN_SIGNING_KEY} and {@code KANYAN_READ_ONLY_INVESTIGATION}.
     */
    public static Settings from(Map<String, String> env, Path dataDir) {
      Settings defaults = under(dataDir);
      String seconds = env.get("KANYAN_CHECKPOINT_INTERVAL");
      Duration interval = seconds == null || seconds.isBlank() ? defaults.interval()
          : Duration.ofSeconds(Long.parseLong(seconds.trim()));
      checkInterval(interval);
      String logFile = env.get("KANYAN_CHECKPOINT_LOG");
      String keyFile = env.get("KANYAN_SIGNING_KEY");
      return new Settings(interval,
          logFile == null || logFile.isBlank() ? defaults.logFile() : Path.of(logFile.trim()),
          keyFile == null || keyFile.isBlank() ? defaults.keyFile() : Path.of(keyFile.trim()),
          "true".equalsIgnoreCase(String.valueOf(env.get("KANYAN_READ_ONLY_INVESTIGATION")).trim()));
    }

    static void checkInterval(Duration interval) {
      if (interval.isNegative() || interval.isZero() || interval.compareTo(Duration.ofSeconds(60)) > 0) {
        throw new IllegalArgumentException("KANYAN_CHECKPOINT_INTERVAL must be 1..60 seconds: the trail "
            + "promises a checkpoint at least every minute");
      }
    }

    public Settings withInterval(Duration newInterval) {
      return new Settings(newInterval, logFile, keyFile, readOnlyInvestigation);
    }

    public Settings withReadOnlyInvestigation(boolean readOnly) {
      return new Settings(interval, logFile, keyFile, readOnly);
    }

    /** The marker deploy/restore.sh leaves beside the log: Redis may hold entries the copied log lacks. */
    public Path restoredMarker() {
      return logFile.resolveSibling(logFile.getFileName() + ".restored");
    }
  }

  /** The start was refused: the log was tampered with or Redis lacks what it committed. */
  public static final class RefusedStartException extends IllegalStateException {
    private static final long serialVersionUID = 1L;
    private final List<String> problems;

    RefusedStartException(List<String> problems) {
      super("refusing to start: " + summary(problems) + ". Restore the Redis data (AOF or backup) and the "
          + "commitment log that belong together, or set KANYAN_READ_ONLY_INVESTIGATION=true to start read-only "
          + "and investigate (nothing is signed, every write is refused)");
      this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
      return problems;
    }
  }

  private final Vertx vertx;
  private final RedisStore redis;
  private final SigningKey key;
  private final NoteSigner signer;
  private final NoteVerifier verifier;
  private final String origin;
  private final Clock clock;
  private final Settings settings;
  private final CommitLog commitLog;
  private final TamperAlarms alarms;
  private final List<String> startProblems;
  private final AtomicReference<Future<SignedTreeHead>> running = new AtomicReference<>();
  private volatile long timerId = -1;
  private volatile Attestations attestations;

  private Checkpoints(Vertx vertx, RedisStore redis, SigningKey key, Clock clock, Settings settings,
      CommitLog commitLog, List<String> startProblems) {
    this.vertx = vertx;
    this.redis = redis;
    this.key = key;
    this.origin = originOf(key);
    Ed25519NoteKey noteKey = key.noteKey(origin);
    this.signer = key.noteSigner(origin);
    this.verifier = noteKey;
    this.clock = clock;
    this.settings = settings;
    this.commitLog = commitLog;
    this.alarms = new TamperAlarms(new Trail(redis, clock));
    this.startProblems = List.copyOf(startProblems);
    this.attestations = Attestations.none(vertx, settings.logFile().resolveSibling("attestations"));
  }

  /** Has every new tree head cosigned by witnesses and stamped by a TSA (see {@code recorder/TRAIL.md}). */
  public void attestWith(Attestations attestations) {
    this.attestations = attestations;
  }

  public Attestations attestations() {
    return attestations;
  }

  /** Closes the signing key's token session (after {@link #stop}). */
  public Future<Void> closeKey() {
    return vertx.executeBlocking(() -> {
      key.close();
      return null;
    }, false);
  }

  /** The consistency proof between two sizes of the commitment log, off the event loop. */
  public Future<List<byte[]>> consistencyProof(long from, long to) {
    return vertx.executeBlocking(() -> commitLog.consistencyProof(from, to), false);
  }

  /** The log's origin line and key name: {@code kanyan/<first 16 hex digits of the key fingerprint>}. */
  public static String originOf(SigningKey key) {
    return "kanyan/" + key.fingerprint().substring(0, 16);
  }

  /**
   * Loads (or on first start generates) the signing key, opens and audits the commitment log, compares it
   * with Redis's copy and checks that Redis still holds every event the log committed.
   *
   * @return failed with {@link RefusedStartException} when anything is wrong, unless read-only
   */
  public static Future<Checkpoints> open(Vertx vertx, RedisStore redis, Clock clock, Settings settings) {
    return open(vertx, redis, clock, settings, Optional.empty());
  }

  /** The same, with the signing key in a PKCS#11 token when {@code token} is present. */
  public static Future<Checkpoints> open(Vertx vertx, RedisStore redis, Clock clock, Settings settings,
      Optional<Pkcs11Settings> token) {
    return vertx.executeBlocking(() -> {
      SigningKey key = SigningKey.load(settings.keyFile(), token);
      CommitLog commitLog = CommitLog.open(settings.logFile(), key.noteKey(originOf(key)));
      return new Checkpoints(vertx, redis, key, clock, settings, commitLog, List.of());
    }, false).compose(opened -> opened.startCheck().compose(problems -> {
      if (problems.isEmpty()) {
        return Future.succeededFuture(opened);
      }
      Checkpoints checked = new Checkpoints(vertx, redis, opened.key, clock, settings, opened.commitLog, problems);
      problems.forEach(p -> log.error("TAMPERING found at start: {}", p));
      if (!settings.readOnlyInvestigation()) {
        return Future.failedFuture(new RefusedStartException(problems));
      }
      log.error("checkpoints: starting READ-ONLY for investigation (KANYAN_READ_ONLY_INVESTIGATION): nothing "
          + "will be signed");
      return Future.succeededFuture(checked);
    }));
  }

  private static String summary(List<String> problems) {
    List<String> shown = problems.subList(0, Math.min(LISTED, problems.size()));
    return String.join("; ", shown) + (problems.size() > LISTED ? "; and " + (problems.size() - LISTED) + " more" : "");
  }

  /** The audit of the log file, its comparison with Redis's copy, and the rollback check. */
  private Future<List<String>> startCheck() {
    List<String> problems = new ArrayList<>(commitLog.problems());
    return redis.call(c -> c.lrange(REDIS_KEY, 0, -1))
        .compose(copy -> vertx.executeBlocking(() -> compareCopy(copy, problems), false))
        .compose(missing -> pushToRedis(missing))
        .compose(x -> scanHeads(ScanCursor.INITIAL, new HashMap<>()))
        .compose(heads -> rollbackCheck(heads))
        .map(rollback -> {
          problems.addAll(rollback);
          return problems;
        });
  }

  /** Compares the file with Redis's copy; appends what Redis has beyond the file only after a restore. */
  private List<String> compareCopy(List<String> copy, List<String> problems) throws java.io.IOException {
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
      return lines.subList(copy.size(), lines.size());
    }
    return List.of();
  }

  private Future<Void> pushToRedis(List<String> missing) {
    if (missing.isEmpty()) {
      return Future.succeededFuture();
    }
    log.warn("checkpoints: Redis lacks the last {} line(s) of the commitment log; pushing them", missing.size());
    return redis.call(c -> c.rpush(REDIS_KEY, missing.toArray(String[]::new))).mapEmpty();
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
      } else if (head.seq() == c.seq()) {
        if (!head.hash().equals(c.head())) {
          problems.add("inspection " + id + ": event #" + c.seq() + " in Redis is not the one the log committed");
        }
      } else {
        toRead.add(Map.entry(id, c));
      }
    });
    return inBatches(toRead, e -> readTail(e.getKey(), Trail.parseHead(heads.get(e.getKey())).seq() - e.getValue().seq() + 1)
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

  /** The last {@code count} events of a stream, oldest first. */
  private Future<List<Map<String, String>>> readTail(String inspection, long count) {
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

  private Future<List<Map<String, String>>> readAll(String inspection) {
    return redis.<List<StreamMessage<String, String>>>call(c -> c.xrange(Trail.streamKey(inspection),
            Range.create("-", "+")))
        .map(entries -> entries.stream().map(StreamMessage::getBody).toList());
  }

  /** Runs {@code work} over items, {@link #PARALLEL_READS} at a time; collects the non-null results. */
  private <T> Future<List<String>> inBatches(List<T> items, java.util.function.Function<T, Future<String>> work) {
    List<String> found = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (int from = 0; from < items.size(); from += PARALLEL_READS) {
      List<T> batch = items.subList(from, Math.min(items.size(), from + PARALLEL_READS));
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

  /** Starts the periodic job (not in read-only investigation); the first checkpoint is one interval away. */
  public Future<Void> start() {
    if (settings.readOnlyInvestigation()) {
      log.warn("checkpoints: read-only investigation: no checkpoints are made");
      return Future.succeededFuture();
    }
    timerId = vertx.setPeriodic(settings.interval().toMillis(), id -> checkpointNow()
        .onFailure(err -> log.error("checkpoints: making a checkpoint failed; will try again: {}", err.toString())));
    log.info("checkpoints: every {} s into {} (origin {}, key fingerprint {})", settings.interval().toSeconds(),
        settings.logFile(), origin, key.fingerprint());
    return Future.succeededFuture();
  }

  public Future<Void> stop() {
    vertx.cancelTimer(timerId);
    Future<SignedTreeHead> run = running.get();
    return run == null ? Future.succeededFuture() : run.<Void>mapEmpty().otherwiseEmpty();
  }

  /**
   * Commits every chain head that moved and extends its committed head. When none moved it makes no new
   * tree head and returns the latest (the very first call always makes one). A call while one is running
   * joins that run. In read-only investigation it signs nothing and returns the latest.
   */
  public Future<SignedTreeHead> checkpointNow() {
    if (settings.readOnlyInvestigation()) {
      return commitLog.latestHead().map(Future::succeededFuture)
          .orElseGet(() -> Future.failedFuture(new IllegalStateException("read-only investigation: the log is empty")));
    }
    Promise<SignedTreeHead> mine = Promise.promise();
    Future<SignedTreeHead> current = running.compareAndExchange(null, mine.future());
    if (current != null) {
      return current;
    }
    vertx.executeBlocking(commitLog::recheck, false)
        .compose(logProblems -> alarmAll(LOG_SUBJECT, logProblems))
        .compose(x -> scanHeads(ScanCursor.INITIAL, new HashMap<>()))
        .compose(this::extendingHeads)
        .compose(this::commit)
        .onComplete(done -> {
          running.set(null);
          mine.handle(done);
        });
    return mine.future();
  }

  private Future<Void> alarmAll(String subject, List<String> findings) {
    return Future.all(findings.stream().map(f -> alarms.raise(subject, f)).toList()).mapEmpty();
  }

  /**
   * The heads to commit, sorted by inspection id: every head that moved and extends its committed head.
   * Raises an alarm for every other, then adds the alarm chain's own head.
   */
  private Future<TreeMap<String, Trail.Head>> extendingHeads(Map<String, String> heads) {
    Map<String, CommitLog.Committed> committed = commitLog.lastCommitted();
    TreeMap<String, Trail.Head> moved = new TreeMap<>();
    List<Future<Void>> raised = new ArrayList<>();
    committed.forEach((id, c) -> {
      if (!heads.containsKey(id)) {
        raised.add(alarms.raise(id, "the inspection disappeared from Redis: its chain head (event #" + c.seq()
            + ", committed) is gone"));
      }
    });
    heads.forEach((id, value) -> {
      if (id.equals(TamperAlarms.CHAIN)) {
        return;
      }
      Trail.Head head;
      try {
        head = Trail.parseHead(value);
      } catch (RuntimeException malformed) {
        raised.add(alarms.raise(id, "its chain head in Redis is malformed: " + value));
        return;
      }
      CommitLog.Committed c = committed.get(id);
      if (c == null || head.seq() != c.seq() || !head.hash().equals(c.head())) {
        moved.put(id, head);
      }
    });
    return Future.all(raised)
        .compose(x -> inBatches(new ArrayList<>(moved.keySet()), id -> extends_(id, committed.get(id), moved.get(id))
            .compose(problem -> {
              if (problem == null) {
                return Future.succeededFuture(null);
              }
              moved.remove(id);
              return alarms.raise(id, problem + "; not signed").map((String) null);
            })))
        .compose(x -> redis.call(c -> c.hget(Trail.HEADS_KEY, TamperAlarms.CHAIN)))
        .compose(alarmHead -> {
          if (alarmHead == null) {
            return Future.succeededFuture(moved);
          }
          Trail.Head head = Trail.parseHead(alarmHead);
          CommitLog.Committed c = committed.get(TamperAlarms.CHAIN);
          if (c != null && head.seq() == c.seq() && head.hash().equals(c.head())) {
            return Future.succeededFuture(moved);
          }
          return extends_(TamperAlarms.CHAIN, c, head).compose(problem -> {
            if (problem == null) {
              moved.put(TamperAlarms.CHAIN, head);
              return Future.succeededFuture(moved);
            }
            // Logged and counted only: an alarm about the alarm chain on the alarm chain would loop.
            log.error("TAMPER ALARM {}: {}; not signed", TamperAlarms.CHAIN, problem);
            return Future.succeededFuture(moved);
          });
        });
  }

  /** Null when {@code head} extends the committed head {@code c} (null: nothing committed yet). */
  private Future<String> extends_(String id, CommitLog.Committed c, Trail.Head head) {
    long fromSeq = c == null ? 0 : c.seq();
    String fromHead = c == null ? Chain.GENESIS : c.head();
    if (head.seq() < fromSeq) {
      return Future.succeededFuture("its chain head went backwards from event #" + fromSeq + " to #" + head.seq());
    }
    if (head.seq() == fromSeq) {
      return Future.succeededFuture("event #" + fromSeq + " is not the one the log committed: the chain was rewritten");
    }
    Future<List<Map<String, String>>> events = fromSeq == 0 ? readAll(id)
        : readTail(id, head.seq() - fromSeq + 1 + READ_SLACK).compose(tail -> tail.isEmpty()
            || !startsAtOrBefore(tail, fromSeq) ? readAll(id) : Future.succeededFuture(tail));
    return events.map(list -> Extension.check(id, list, fromSeq, fromHead, head.seq(), head.hash()));
  }

  private static boolean startsAtOrBefore(List<Map<String, String>> events, long seq) {
    try {
      return Long.parseLong(events.get(0).get("seq")) <= seq;
    } catch (RuntimeException malformed) {
      return false;
    }
  }

  private Future<SignedTreeHead> commit(TreeMap<String, Trail.Head> moved) {
    Optional<SignedTreeHead> previous = commitLog.latestHead();
    if (moved.isEmpty() && previous.isPresent()) {
      return Future.succeededFuture(previous.get());
    }
    List<Leaf> leaves = new ArrayList<>(moved.size());
    moved.forEach((id, head) -> leaves.add(new Leaf(id, head.seq(), head.hash())));
    return vertx.executeBlocking(() -> commitLog.append(leaves, signer, origin,
            clock.instant().truncatedTo(ChronoUnit.MILLIS)), false)
        .compose(entry -> redis.call(c -> c.rpush(REDIS_KEY, entry.line())).map(entry))
        .map(entry -> {
          log.info("checkpoints: #{} commits {} chain head(s), tree size {}", entry.number(), leaves.size(),
              entry.sth().treeSize());
          // Witnesses and the TSA answer in the background: they never hold up or fail the checkpoint.
          attestations.attest(entry.sth(), this::consistencyProof);
          return entry.sth();
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

  /** The latest signed tree head, if any. */
  public Optional<SignedTreeHead> latest() {
    return commitLog.latestHead();
  }

  /** The latest tree head and every committed leaf of the inspection with its inclusion proof. Blocking-free. */
  public Future<CommitLog.Proven> prove(String inspectionId) {
    return vertx.executeBlocking(() -> commitLog.prove(inspectionId), false);
  }

  /**
   * What is wrong with the commitment log now: what the start found, plus a fresh comparison of the file
   * (when it changed behind this server's back) and of Redis's copy. Empty when intact.
   */
  public Future<List<String>> logProblems() {
    return vertx.executeBlocking(commitLog::recheck, false).compose(fileProblems -> {
      List<String> problems = new ArrayList<>(startProblems);
      fileProblems.stream().filter(p -> !problems.contains(p)).forEach(problems::add);
      return Future.all(redis.call(c -> c.llen(REDIS_KEY)), redis.call(c -> c.lindex(REDIS_KEY, -1)))
          .map(all -> {
            long length = all.<Long>resultAt(0);
            String last = all.resultAt(1);
            Optional<LogEntry> latest = commitLog.latest();
            if (latest.isPresent() && (length != commitLog.entries() || !latest.get().line().equals(last))) {
              problems.add("Redis's copy of the commitment log (" + length + " entries) differs from the log file ("
                  + commitLog.entries() + " entries): one of them was rewritten");
            }
            return problems;
          })
          .otherwise(err -> problems);
    });
  }

  /** The problems found at start (read-only investigation only; otherwise the start was refused). */
  public List<String> startProblems() {
    return startProblems;
  }

  public boolean readOnly() {
    return settings.readOnlyInvestigation();
  }

  public CommitLog commitLog() {
    return commitLog;
  }

  public TamperAlarms alarms() {
    return alarms;
  }

  /** The trusted note key of this log (the server's own). */
  public NoteVerifier verifier() {
    return verifier;
  }

  public String origin() {
    return origin;
  }

  public SigningKey key() {
    return key;
  }

  /** The public key as PEM, to publish (for example at {@code GET /api/audit/public-key}). */
  public String publicKeyPem() {
    return key.publicKeyPem();
  }

  /** The C2SP verifier key {@code <origin>+<key ID>+<base64>}, to publish to witnesses and auditors. */
  public String verifierKey() {
    return key.noteKey(origin).verifierKey();
  }

  public Settings settings() {
    return settings;
  }
}
