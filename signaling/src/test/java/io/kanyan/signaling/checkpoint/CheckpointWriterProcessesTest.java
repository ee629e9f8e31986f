package io.kanyan.signaling.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.log.CommitLog;
import io.kanyan.recorder.log.Leaf;
import io.kanyan.recorder.log.LogEntry;
import io.kanyan.recorder.log.MerkleLog;
import io.kanyan.recorder.log.TamperAlarms;
import io.kanyan.recorder.redis.RedisServerProcess;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.trail.Checkpoints;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.SigningKey;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.recorder.trail.WriterLease;
import io.kanyan.signaling.testing.NodeProcess;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three Kanyan nodes, each its own JVM, on one redis-server with separate data directories and one signing key: one
 * of them is the checkpoint writer (recorder/TRAIL.md 5.7). Killed with {@code kill -9}, another node takes over and
 * the log goes on; frozen with SIGSTOP past its lease, another takes over, and the old writer publishes nothing when
 * it wakes up. In both, every tree head of the whole log is checked consistent with the next, and every node's log
 * file ends up exactly Redis's copy.
 */
@Timeout(300)
class CheckpointWriterProcessesTest {

  static final int INTERVAL_SECONDS = 2;
  static final Duration WAIT = Duration.ofSeconds(90);
  static final Pattern COMMITS = Pattern.compile("checkpoints: #(\\d+) commits");

  @TempDir
  Path root;
  RedisServerProcess redisServer;
  Vertx vertx;
  RedisStore redis;
  Trail trail;
  Path keyFile;
  final Map<String, NodeProcess> nodes = new LinkedHashMap<>();
  final List<String> inspections = List.of(UUID.randomUUID().toString(), UUID.randomUUID().toString(),
      UUID.randomUUID().toString());
  final AtomicBoolean appending = new AtomicBoolean();
  Thread appender;

  @BeforeEach
  void start() throws Exception {
    redisServer = RedisServerProcess.start(root.resolve("redis"), 0);
    vertx = Vertx.vertx();
    redis = RedisStore.connect(vertx, redisServer.url()).await();
    trail = new Trail(redis, Clock.systemUTC());
    // One signing key for the log, whichever node writes it (a PKCS#11 token or a shared PEM file in production).
    keyFile = root.resolve("shared-key/checkpoint-ed25519.pem");
    SigningKey.loadOrCreate(keyFile);
    // One after the other: nodes started at the same moment race to create the first administrator.
    for (String name : List.of("node-1", "node-2", "node-3")) {
      nodes.put(name, startNode(name));
    }
  }

