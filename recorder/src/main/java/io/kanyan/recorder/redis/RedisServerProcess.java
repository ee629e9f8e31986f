package io.kanyan.recorder.redis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;
import redis.embedded.core.ExecutableProvider;

/**
 * A real redis-server child process with AOF persistence under a data directory: the embedded default.
 *
 * <p>The binary is {@code redis-server} from PATH when there is one, otherwise the Redis 6.2 binary that
 * {@code com.github.codemonstur:embedded-redis} carries inside its jar. Blocking: call it off the event loop.
 */
public final class RedisServerProcess implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RedisServerProcess.class);

  private final RedisServer server;
  private final int port;
  private final Path dir;

  private RedisServerProcess(RedisServer server, int port, Path dir) {
    this.server = server;
    this.port = port;
    this.dir = dir;
  }

  /**
   * Starts redis-server on loopback with {@code appendonly yes}, {@code appendfsync always} and
   * {@code maxmemory-policy noeviction}, keeping its files in {@code dir}.
   *
   * @param port the port, or 0 for any free one
   */
  public static RedisServerProcess start(Path dir, int port) {
    try {
      Files.createDirectories(dir);
      int actualPort = port == 0 ? freePort() : port;
      ExecutableProvider binary = executable();
      RedisServer server = RedisServer.newRedisServer()
          .executableProvider(binary)
          .bind("127.0.0.1")
          .port(actualPort)
          .setting("dir " + dir.toAbsolutePath())
          .setting("appendonly yes")
          .setting("appendfsync always")
          .setting("maxmemory-policy noeviction")
          // Case-file hashes stay compact (listpack) with values up to 1 KB; the alias works on 6.2 and 7.x.
          .setting("hash-max-ziplist-value 1024")
          .setting("save \"\"")
          .setting("protected-mode yes")
          .onShutdownForceStop(true)
          .build();
      server.start();
      log.info("redis: started redis-server on 127.0.0.1:{} with AOF in {}", actualPort, dir);
      return new RedisServerProcess(server, actualPort, dir);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the embedded redis-server in " + dir, e);
    }
  }

  private static ExecutableProvider executable() {
    try {
      return ExecutableProvider.newExecutableInPath("redis-server");
    } catch (IOException notOnPath) {
      return ExecutableProvider.newJarResourceProvider();
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  public int port() {
    return port;
  }

  public Path dir() {
    return dir;
  }

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (IOException e) {
      log.warn("redis: stopping redis-server on port {} failed: {}", port, e.toString());
    }
  }
}
