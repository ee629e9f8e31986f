package io.kanyan.recorder.trail;

import io.kanyan.recorder.log.CommitLog;
import io.kanyan.recorder.log.Extension;
import io.kanyan.recorder.log.Leaf;
import io.kanyan.recorder.log.LogEntry;
import io.kanyan.recorder.log.SignedTreeHead;
import io.kanyan.recorder.log.TamperAlarms;
import io.kanyan.recorder.log.note.Ed25519NoteKey;
import io.kanyan.recorder.log.note.NoteSigner;
import io.kanyan.recorder.keys.KeyHistory;
import io.kanyan.recorder.keys.LogKeys;
import io.kanyan.recorder.keys.Pkcs11Settings;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.witness.Attestations;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.ConcurrentSkipListMap;
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
 * <p>Every node runs it; one of them, the holder of the {@link WriterLease writer's lease}, makes the
 * checkpoints. It publishes each new log line into Redis's copy first, fenced by its lease token, and only then
 * appends it to its own file; every other node follows Redis's copy into its own file, each line checked. A writer
 * that was paused past its lease finds its token stale, publishes nothing and follows instead (section 5.7).
 */
public final class Checkpoints {

  private static final Logger log = LoggerFactory.getLogger(Checkpoints.class);

  /** Every commitment log line, oldest first (a Redis list): the copy compared with the file. */
  public static final String REDIS_KEY = "kanyan:commitments";
  /** The subject of alarms about the log itself. */
  public static final String LOG_SUBJECT = "commitment-log";
  /** How many events past a committed head a checkpoint reads before it falls back to the whole stream. */
  private static final int READ_SLACK = 256;
  static final int LISTED = 20;

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
  public record Settings(Duration interval, Path logFile, Path keyFile, boolean readOnlyInvestigation, String node) {

    /**
     * The same with the node's name ({@code KANYAN_NODE_NAME}, default the host name): the checkpoint writer's
     * lease names it (section 5.7 of TRAIL.md).
     */
    public Settings {
      if (node == null || node.isBlank()) {
        node = localNode();
      }
    }

    /** The same, named after this host. */
    public Settings(Duration interval, Path logFile, Path keyFile, boolean readOnlyInvestigation) {
      this(interval, logFile, keyFile, readOnlyInvestigation, null);
    }

    /** The defaults under one data directory. */
    public static Settings under(Path dataDir) {
      return new Settings(Duration.ofSeconds(60), dataDir.resolve("checkpoints/commitments.jsonl"),
          dataDir.resolve("keys/checkpoint-ed25519.pem"), false);
    }

    /** {@code KANYAN_NODE_NAME} when set (spaces become '-'), else the host name. */
    public static String nodeName(Map<String, String> env) {
      String name = env.get("KANYAN_NODE_NAME");
      return name == null || name.isBlank() ? localNode() : name.trim().replaceAll("\\s+", "-");
    }

    private static String localNode() {
      try {
        String host = java.net.InetAddress.getLocalHost().getHostName();
        return host == null || host.isBlank() ? "kanyan" : host.replaceAll("\\s+", "-");
      } catch (java.io.IOException unknown) {
        return "kanyan";
      }
    }

    /** How long the writer's lease lasts without a renewal: one interval. */
    public Duration leaseTime() {
      return interval;
    }

    /**
     * How often the writer renews its lease and the other nodes try to take it: a third of the interval, at
     * most a second. A writer that dies is thus replaced within a lease time and one period (less than two
     * intervals), and the new writer makes a checkpoint at once.
     */
    public Duration leasePeriod() {
      Duration third = interval.dividedBy(3);
      return third.compareTo(Duration.ofSeconds(1)) > 0 ? Duration.ofSeconds(1)
          : third.isZero() ? Duration.ofMillis(1) : third;
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
          "true".equalsIgnoreCase(String.valueOf(env.get("KANYAN_READ_ONLY_INVESTIGATION")).trim()), nodeName(env));
    }

    static void checkInterval(Duration interval) {
      if (interval.isNegative() || interval.isZero() || interval.compareTo(Duration.ofSeconds(60)) > 0) {
        throw new IllegalArgumentException("KANYAN_CHECKPOINT_INTERVAL must be 1..60 seconds: the trail "
            + "promises a checkpoint at least every minute");
      }
    }

    public Settings withInterval(Duration newInterval) {
      return new Settings(newInterval, logFile, keyFile, readOnlyInvestigation, node);
    }

    public Settings withReadOnlyInvestigation(boolean readOnly) {
      return new Settings(interval, logFile, keyFile, readOnly, node);
    }

    public Settings withNode(String newNode) {
      return new Settings(interval, logFile, keyFile, readOnlyInvestigation, newNode);
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
  private final Ed25519NoteKey verifier;
  private final String origin;
  private final Clock clock;
  private final Settings settings;
  private final CommitLog commitLog;
  private final LogKeys keys;
  private final TamperAlarms alarms;
  private final List<String> startProblems;
  private final StoreReads reads;
  private final AtomicReference<Future<SignedTreeHead>> running = new AtomicReference<>();
  private final WriterElection election;
  private final LogCopy copy;
  private final SharedAttestations shared;
  /** Findings about Redis's copy while following it (a fork, an edit): reported with the log's problems. */
  private final java.util.Set<String> copyProblems = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private volatile long timerId = -1;
  private volatile Attestations attestations;

  private Checkpoints(Vertx vertx, RedisStore redis, SigningKey key, LogKeys keys, Clock clock, Settings settings,
      CommitLog commitLog, List<String> startProblems) {
    this.vertx = vertx;
    this.redis = redis;
    this.key = key;
    this.keys = keys;
    this.origin = keys.origin();
    Ed25519NoteKey noteKey = key.noteKey(origin);
    this.signer = key.noteSigner(origin);
    this.verifier = noteKey;
    this.clock = clock;
    this.settings = settings;
    this.commitLog = commitLog;
    this.alarms = new TamperAlarms(new Trail(redis, clock));
    this.reads = new StoreReads(redis);
    this.startProblems = List.copyOf(startProblems);
    this.election = new WriterElection(vertx, redis, settings);
    this.copy = new LogCopy(vertx, redis, commitLog, settings.node());
    this.attestations = Attestations.none(vertx, settings.logFile().resolveSibling("attestations"));
    this.attestations.fencedBy(election::stillWriter);
    this.shared = new SharedAttestations(redis, () -> election.held().orElse(null));
  }

  /**
   * Has every new tree head cosigned by witnesses and stamped by a TSA (see {@code recorder/TRAIL.md}): by the
   * writer only, and only while its lease is current.
   */
  public void attestWith(Attestations attestations) {
    attestations.fencedBy(election::stillWriter);
    attestations.sharedThrough(shared);
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

  /**
   * The origin a new log takes from its first key: {@code kanyan/<first 16 hex digits of the key fingerprint>}.
   * It is fixed for the log's life: after a rotation, the key history's first entry keeps it.
   */
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
    return open(vertx, redis, clock, settings, token, Optional.empty());
  }

  /**
   * The same, during a key rotation when {@code previousKey} (the retiring key's PEM file,
   * {@code KANYAN_SIGNING_PREVIOUS_KEY}) is given: the key history ({@link #keyHistoryFile}) gets the configured
   * key announced, signed by the retiring key, before the log is audited against every key it announces.
   *
   * @return failed with {@link io.kanyan.recorder.keys.KeyHistoryException} when the configured key is not in
   *     the history and cannot be announced
   */
  public static Future<Checkpoints> open(Vertx vertx, RedisStore redis, Clock clock, Settings settings,
      Optional<Pkcs11Settings> token, Optional<Path> previousKey) {
    return vertx.executeBlocking(() -> {
      SigningKey key = SigningKey.load(settings.keyFile(), token);
      LogKeys keys;
      try {
        keys = announce(key, previousKey, settings, clock);
      } catch (RuntimeException refused) {
        key.close();
        throw refused;
      }
      CommitLog commitLog = CommitLog.open(settings.logFile(), keys);
      return new Checkpoints(vertx, redis, key, keys, clock, settings, commitLog, List.of());
    }, false).compose(opened -> new StartCheck(vertx, redis, opened.reads, opened.commitLog, settings, opened.copy)
        .run().compose(problems -> {
      if (problems.isEmpty()) {
        return Future.succeededFuture(opened);
      }
      Checkpoints checked = new Checkpoints(vertx, redis, opened.key, opened.keys, clock, settings, opened.commitLog,
          problems);
      problems.forEach(p -> log.error("TAMPERING found at start: {}", p));
      if (!settings.readOnlyInvestigation()) {
        return Future.failedFuture(new RefusedStartException(problems));
      }
      log.error("checkpoints: starting READ-ONLY for investigation (KANYAN_READ_ONLY_INVESTIGATION): nothing "
          + "will be signed");
      return Future.succeededFuture(checked);
    }));
  }

  /**
   * Makes sure the key history ends with {@code key} and returns the keys it announces. The origin is the
   * history's (fixed by its first entry); a log without a history yet takes it from its first key: the
   * retiring key when one is given, else this one. Blocking.
   */
  private static LogKeys announce(SigningKey key, Optional<Path> previousKey, Settings settings, Clock clock) {
    Path historyFile = keyHistoryFile(settings);
    Optional<SigningKey> previous = previousKey.map(Checkpoints::retiringKey);
    String origin = KeyHistory.read(historyFile).origin().orElseGet(() -> originOf(previous.orElse(key)));
    KeyHistory history = KeyHistory.ensure(historyFile, logKey(key, origin), previous.map(p -> logKey(p, origin)),
        clock.instant());
    return LogKeys.of(history.verify(Optional.empty()));
  }

  private static KeyHistory.LogKey logKey(SigningKey key, String origin) {
    return new KeyHistory.LogKey(key.noteSigner(origin), key.noteKey(origin));
  }

  /** The retiring key, read (never generated) from its PEM file. Blocking. */
  private static SigningKey retiringKey(Path pem) {
    if (!Files.isRegularFile(pem)) {
      throw new IllegalArgumentException("KANYAN_SIGNING_PREVIOUS_KEY=" + pem + " does not exist");
    }
    return SigningKey.loadOrCreate(pem);
  }

  /** The published history of the log's signing keys, beside the commitment log. */
  public static Path keyHistoryFile(Settings settings) {
    return settings.logFile().resolveSibling("key-history.json");
  }

  private static String summary(List<String> problems) {
    List<String> shown = problems.subList(0, Math.min(LISTED, problems.size()));
    return String.join("; ", shown) + (problems.size() > LISTED ? "; and " + (problems.size() - LISTED) + " more" : "");
  }

  /**
   * Starts the periodic job (not in read-only investigation): every interval the writer makes a checkpoint and
   * the other nodes follow Redis's copy of the log; every {@link Settings#leasePeriod() lease period} the writer
   * renews its lease and the others try to take it. The first checkpoint is one interval away, unless this node
   * takes the lease over from a writer that stopped.
   */
  public Future<Void> start() {
    if (settings.readOnlyInvestigation()) {
      log.warn("checkpoints: read-only investigation: no checkpoints are made");
      return Future.succeededFuture();
    }
    log.info("checkpoints: every {} ms into {} (origin {}, key fingerprint {}, node {})", settings.interval().toMillis(),
        settings.logFile(), origin, key.fingerprint(), settings.node());
    timerId = vertx.setPeriodic(settings.interval().toMillis(), id -> onInterval());
    return election.start(this::checkpointNow).<Void>mapEmpty().otherwise(err -> {
      log.warn("checkpoints: the writer's lease could not be read yet: {}", err.toString());
      return null;
    });
  }

  /** Stops the periodic job, waits for a checkpoint that is running and gives the writer's lease up. */
  public Future<Void> stop() {
    vertx.cancelTimer(timerId);
    Future<SignedTreeHead> run = running.get();
    Future<Void> settled = run == null ? Future.succeededFuture() : run.<Void>mapEmpty().otherwiseEmpty();
    return settled.compose(x -> election.stop());
  }

  /** Every interval: the writer makes a checkpoint; every other node follows Redis's copy into its file. */
  private void onInterval() {
    if (isWriter()) {
      checkpointNow().onFailure(err -> log.error("checkpoints: making a checkpoint failed; will try again: {}",
          err.toString()));
    } else {
      // Not the writer: follow what it published, and watch this node's own file as the writer watches its own.
      followCopy()
          .compose(x -> vertx.executeBlocking(commitLog::recheck, false))
          .compose(fileProblems -> alarmAll(LOG_SUBJECT, fileProblems))
          .onFailure(err -> log.warn("checkpoints: following Redis's copy of the log failed; will try again: {}",
              err.toString()));
    }
  }

  /**
   * Follows Redis's copy of the log into this node's file; a fork or an edit found there raises an alarm and is
   * reported with the log's problems.
   */
  private Future<Void> followCopy() {
    return copy.sync().compose(findings -> {
      copyProblems.addAll(findings);
      return alarmAll(LOG_SUBJECT, findings);
    }).compose(x -> isWriter() ? Future.succeededFuture()
        : commitLog.latestHead().map(attestations::copyShared).orElse(Future.succeededFuture()));
  }

  /** Whether this instance holds the checkpoint writer's lease (as far as it knows). */
  public boolean isWriter() {
    return election.held().isPresent();
  }

  /**
   * Whether this instance holds the checkpoint writer's lease, checked in Redis (a writer that was paused past its
   * lease learns here that it is not the writer any more).
   */
  public Future<Boolean> stillWriter() {
    return election.stillWriter();
  }

  /** The writer's lease (tests, and the holder's name for operators). */
  public WriterLease lease() {
    return election.lease();
  }

  /**
   * Commits every chain head that moved and extends its committed head. When none moved it makes no new
   * tree head and returns the latest (the very first call always makes one). A call while one is running
   * joins that run. In read-only investigation it signs nothing and returns the latest.
   *
   * <p>Only the writer commits: a node that does not hold the writer's lease (and cannot take it) asks the
   * writer for a checkpoint, waits up to two intervals for it, follows Redis's copy and returns the latest.
   */
  public Future<SignedTreeHead> checkpointNow() {
    if (settings.readOnlyInvestigation()) {
      return commitLog.latestHead().map(Future::succeededFuture)
          .orElseGet(() -> Future.failedFuture(new IllegalStateException("read-only investigation: the log is empty")));
    }
    Promise<SignedTreeHead> mine = Promise.promise();
    Future<SignedTreeHead> current = running.compareAndExchange(null, mine.future());
    if (current != null) {
      // Joining a run another event loop started (an export while the periodic checkpoint runs): answer here.
      return io.kanyan.recorder.loops.KeyedQueue.onCaller(Vertx.currentContext(), current);
    }
    election.becomeWriter()
        .compose(writer -> writer ? writeCheckpoint(election.held().orElse(null)) : awaitWriter())
        .onComplete(done -> {
          running.set(null);
          mine.handle(done);
        });
    return mine.future();
  }

  /** The writer's checkpoint: follow what Redis's copy has, check, then commit what moved under {@code mine}. */
  private Future<SignedTreeHead> writeCheckpoint(WriterLease.Held mine) {
    if (mine == null) {
      return awaitWriter();
    }
    return followCopy()
        .compose(x -> vertx.executeBlocking(commitLog::recheck, false))
        .compose(logProblems -> alarmAll(LOG_SUBJECT, logProblems))
        .compose(x -> reads.scanHeads())
        .compose(this::extendingHeads)
        .compose(moved -> commit(mine, moved));
  }

  /**
   * A node that is not the writer: asks the writer for a checkpoint, waits until it was served or two intervals
   * passed, then follows Redis's copy and returns the latest tree head.
   */
  private Future<SignedTreeHead> awaitWriter() {
    return election.requestCheckpoint(settings.interval().multipliedBy(2)).compose(x -> {
      Optional<WriterLease.Held> mine = election.held();
      // It took the lease over while it waited (the writer had died): it makes the checkpoint itself.
      return mine.isPresent() ? writeCheckpoint(mine.get()) : followCopy().compose(y -> latestOrFail());
    });
  }

  private Future<SignedTreeHead> latestOrFail() {
    return commitLog.latestHead().map(Future::succeededFuture)
        .orElseGet(() -> Future.failedFuture(new IllegalStateException("the commitment log is empty and no "
            + "checkpoint writer made a tree head")));
  }

  private Future<Void> alarmAll(String subject, List<String> findings) {
    return Future.all(findings.stream().map(f -> alarms.raise(subject, f)).toList()).mapEmpty();
  }

  /**
   * The heads to commit, sorted by inspection id: every head that moved and extends its committed head.
   * Raises an alarm for every other, then adds the alarm chain's own head.
   */
  private Future<SortedMap<String, Trail.Head>> extendingHeads(Map<String, String> heads) {
    Map<String, CommitLog.Committed> committed = commitLog.lastCommitted();
    // Filled and pruned from Redis callbacks, which may run on several threads when called from outside Vert.x.
    ConcurrentSkipListMap<String, Trail.Head> moved = new ConcurrentSkipListMap<>();
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
        .compose(x -> reads.inBatches(new ArrayList<>(moved.keySet()), StoreReads.PARALLEL_READS,
            id -> keepIfExtends(id, committed.get(id), moved)))
        .compose(x -> redis.call(c -> c.hget(Trail.HEADS_KEY, TamperAlarms.CHAIN)))
        .compose(alarmHead -> addAlarmChain(alarmHead, committed.get(TamperAlarms.CHAIN), moved));
  }

  /** Drops {@code id} from {@code moved} and raises an alarm when its head does not extend its commitment. */
  private Future<String> keepIfExtends(String id, CommitLog.Committed committed, Map<String, Trail.Head> moved) {
    return extends_(id, committed, moved.get(id)).compose(problem -> {
      if (problem == null) {
        return Future.succeededFuture(null);
      }
      moved.remove(id);
      return alarms.raise(id, problem + "; not signed").map((String) null);
    });
  }

  /** Adds the alarm chain's head when it moved and extends its commitment (its alarms may be this run's). */
  private Future<SortedMap<String, Trail.Head>> addAlarmChain(String alarmHead, CommitLog.Committed committed,
      ConcurrentSkipListMap<String, Trail.Head> moved) {
    if (alarmHead == null) {
      return Future.succeededFuture(moved);
    }
    Trail.Head head = Trail.parseHead(alarmHead);
    if (committed != null && head.seq() == committed.seq() && head.hash().equals(committed.head())) {
      return Future.succeededFuture(moved);
    }
    return extends_(TamperAlarms.CHAIN, committed, head).map(problem -> {
      if (problem == null) {
        moved.put(TamperAlarms.CHAIN, head);
      } else {
        // Logged only: an alarm about the alarm chain on the alarm chain would loop.
        log.error("TAMPER ALARM {}: {}; not signed", TamperAlarms.CHAIN, problem);
      }
      return moved;
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
    Future<List<Map<String, String>>> events = fromSeq == 0 ? reads.readAll(id)
        : reads.readTail(id, head.seq() - fromSeq + 1 + READ_SLACK).compose(tail -> tail.isEmpty()
            || !startsAtOrBefore(tail, fromSeq) ? reads.readAll(id) : Future.succeededFuture(tail));
    return events.map(list -> Extension.check(id, list, fromSeq, fromHead, head.seq(), head.hash()));
  }

  private static boolean startsAtOrBefore(List<Map<String, String>> events, long seq) {
    try {
      return Long.parseLong(events.get(0).get("seq")) <= seq;
    } catch (RuntimeException malformed) {
      return false;
    }
  }

  /**
   * Prepares the next entry, publishes it into Redis's copy fenced by {@code mine}, and only then appends it to
   * this node's file. A refused publication changes nothing: with a stale token this node stops being the writer;
   * when the copy moved on, it follows it. Witnesses and the TSA hear of a tree head only after it was published,
   * and only while the lease is still {@code mine}.
   */
  private Future<SignedTreeHead> commit(WriterLease.Held mine, SortedMap<String, Trail.Head> moved) {
    Optional<SignedTreeHead> previous = commitLog.latestHead();
    if (moved.isEmpty() && previous.isPresent()) {
      return Future.succeededFuture(previous.get());
    }
    List<Leaf> leaves = new ArrayList<>(moved.size());
    moved.forEach((id, head) -> leaves.add(new Leaf(id, head.seq(), head.hash())));
    return vertx.executeBlocking(() -> commitLog.prepare(leaves, signer, origin, treeHeadTime()), false)
        .compose(entry -> copy.publish(mine, entry).compose(published -> switch (published.outcome()) {
          case PUBLISHED -> vertx.executeBlocking(() -> commitLog.commit(entry), false)
              .compose(committed -> copy.recordFile().otherwiseEmpty())
              .compose(x -> attest(entry, leaves.size()));
          case FENCED -> {
            election.stepDown(mine, "Redis refused its tree head #" + entry.number() + ": the lease is "
                + (published.detail().isEmpty() ? "free" : "held by " + published.detail()));
            yield followCopy().compose(x -> latestOrFail());
          }
          case MOVED -> {
            log.warn("checkpoints: tree head #{} not published: Redis's copy of the log moved ({}); following it",
                entry.number(), published.detail());
            yield followCopy().compose(x -> latestOrFail());
          }
        }));
  }

  /** Logs the committed entry and, while the lease is still this writer's, has witnesses and the TSA attest it. */
  private Future<SignedTreeHead> attest(LogEntry entry, int leaves) {
    log.info("checkpoints: #{} commits {} chain head(s), tree size {}", entry.number(), leaves, entry.sth().treeSize());
    // Witnesses and the TSA answer in the background: they never hold up or fail the checkpoint.
    attestations.attest(entry.sth(), this::consistencyProof);
    return Future.succeededFuture(entry.sth());
  }

  /**
   * Now, but never before a rotated key's announcement (a whole second, rounded up): every tree head of the
   * new key is dated at or after it, so a tree head of the retired key dated from then on is tampering. Never
   * before the latest tree head either: another node made it, and its clock may be ahead of this one's.
   */
  private Instant treeHeadTime() {
    Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    LogKeys.Era current = keys.current();
    Instant time = current.number() > 1 && now.isBefore(current.since()) ? current.since() : now;
    Optional<SignedTreeHead> latest = commitLog.latestHead();
    return latest.isPresent() && time.isBefore(latest.get().time()) ? latest.get().time() : time;
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
    // A checkpoint in progress has written the file but maybe not yet Redis: compare once it is done.
    Future<SignedTreeHead> inProgress = running.get();
    Future<Void> settled = inProgress == null ? Future.succeededFuture() : inProgress.<Void>mapEmpty().otherwiseEmpty();
    return settled.compose(x -> followCopy().otherwiseEmpty())
        .compose(x -> vertx.executeBlocking(commitLog::recheck, false)).compose(fileProblems -> {
      List<String> problems = new ArrayList<>(startProblems);
      fileProblems.stream().filter(p -> !problems.contains(p)).forEach(problems::add);
      copyProblems.stream().filter(p -> !problems.contains(p)).forEach(problems::add);
      int entries = commitLog.entries();
      return Future.all(redis.call(c -> c.llen(REDIS_KEY)), redis.call(c -> c.lindex(REDIS_KEY, entries - 1)))
          .map(all -> {
            long length = all.<Long>resultAt(0);
            String last = all.resultAt(1);
            Optional<LogEntry> latest = commitLog.latest();
            // Redis's copy may be ahead by a line the writer published since (followed at the next interval).
            if (latest.isPresent() && (length < entries || !latest.get().line().equals(last))) {
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

  /** The note key this server signs with now (the key history's latest). */
  public Ed25519NoteKey verifier() {
    return verifier;
  }

  /** Every key of the verified key history, each trusted for its era: what tree heads are checked against. */
  public LogKeys keys() {
    return keys;
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
