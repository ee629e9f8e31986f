package io.kanyan.recorder.trail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kanyan.recorder.log.CommitLog;
import io.kanyan.recorder.log.Leaf;
import io.kanyan.recorder.log.LeafProof;
import io.kanyan.recorder.log.LogEntry;
import io.kanyan.recorder.log.MerkleLog;
import io.kanyan.recorder.log.SignedTreeHead;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.TestRedis;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class CheckpointsTest {

  TestRedis server;
  RedisStore redis;
  Trail trail;
  @TempDir
  Path dataDir;

  @BeforeEach
  void start(Vertx vertx) {
    server = TestRedis.start();
    redis = RedisStore.connect(vertx, server.url()).await();
    trail = new Trail(redis, Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    redis.close();
    server.close();
  }

  Checkpoints open(Vertx vertx) {
    return Checkpoints.open(vertx, redis, Clock.systemUTC(), Checkpoints.Settings.under(dataDir)).await();
  }

  void append(String inspection, int n) {
    for (int i = 0; i < n; i++) {
      trail.append(inspection, EventType.NOTE_ADDED, "user:a", new JsonObject().put("i", i)).await();
    }
  }

  List<String> logLines(Checkpoints checkpoints) throws Exception {
    return Files.readAllLines(checkpoints.settings().logFile());
  }

  @Test
  void checkpointCommitsEveryHeadAsALeafUnderASignedTreeHeadKeptInTheLogAndInRedis(Vertx vertx) throws Exception {
    append("insp-a", 3);
    append("insp-b", 1);
    append("insp-c", 5);
    Checkpoints checkpoints = open(vertx);
    SignedTreeHead sth = checkpoints.checkpointNow().await();

    assertThat(sth.number()).isEqualTo(1);
    assertThat(sth.treeSize()).isEqualTo(3);
    assertThat(sth.prev()).isEqualTo(Chain.GENESIS);
    assertThat(sth.checkpoint().origin()).isEqualTo(checkpoints.origin());
    assertThat(sth.signedBy(checkpoints.verifier())).isTrue();
    assertThat(sth.signedBy(SigningKey.generate().noteKey(checkpoints.origin()))).isFalse();
    List<String> lines = logLines(checkpoints);
    assertThat(lines).hasSize(1);
    assertThat(redis.call(c -> c.lrange(Checkpoints.REDIS_KEY, 0, -1)).await()).containsExactlyElementsOf(lines);
    assertThat(LogEntry.parse(lines.get(0)).leaves()).extracting(Leaf::inspection)
        .containsExactly("insp-a", "insp-b", "insp-c");

    for (String inspection : List.of("insp-a", "insp-b", "insp-c")) {
      CommitLog.Proven proven = checkpoints.prove(inspection).await();
      assertThat(proven.head()).contains(sth);
      LeafProof proof = proven.proofs().get(0);
      List<TrailEvent> events = trail.read(inspection).await();
      assertThat(proof.leaf().seq()).isEqualTo(events.size());
      assertThat(proof.leaf().head()).isEqualTo(events.get(events.size() - 1).hash());
      assertThat(proof.verifies(sth)).isTrue();
    }
    assertThat(checkpoints.prove("insp-unknown").await().proofs()).isEmpty();
  }

  @Test
  void onlyMovedHeadsAreAppendedAndEachTreeHeadIsConsistentWithThePrevious(Vertx vertx) throws Exception {
    append("insp-a", 2);
    append("insp-b", 2);
    Checkpoints checkpoints = open(vertx);
    SignedTreeHead first = checkpoints.checkpointNow().await();
    assertThat(checkpoints.checkpointNow().await()).isEqualTo(first);
    append("insp-a", 1);
    SignedTreeHead second = checkpoints.checkpointNow().await();
    assertThat(second.number()).isEqualTo(2);
    assertThat(second.prev()).isEqualTo(first.hash());
    assertThat(second.treeSize()).isEqualTo(3);
    LogEntry entry = LogEntry.parse(logLines(checkpoints).get(1));
    assertThat(entry.from()).isEqualTo(2);
    assertThat(entry.leaves()).containsExactly(new Leaf("insp-a", 3, trail.read("insp-a").await().get(2).hash()));
    assertThat(MerkleLog.verifyConsistency(2, 3, first.root(), second.root(), entry.consistency())).isTrue();
    // insp-a now has two commitments, both provable against the latest tree head.
    List<LeafProof> proofs = checkpoints.prove("insp-a").await().proofs();
    assertThat(proofs).extracting(p -> p.leaf().seq()).containsExactly(2L, 3L);
    assertThat(proofs).allMatch(p -> p.verifies(second));
    assertThat(redis.call(c -> c.llen(Checkpoints.REDIS_KEY)).await()).isEqualTo(2);
  }

  @Test
  void aLineRedisMissedIsPushedWithTheNextCheckpointAndNoTamperingIsReported(Vertx vertx) throws Exception {
    append("insp-a", 1);
    Checkpoints checkpoints = open(vertx);
    checkpoints.checkpointNow().await();
    // As when Redis was unreachable right after the file got the line.
    redis.call(c -> c.rpop(Checkpoints.REDIS_KEY)).await();
    append("insp-a", 1);
    checkpoints.checkpointNow().await();
    assertThat(redis.call(c -> c.lrange(Checkpoints.REDIS_KEY, 0, -1)).await())
        .containsExactlyElementsOf(logLines(checkpoints));
    assertThat(checkpoints.logProblems().await()).isEmpty();
    assertThat(checkpoints.alarms().count()).isZero();
  }

  @Test
  void checkpointsDuringConcurrentAppendsRaiseNoAlarmAndCommitEveryChain(Vertx vertx) {
    Checkpoints checkpoints = open(vertx);
    List<io.vertx.core.Future<TrailEvent>> appends = new java.util.ArrayList<>();
    for (int i = 0; i < 40; i++) {
      for (int k = 0; k < 5; k++) {
        appends.add(trail.append("insp-" + k, EventType.NOTE_ADDED, "user:a", new JsonObject().put("i", i)));
      }
      if (i % 4 == 0) {
        checkpoints.checkpointNow().await();
      }
    }
    io.vertx.core.Future.all(appends).await();
    checkpoints.checkpointNow().await();
    assertThat(checkpoints.alarms().count()).isZero();
    assertThat(checkpoints.logProblems().await()).isEmpty();
    for (int k = 0; k < 5; k++) {
      List<CommitLog.Committed> committed = checkpoints.commitLog().committed("insp-" + k);
      assertThat(committed.get(committed.size() - 1).seq()).isEqualTo(40);
    }
  }

  @Test
  void signingKeyIsGeneratedOnceWithAPrivateFileAndReloaded(Vertx vertx) throws Exception {
    Checkpoints first = open(vertx);
    Path keyFile = Checkpoints.Settings.under(dataDir).keyFile();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
    assertThat(Files.readString(SigningKey.publicKeyFile(keyFile))).isEqualTo(first.publicKeyPem())
        .startsWith("-----BEGIN PUBLIC KEY-----");
    Checkpoints again = open(vertx);
    assertThat(again.key().fingerprint()).isEqualTo(first.key().fingerprint());
    assertThat(again.verifierKey()).startsWith(again.origin() + "+");
  }

  @Test
  void periodicJobMakesCheckpointsOnItsOwn(Vertx vertx) throws Exception {
    append("insp-a", 1);
    Checkpoints checkpoints = Checkpoints.open(vertx, redis, Clock.systemUTC(),
        Checkpoints.Settings.under(dataDir).withInterval(Duration.ofMillis(100))).await();
    checkpoints.start().await();
    long deadline = System.currentTimeMillis() + 10_000;
    while (checkpoints.latest().isEmpty() && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    checkpoints.stop().await();
    assertThat(checkpoints.latest()).isPresent();
    assertThat(logLines(checkpoints)).hasSize(1);
  }

  @Test
  void afterARestoreTheLogTakesBackCheckedEntriesOnlyRedisHasButOtherwiseThatIsATruncatedLog(Vertx vertx)
      throws Exception {
    append("insp-a", 1);
    Checkpoints checkpoints = open(vertx);
    checkpoints.checkpointNow().await();
    append("insp-a", 1);
    SignedTreeHead second = checkpoints.checkpointNow().await();
    Path log = checkpoints.settings().logFile();
    List<String> lines = logLines(checkpoints);

    // The log lacks #2, Redis has it, and nothing says a backup was restored: the log's last line was removed.
    Files.writeString(log, lines.get(0) + "\n");
    assertThatThrownBy(() -> open(vertx)).isInstanceOf(Checkpoints.RefusedStartException.class)
        .hasMessageContaining("Redis holds entries #2..2: the last line(s) of the log file were removed");

    // deploy/restore.sh leaves a marker: then Redis's entries are checked and appended.
    Files.writeString(checkpoints.settings().restoredMarker(), "");
    assertThat(open(vertx).latest()).contains(second);
    assertThat(Files.readAllLines(log)).containsExactlyElementsOf(lines);
    assertThat(checkpoints.settings().restoredMarker()).doesNotExist();

    // Redis lost its copy of #2 (its events are still there): the log gives it back.
    redis.call(c -> c.rpop(Checkpoints.REDIS_KEY)).await();
    Checkpoints reopened = open(vertx);
    assertThat(reopened.latest()).contains(second);
    assertThat(redis.call(c -> c.lrange(Checkpoints.REDIS_KEY, 0, -1)).await()).containsExactlyElementsOf(lines);
  }

  @Test
  void anEntryInRedisNotSignedByThisServerIsNeverCopiedIntoTheLog(Vertx vertx) throws Exception {
    append("insp-a", 1);
    Checkpoints checkpoints = open(vertx);
    SignedTreeHead first = checkpoints.checkpointNow().await();
    SignedTreeHead forged = SignedTreeHead.sign(SigningKey.generate().noteKey(checkpoints.origin()),
        checkpoints.origin(), 2, first.time(), first.treeSize(), first.root(), first.hash());
    redis.call(c -> c.rpush(Checkpoints.REDIS_KEY, new LogEntry(first.treeSize(), List.of(), List.of(), forged).line()))
        .await();
    Files.writeString(checkpoints.settings().restoredMarker(), "");
    assertThatThrownBy(() -> open(vertx)).isInstanceOf(Checkpoints.RefusedStartException.class)
        .hasMessageContaining("is not signed by the log's key");
    assertThat(logLines(checkpoints)).hasSize(1);
  }

  @Test
  void settingsComeFromTheEnvironmentWithDefaultsUnderTheDataDir() {
    Checkpoints.Settings defaults = Checkpoints.Settings.from(java.util.Map.of(), dataDir);
    assertThat(defaults.interval()).isEqualTo(Duration.ofSeconds(60));
    assertThat(defaults.logFile()).isEqualTo(dataDir.resolve("checkpoints/commitments.jsonl"));
    assertThat(defaults.keyFile()).isEqualTo(dataDir.resolve("keys/checkpoint-ed25519.pem"));
    assertThat(defaults.readOnlyInvestigation()).isFalse();
    Checkpoints.Settings set = Checkpoints.Settings.from(java.util.Map.of("KANYAN_CHECKPOINT_INTERVAL", "15",
        "KANYAN_CHECKPOINT_LOG", "/srv/log/cp.jsonl", "KANYAN_SIGNING_KEY", "/srv/keys/k.pem",
        "KANYAN_READ_ONLY_INVESTIGATION", "true"), dataDir);
    assertThat(set.interval()).isEqualTo(Duration.ofSeconds(15));
    assertThat(set.logFile()).isEqualTo(Path.of("/srv/log/cp.jsonl"));
    assertThat(set.keyFile()).isEqualTo(Path.of("/srv/keys/k.pem"));
    assertThat(set.readOnlyInvestigation()).isTrue();
    assertThatThrownBy(() -> Checkpoints.Settings.from(
        java.util.Map.of("KANYAN_CHECKPOINT_INTERVAL", "600"), dataDir)).hasMessageContaining("1..60");
  }

  @Test
  void aHalfWrittenLastLineOfTheLogIsCutOffAndTheNextCheckpointFollowsOn(Vertx vertx) throws Exception {
    append("insp-a", 1);
    Checkpoints checkpoints = open(vertx);
    SignedTreeHead first = checkpoints.checkpointNow().await();
    Path log = checkpoints.settings().logFile();
    Files.writeString(log, "{\"version\":\"kanyan-log/2\",\"fro", java.nio.file.StandardOpenOption.APPEND);
    Checkpoints reopened = open(vertx);
    assertThat(reopened.latest()).contains(first);
    append("insp-a", 1);
    SignedTreeHead second = reopened.checkpointNow().await();
    assertThat(second.prev()).isEqualTo(first.hash());
    assertThat(Files.readAllLines(log)).hasSize(2);
    assertThat(open(vertx).latest()).contains(second);
  }
}