  NodeProcess startNode(String name) {
    try {
      return NodeProcess.start(name, redisServer.url(), root.resolve(name), Map.of(
          "KANYAN_SIGNING_KEY", keyFile.toString(),
          "KANYAN_CHECKPOINT_INTERVAL", Integer.toString(INTERVAL_SECONDS)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @AfterEach
  void stop() throws Exception {
    stopAppending();
    for (NodeProcess node : nodes.values()) {
      node.close();
    }
    if (redis != null) {
      redis.close();
    }
    if (vertx != null) {
      vertx.close().await();
    }
    if (redisServer != null) {
      redisServer.close();
    }
  }

  /** Trail activity: events on three inspections, one every 50 ms, until stopped. */
  void startAppending() {
    appending.set(true);
    appender = new Thread(() -> {
      int i = 0;
      while (appending.get()) {
        String id = inspections.get(i % inspections.size());
        trail.append(id, EventType.NOTE_ADDED, "user:test", new JsonObject().put("i", i++)).await();
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "appender");
    appender.start();
  }

  void stopAppending() throws InterruptedException {
    appending.set(false);
    if (appender != null) {
      appender.join(30_000);
    }
  }

  Optional<String> writer() {
    return Optional.ofNullable(redis.call(c -> c.get(WriterLease.KEY)).await()).map(WriterLease::nodeOf);
  }

  List<String> copy() {
    return redis.call(c -> c.lrange(Checkpoints.REDIS_KEY, 0, -1)).await();
  }

  void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        StringBuilder logs = new StringBuilder();
        nodes.values().forEach(n -> logs.append("\n--- ").append(n.name()).append(":\n").append(tail(n.log())));
        throw new AssertionError("not within " + WAIT + ": " + what + logs);
      }
      Thread.sleep(100);
    }
  }

  static String tail(String log) {
    return log.length() > 6000 ? log.substring(log.length() - 6000) : log;
  }

  /** Waits until a tree head commits the current head of every inspection (after the appends stopped). */
  void awaitEverythingCommitted() throws InterruptedException {
    Map<String, String> heads = redis.call(c -> c.hgetall(Trail.HEADS_KEY)).await();
    await("a tree head that commits every inspection's last event", () -> {
      Map<String, Long> committed = new HashMap<>();
      for (String line : copy()) {
        for (Leaf leaf : LogEntry.parse(line).leaves()) {
          committed.put(leaf.inspection(), leaf.seq());
        }
      }
      return inspections.stream().allMatch(id -> committed.getOrDefault(id, 0L) == Trail.parseHead(heads.get(id)).seq());
    });
  }

  /**
   * The whole published log, checked with the project's own audit ({@link CommitLog#open}: numbering, links,
   * signatures, leaves against roots, consistency proofs) and, pair by pair, every tree head consistent with the next.
   */
  void assertNoFork() throws Exception {
    List<String> lines = copy();
    Path file = root.resolve("published-" + System.nanoTime() + ".jsonl");
    Files.write(file, lines);
    SigningKey key = SigningKey.loadOrCreate(keyFile);
    CommitLog audited = CommitLog.open(file, key.noteKey(Checkpoints.originOf(key)));
    assertThat(audited.problems()).isEmpty();
    assertThat(audited.entries()).isEqualTo(lines.size());
    LogEntry previous = null;
    for (String line : lines) {
      LogEntry entry = LogEntry.parse(line);
      if (previous != null) {
        assertThat(entry.number()).isEqualTo(previous.number() + 1);
        assertThat(entry.sth().prev()).isEqualTo(previous.sth().hash());
        assertThat(MerkleLog.verifyConsistency(previous.sth().treeSize(), entry.sth().treeSize(), previous.sth().root(),
            entry.sth().root(), entry.consistency()))
            .as("tree head #%d is consistent with #%d", entry.number(), previous.number()).isTrue();
      }
      previous = entry;
    }
    assertThat(redis.call(c -> c.xlen("kanyan:trail:{" + TamperAlarms.CHAIN + "}")).await())
        .as("no node raised a tamper alarm").isZero();
  }

  /** Every running node's log file ends up exactly Redis's copy (the followers catch up within an interval). */
  void assertEveryFileIsTheCopy() throws InterruptedException {
    List<String> published = copy();
    for (NodeProcess node : nodes.values()) {
      Path file = node.dataDir().resolve("checkpoints/commitments.jsonl");
      await(node.name() + "'s log file is Redis's copy", () -> {
        try {
          return Files.exists(file) && Files.readAllLines(file).equals(published);
        } catch (java.io.IOException e) {
          return false;
        }
      });
    }
  }

  @Test
  void aKilledWriterIsReplacedAndTheLogGoesOn() throws Exception {
    startAppending();
    await("a writer with two tree heads published", () -> writer().isPresent() && copy().size() >= 2);
    String killed = writer().orElseThrow();
    NodeProcess victim = nodes.get(killed);
    victim.kill9();
    long killedAt = System.nanoTime();
    int publishedBefore = copy().size();

    await("another node takes the writer's lease", () -> writer().filter(w -> !w.equals(killed)).isPresent());
    long tookOver = System.nanoTime();
    await("the new writer publishes", () -> copy().size() > publishedBefore);
    long published = System.nanoTime();
    System.out.printf("checkpoint writer %s killed: %s took the lease after %d ms and published after %d ms "
        + "(interval %d s)%n", killed, writer().orElseThrow(), (tookOver - killedAt) / 1_000_000,
        (published - killedAt) / 1_000_000, INTERVAL_SECONDS);

    stopAppending();
    awaitEverythingCommitted();
    // The killed node comes back: its file is behind Redis's copy, which it follows after checking every line.
    nodes.put(killed, NodeProcess.start(killed, redisServer.url(), victim.dataDir(), Map.of(
        "KANYAN_SIGNING_KEY", keyFile.toString(),
        "KANYAN_CHECKPOINT_INTERVAL", Integer.toString(INTERVAL_SECONDS))));
    assertNoFork();
    assertEveryFileIsTheCopy();
  }

  @Test
  void aWriterFrozenPastItsLeasePublishesNothingWhenItWakesUp() throws Exception {
    startAppending();
    await("a writer with two tree heads published", () -> writer().isPresent() && copy().size() >= 2);
    String frozen = writer().orElseThrow();
    NodeProcess old = nodes.get(frozen);
    old.pause();
    int publishedBefore = copy().size();

    await("another node takes the lease and publishes twice",
        () -> writer().filter(w -> !w.equals(frozen)).isPresent() && copy().size() >= publishedBefore + 2);
    String successor = writer().orElseThrow();
    int logBefore = old.log().length();
    old.resume();
    await(frozen + " notices it is no longer the writer",
        () -> old.log().substring(logBefore).contains("is no longer the checkpoint writer"));
    // The appends go on for a few more intervals under the new writer.
    int publishedAfterResume = copy().size();
    await("the new writer goes on publishing", () -> copy().size() >= publishedAfterResume + 2);
    stopAppending();
    awaitEverythingCommitted();

    String woke = old.log().substring(logBefore);
    Matcher commits = COMMITS.matcher(woke);
    while (commits.find()) {
      assertThat(Long.parseLong(commits.group(1))).as("a tree head the frozen writer committed after it woke up")
          .isLessThanOrEqualTo(publishedBefore);
    }
    assertThat(writer()).contains(successor);
    System.out.printf("checkpoint writer %s frozen; %s took over; after SIGCONT %s said: %s%n", frozen, successor,
        frozen, woke.lines().filter(l -> l.contains("no longer the checkpoint writer")).findFirst().orElse(""));
    assertNoFork();
    assertEveryFileIsTheCopy();
  }
}
