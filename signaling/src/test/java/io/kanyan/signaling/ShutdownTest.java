package io.kanyan.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.signaling.testing.NodeProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server stopped as an operator stops it (SIGTERM, as {@code systemctl stop} or Ctrl-C does) on its embedded Redis:
 * the server closes first and its Redis after, so nothing is written to a Redis that is going away and the log stays
 * quiet. (The embedded redis-server's own exit hook used to run beside the server's, and Lettuce logged the lost
 * connection: "Cannot reconnect", "Connection is already closed".)
 */
class ShutdownTest {

  @Test
  void aStopClosesTheServerThenItsEmbeddedRedisWithoutAWarning(@TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
      Path data) throws Exception {
    NodeProcess node = NodeProcess.start("shutdown", null, data, Map.of("KANYAN_CALL_LOOPS", "1"));
    Path pidFile = data.resolve("redis").resolve("redis-server.pid");
    assertThat(pidFile).exists();
    long redisPid = Long.parseLong(Files.readString(pidFile).trim());
    Optional<ProcessHandle> redis = ProcessHandle.of(redisPid);
    assertThat(redis).isPresent();
    int before = node.log().length();

    node.close(); // SIGTERM, then waits for the exit

    assertThat(node.alive()).isFalse();
    redis.get().onExit().get(20, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(redis.get().isAlive()).isFalse();
    assertThat(pidFile).doesNotExist();
    List<String> stopping = node.log().substring(before).lines()
        .filter(l -> l.contains(" WARN ") || l.contains(" ERROR ")).toList();
    assertThat(stopping).as("warnings and errors while stopping").isEmpty();
  }
}
