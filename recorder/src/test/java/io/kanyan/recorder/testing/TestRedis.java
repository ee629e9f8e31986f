package io.kanyan.recorder.testing;

import io.kanyan.recorder.redis.RedisServerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real redis-server process for tests (redis-server from PATH, or the one bundled in embedded-redis),
 * with AOF on, in a fresh temporary directory. Shared by the recorder and signaling test suites.
 */
public final class TestRedis implements AutoCloseable {

  private final Path dir;
  private RedisServerProcess process;

  private TestRedis(Path dir, RedisServerProcess process) {
    this.dir = dir;
    this.process = process;
  }

  public static TestRedis start() {
    try {
      Path dir = Files.createTempDirectory("kanyan-test-redis");
      return new TestRedis(dir, RedisServerProcess.start(dir, 0));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
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

  /** Stops the process and starts a new one on the same port over the same files (AOF recovery). */
  public void restart() {
    process = process.restart();
  }

  @Override
  public void close() {
    process.close();
  }
}
