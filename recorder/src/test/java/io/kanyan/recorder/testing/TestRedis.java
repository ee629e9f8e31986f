package io.kanyan.recorder.testing;

import io.kanyan.recorder.redis.RedisServerProcess;
import java.nio.file.Path;

/**
 * A real redis-server process for tests (redis-server from PATH, or the one bundled in embedded-redis),
 * with AOF on, in a fresh temporary directory that {@link #close()} deletes. Shared by the recorder and signaling
 * test suites.
 */
public final class TestRedis implements AutoCloseable {

  private final Path dir;
  private RedisServerProcess process;

  private TestRedis(Path dir, RedisServerProcess process) {
    this.dir = dir;
    this.process = process;
  }

  public static TestRedis start() {
    Path dir = TempDirs.create("kanyan-test-redis");
    try {
      return new TestRedis(dir, RedisServerProcess.start(dir, 0));
    } catch (RuntimeException e) {
      TempDirs.delete(dir);
      throw e;
    }
  }

  public String url() {
    return process.url();
  }

  public int port() {
    return process.port();
  }

  public Path dir() {
    return dir;
  }

  /** Stops redis-server as an outage does: its files stay, and {@link #restart()} brings it back over them. */
  public void stop() {
    process.close();
  }

  /** Stops the process and starts a new one on the same port over the same files (AOF recovery). */
  public void restart() {
    process = process.restart();
  }

  @Override
  public void close() {
    try {
      process.close();
    } finally {
      TempDirs.delete(dir);
    }
  }
}
