package io.kanyan.recorder.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A redis-server child process (from PATH) that a test can kill with SIGKILL and start again over the
 * same files on the same port: AOF on, {@code appendfsync always}, {@code noeviction}, as in
 * {@code deploy/redis.conf}. Blocking: call it from the test thread or {@code executeBlocking}.
 */
public final class KillableRedis implements AutoCloseable {

  private final Path dir;
  private final int port;
  private Process process;

  private KillableRedis(Path dir, int port) {
    this.dir = dir;
    this.port = port;
  }

  /** Starts redis-server in {@code dir} on a free loopback port. */
  public static KillableRedis start(Path dir) {
    try {
      Files.createDirectories(dir);
      KillableRedis redis = new KillableRedis(dir, freePort());
      redis.launch();
      return redis;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts redis-server again over the same directory and port (AOF recovery). */
  public void launch() {
    try {
      ProcessBuilder builder = new ProcessBuilder(List.of("redis-server", "--port", Integer.toString(port),
          "--bind", "127.0.0.1", "--dir", dir.toAbsolutePath().toString(), "--appendonly", "yes",
          "--appendfsync", "always", "--maxmemory-policy", "noeviction", "--save", "", "--hash-max-listpack-value", "1024"))
          .redirectErrorStream(true)
          .redirectOutput(dir.resolve("redis.log").toFile());
      process = builder.start();
      awaitPort();
    } catch (IOException e) {
      throw new UncheckedIOException("could not start redis-server (is it on PATH?)", e);
    }
  }

  private void awaitPort() throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("redis-server exited with " + process.exitValue() + "; see " + dir.resolve("redis.log"));
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        socket.getOutputStream().write("PING\r\n".getBytes());
        byte[] reply = new byte[64];
        int n = socket.getInputStream().read(reply);
        // While the AOF loads Redis answers -LOADING; wait for +PONG.
        if (n > 0 && reply[0] == '+') {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    }
    throw new IOException("redis-server did not answer on port " + port + " within 20 s");
  }

  /** SIGKILL: no shutdown, no final fsync; only what Redis had already fsynced survives. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public long pid() {
    return process.pid();
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

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      kill();
    }
  }
}
