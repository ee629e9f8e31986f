package io.kanyan.recorder.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded redis-server: a password and private files (issue 9, defect 9), one process per directory, and
 * the orphan a killed JVM leaves behind stopped at the next start (issue 8, item 10).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisServerProcessTest {

  Vertx vertx;
  @TempDir
  Path dir;

  @BeforeEach
  void setUp() throws IOException {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  @Test
  void requiresItsGeneratedPasswordAndKeepsItsFilesPrivate() throws IOException {
    try (RedisServerProcess redis = RedisServerProcess.start(dir, 0)) {
      RedisStore store = RedisStore.connect(vertx, redis.url()).await();
      store.call(c -> c.set("k", "v")).await();
      store.close();
      assertThatThrownBy(() -> RedisStore.connect(vertx, "redis://127.0.0.1:" + redis.port()).await())
          .hasStackTraceContaining("NOAUTH");

      assertThat(mode(dir)).isEqualTo("rwx------");
      try (Stream<Path> files = Files.walk(dir)) {
        List<Path> all = files.filter(p -> !p.equals(dir)).toList();
        assertThat(all).anyMatch(p -> p.getFileName().toString().startsWith("appendonly"));
        for (Path p : all) {
          String mode = mode(p);
          assertThat(mode.substring(3)).as("mode of %s", p).isEqualTo("------");
        }
      }
      assertThat(Files.readString(dir.resolve(RedisServerProcess.CONFIG_FILE))).contains("requirepass");
    }
  }

  @Test
  void refusesASecondServerOnTheSameDirectory() {
    try (RedisServerProcess first = RedisServerProcess.start(dir, 0)) {
      assertThatThrownBy(() -> RedisServerProcess.start(dir, 0))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("another Kanyan server is using");
      assertThat(RedisServerProcess.ours(first.pid(), dir.toAbsolutePath())).isTrue();
    }
    // released on close: a new start works
    RedisServerProcess.start(dir, 0).close();
  }

  @Test
  void stopsTheRedisServerThatAKilledJvmLeftRunning() throws Exception {
    Process jvm = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), OrphanMaker.class.getName(), dir.toString())
        .redirectErrorStream(true).start();
    String ready;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream()))) {
      do {
        ready = out.readLine();
      } while (ready != null && !ready.startsWith("READY "));
    }
    assertThat(ready).as("the child JVM started its redis-server").isNotNull();
    String[] parts = ready.split(" ");
    long orphanPid = Long.parseLong(parts[1]);
    RedisStore before = RedisStore.connect(vertx, parts[2]).await();
    before.call(c -> c.set("written-before-the-crash", "yes")).await();
    before.close();

    jvm.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook runs
    assertThat(ProcessHandle.of(orphanPid).map(ProcessHandle::isAlive)).as("the orphan outlives its JVM")
        .contains(true);

    try (RedisServerProcess again = RedisServerProcess.start(dir, 0)) {
      assertThat(ProcessHandle.of(orphanPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
      RedisStore after = RedisStore.connect(vertx, again.url()).await();
      assertThat(after.call(c -> c.get("written-before-the-crash")).await()).isEqualTo("yes");
      after.close();
    }
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }
}
