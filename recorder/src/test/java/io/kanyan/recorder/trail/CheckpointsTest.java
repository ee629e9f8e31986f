package io.kanyan.recorder.trail;

import static org.assertj.core.api.Assertions.assertThat;

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

  @Test
  void checkpointCommitsEveryHeadSignedAndKeptInTheLogAndInRedis(Vertx vertx) throws Exception {
    append("insp-a", 3);
    append("insp-b", 1);
    append("insp-c", 5);
    Checkpoints checkpoints = open(vertx);
    Checkpoint cp = checkpoints.checkpointNow().await();

    assertThat(cp.number()).isEqualTo(1);
    assertThat(cp.treeSize()).isEqualTo(3);
    assertThat(cp.prev()).isEqualTo(Chain.GENESIS);
    assertThat(cp.signedBy(checkpoints.key().publicKey())).isTrue();
    assertThat(cp.signedBy(SigningKey.generate().publicKey())).isFalse();
    assertThat(checkpoints.readLatestFromLog().await()).contains(cp);
    assertThat(checkpoints.readLatestFromRedis().await()).contains(cp);

    for (String inspection : List.of("insp-a", "insp-b", "insp-c")) {
      InclusionProof proof = checkpoints.prove(cp, inspection).await().orElseThrow();
      List<TrailEvent> events = trail.read(inspection).await();
      assertThat(proof.seq()).isEqualTo(events.size());
      assertThat(proof.head()).isEqualTo(events.get(events.size() - 1).hash());
      assertThat(proof.verifies(cp)).isTrue();
    }
    assertThat(checkpoints.prove(cp, "insp-unknown").await()).isEmpty();
  }

  @Test
  void noNewCheckpointWhileNoHeadMovesAndANewOneLinksToThePrevious(Vertx vertx) {
    append("insp-a", 2);
    Checkpoints checkpoints = open(vertx);
    Checkpoint first = checkpoints.checkpointNow().await();
    assertThat(checkpoints.checkpointNow().await()).isEqualTo(first);
    append("insp-a", 1);
    Checkpoint second = checkpoints.checkpointNow().await();
    assertThat(second.number()).isEqualTo(2);
    assertThat(second.prev()).isEqualTo(first.hash());
    assertThat(second.root()).isNotEqualTo(first.root());
    assertThat(redis.call(c -> c.llen(Checkpoints.REDIS_KEY)).await()).isEqualTo(2);
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
    assertThat(checkpoints.readLatestFromLog().await()).isEqualTo(checkpoints.latest());
  }

  @Test
  void atStartTheLogTakesBackSignedCheckpointsOnlyRedisHasAndRedisThoseOnlyTheLogHas(Vertx vertx) throws Exception {
    append("insp-a", 1);
    Checkpoints checkpoints = open(vertx);
    Checkpoint first = checkpoints.checkpointNow().await();
    append("insp-a", 1);
    Checkpoint second = checkpoints.checkpointNow().await();
    Path log = checkpoints.settings().logFile();
    List<String> lines = Files.readAllLines(log);

    // As after restoring a backup whose log was copied before Redis: the log lacks #2.
    Files.writeString(log, lines.get(0) + "\n");
    assertThat(open(vertx).latest()).contains(second);
    assertThat(Files.readAllLines(log)).containsExactlyElementsOf(lines);

    // As after restoring Redis from an older copy: Redis lacks #2.
    redis.call(c -> c.rpop(Checkpoints.REDIS_KEY)).await();
    Checkpoints reopened = open(vertx);
    assertThat(reopened.readLatestFromRedis().await()).contains(second);
    assertThat(reopened.latest()).contains(second);
    assertThat(first.number()).isEqualTo(1);
  }

  @Test
  void aCheckpointInRedisNotSignedByThisServerIsNotCopiedIntoTheLog(Vertx vertx) throws Exception {
    append("insp-a", 1);
    Checkpoints checkpoints = open(vertx);
    Checkpoint first = checkpoints.checkpointNow().await();
    Checkpoint forged = Checkpoint.sign(SigningKey.generate(), 2, first.time(), 1, "00".repeat(32), first.hash());
    redis.call(c -> c.rpush(Checkpoints.REDIS_KEY, forged.toJson().encode())).await();
    assertThat(open(vertx).latest()).contains(first);
    assertThat(Files.readAllLines(checkpoints.settings().logFile())).hasSize(1);
  }

  @Test
  void settingsComeFromTheEnvironmentWithDefaultsUnderTheDataDir() {
    Checkpoints.Settings defaults = Checkpoints.Settings.from(java.util.Map.of(), dataDir);
    assertThat(defaults.interval()).isEqualTo(Duration.ofSeconds(60));
    assertThat(defaults.logFile()).isEqualTo(dataDir.resolve("checkpoints/checkpoints.jsonl"));
    assertThat(defaults.keyFile()).isEqualTo(dataDir.resolve("keys/checkpoint-ed25519.pem"));
    Checkpoints.Settings set = Checkpoints.Settings.from(java.util.Map.of("KANYAN_CHECKPOINT_INTERVAL", "15",
        "KANYAN_CHECKPOINT_LOG", "/srv/log/cp.jsonl", "KANYAN_SIGNING_KEY", "/srv/keys/k.pem"), dataDir);
    assertThat(set.interval()).isEqualTo(Duration.ofSeconds(15));
    assertThat(set.logFile()).isEqualTo(Path.of("/srv/log/cp.jsonl"));
    assertThat(set.keyFile()).isEqualTo(Path.of("/srv/keys/k.pem"));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Checkpoints.Settings.from(
        java.util.Map.of("KANYAN_CHECKPOINT_INTERVAL", "600"), dataDir)).hasMessageContaining("1..60");
  }

  @Test
  void aHalfWrittenLastLineOfTheLogIsSkippedAndTheNextCheckpointStartsAFreshLine(Vertx vertx) throws Exception {
    append("insp-a", 1);
    Checkpoints checkpoints = open(vertx);
    Checkpoint first = checkpoints.checkpointNow().await();
    Path log = checkpoints.settings().logFile();
    Files.writeString(log, "{\"version\":\"kanyan-checkpoint/1\",\"numb", java.nio.file.StandardOpenOption.APPEND);
    Checkpoints reopened = open(vertx);
    assertThat(reopened.latest()).contains(first);
    append("insp-a", 1);
    Checkpoint second = reopened.checkpointNow().await();
    assertThat(second.prev()).isEqualTo(first.hash());
    assertThat(reopened.readLatestFromLog().await()).contains(second);
    assertThat(Files.readAllLines(log)).hasSize(3);
  }
}
