package io.kanyan.recorder.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.KillableRedis;
import io.kanyan.recorder.log.SignedTreeHead;
import io.kanyan.recorder.trail.Checkpoints;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** deploy/backup.sh and deploy/restore.sh against real redis-server processes. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class BackupRestoreTest {

  static final Path DEPLOY = Path.of("..", "deploy").toAbsolutePath().normalize();

  @Test
  void backupWipeAndRestoreGiveBackEveryChainFileAndCheckpoint(Vertx vertx, @TempDir Path root) throws Exception {
    Path redisDir = root.resolve("redis");
    Path dataDir = root.resolve("data");
    KillableRedis server = KillableRedis.start(redisDir);
    RedisStore redis = RedisStore.connect(vertx, server.url()).await();
    Trail trail = new Trail(redis, Clock.systemUTC());
    Map<String, Integer> lengths = new HashMap<>();
    for (int i = 0; i < 5; i++) {
      String inspection = "insp-" + i;
      for (int n = 0; n < 20; n++) {
        trail.append(inspection, EventType.NOTE_ADDED, "user:wang", new JsonObject().put("n", n)).await();
      }
      byte[] jpeg = ("snapshot of " + inspection).getBytes(StandardCharsets.UTF_8);
      String file = "snapshots/" + inspection + "/1.jpg";
      Files.createDirectories(dataDir.resolve(file).getParent());
      Files.write(dataDir.resolve(file), jpeg);
      trail.append(inspection, EventType.SNAPSHOT_TAKEN, "user:wang", new JsonObject().put("file", file)
          .put("sha256", Verifier.sha256(new ByteArrayInputStream(jpeg)))).await();
      lengths.put(inspection, 21);
    }
    Checkpoints checkpoints = Checkpoints.open(vertx, redis, Clock.systemUTC(), Checkpoints.Settings.under(dataDir)).await();
    checkpoints.checkpointNow().await();
    trail.append("insp-0", EventType.INSPECTION_ENDED, "user:wang", new JsonObject()).await();
    lengths.put("insp-0", 22);
    SignedTreeHead before = checkpoints.checkpointNow().await();
    assertThat(before.number()).isEqualTo(2);

    Path backup = root.resolve("backup");
    run(Map.of("KANYAN_DATA_DIR", dataDir.toString(), "REDIS_PORT", Integer.toString(server.port())),
        DEPLOY.resolve("backup.sh").toString(), backup.toString());
    assertThat(backup.resolve("SHA256SUMS")).exists();

    // Wipe: the server and every file are gone.
    redis.close();
    server.close();
    deleteTree(redisDir);
    deleteTree(dataDir);

    Path newRedisDir = root.resolve("redis2");
    Path newDataDir = root.resolve("data2");
    run(Map.of("RESTORE_PORT", Integer.toString(freePort())), DEPLOY.resolve("restore.sh").toString(),
        backup.toString(), newRedisDir.toString(), newDataDir.toString());
    assertThat(newRedisDir.resolve("appendonlydir")).isDirectory();

    KillableRedis restored = KillableRedis.start(newRedisDir);
    RedisStore redis2 = RedisStore.connect(vertx, restored.url()).await();
    try {
      Trail trail2 = new Trail(redis2, Clock.systemUTC());
      Checkpoints checkpoints2 = Checkpoints.open(vertx, redis2, Clock.systemUTC(),
          Checkpoints.Settings.under(newDataDir)).await();
      assertThat(checkpoints2.latest()).contains(before);
      assertThat(checkpoints2.key().fingerprint()).isEqualTo(checkpoints.key().fingerprint());
      Verifier verifier = new Verifier(vertx, trail2, checkpoints2, newDataDir);
      for (Map.Entry<String, Integer> e : lengths.entrySet()) {
        Verdict verdict = verifier.verify(e.getKey()).await();
        assertThat(verdict.problems()).as(verdict.describe()).isEmpty();
        assertThat(verdict.notes()).as(verdict.describe()).isEmpty();
        assertThat(trail2.read(e.getKey()).await()).hasSize(e.getValue());
      }
      // The restored store keeps working: appends continue the restored chains.
      trail2.append("insp-1", EventType.NOTE_ADDED, "user:wang", new JsonObject()).await();
      assertThat(verifier.verify("insp-1").await().valid()).isTrue();
    } finally {
      redis2.close();
      restored.close();
    }
  }

  @Test
  void restoreRefusesADamagedBackup(@TempDir Path root) throws Exception {
    Path backup = root.resolve("backup");
    Files.createDirectories(backup.resolve("redis"));
    Files.createDirectories(backup.resolve("data"));
    Files.writeString(backup.resolve("redis/dump.rdb"), "not what was backed up");
    Files.writeString(backup.resolve("SHA256SUMS"),
        "0000000000000000000000000000000000000000000000000000000000000000  ./redis/dump.rdb\n");
    Process p = start(Map.of(), DEPLOY.resolve("restore.sh").toString(), backup.toString(),
        root.resolve("r").toString(), root.resolve("d").toString());
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).isNotZero();
    assertThat(out).contains("fails its checksums");
    assertThat(root.resolve("r")).doesNotExist();
  }

  private static void run(Map<String, String> env, String... command) throws Exception {
    Process p = start(env, command);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(String.join(" ", command) + " said:\n" + out).isZero();
  }

  private static Process start(Map<String, String> env, String... command) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(Stream.concat(Stream.of("bash"), Stream.of(command)).toList())
        .redirectErrorStream(true);
    builder.environment().putAll(env);
    return builder.start();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
