package io.kanyan.recorder.redis;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.core.ExecutableProvider;

/**
 * A real redis-server child process with AOF persistence under a directory: the embedded default.
 *
 * <p>The binary is {@code redis-server} from PATH when there is one (Debian's, installed by
 * {@code deploy/run.sh}), otherwise the Redis 6.2 binary that {@code com.github.codemonstur:embedded-redis}
 * carries inside its jar (with a warning: that build has known Lua sandbox CVEs).
 *
 * <p>Local users cannot use it: it listens on loopback only and requires a password generated at each start
 * (written only into its configuration file, mode 600), and it runs with umask 077 in a directory of mode 700,
 * so the AOF is readable by this user alone.
 *
 * <p>One directory, one redis-server: this JVM holds a lock on {@code kanyan.lock} in the directory while the
 * process runs, and a second start on the same directory is refused. A redis-server that a killed JVM left
 * running (it survives {@code kill -9} of its parent) is found at the next start through {@code redis-server.pid}
 * and {@code /proc} (a redis process whose working directory is this directory) and stopped before a new one
 * starts. Blocking: call it off the event loop.
 */
public final class RedisServerProcess implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RedisServerProcess.class);
  static final String CONFIG_FILE = "kanyan-redis.conf";
  static final String PID_FILE = "redis-server.pid";
  static final String LOCK_FILE = "kanyan.lock";
  private static final long START_TIMEOUT_MS = 20_000;

  private final Process process;
  private final int port;
  private final Path dir;
  private final String password;
  private final FileChannel lockChannel;
  private final Thread shutdownHook;

  private RedisServerProcess(Process process, int port, Path dir, String password, FileChannel lockChannel) {
    this.process = process;
    this.port = port;
    this.dir = dir;
    this.password = password;
    this.lockChannel = lockChannel;
    this.shutdownHook = new Thread(this::stopProcess, "kanyan-redis-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * Starts redis-server on loopback with {@code appendonly yes}, {@code appendfsync always},
   * {@code maxmemory-policy noeviction} and a generated password, keeping its files in {@code dir}.
   *
   * @param port the port, or 0 for any free one
   * @throws IllegalStateException when another process of this machine holds the directory
   */
  public static RedisServerProcess start(Path dir, int port) {
    return start(dir, port, newPassword());
  }

  /**
   * Stops this redis-server and starts a new one over the same files, port and password, so that connected
   * clients reconnect by themselves (tests of a Redis restart).
   */
  public RedisServerProcess restart() {
    close();
    return start(dir, port, password);
  }

  private static RedisServerProcess start(Path dir, int port, String password) {
    Path home = dir.toAbsolutePath().normalize();
    FileChannel lock = null;
    try {
      PrivateFiles.directory(home);
      lock = lock(home);
      stopOrphans(home);
      int actualPort = port == 0 ? freePort() : port;
      Path config = home.resolve(CONFIG_FILE);
      PrivateFiles.write(config, config(home, actualPort, password));
      String binary = executable();
      // umask 077: the AOF and everything else redis-server creates is readable by this user only.
      Process process = new ProcessBuilder("/bin/sh", "-c", "umask 077 && exec \"$0\" \"$1\"", binary,
          config.toString()).redirectErrorStream(true).start();
      PrivateFiles.write(home.resolve(PID_FILE), Long.toString(process.pid()));
      awaitReady(process, home);
      log.info("redis: started redis-server (pid {}) on 127.0.0.1:{} with AOF in {}", process.pid(), actualPort, home);
      return new RedisServerProcess(process, actualPort, home, password, lock);
    } catch (IOException e) {
      release(lock);
      throw new UncheckedIOException("could not start the embedded redis-server in " + home, e);
    } catch (RuntimeException e) {
      release(lock);
      throw e;
    }
  }

  private static String config(Path home, int port, String password) {
    return String.join("\n",
        "bind 127.0.0.1",
        "port " + port,
        "protected-mode yes",
        "requirepass " + password,
        "dir \"" + home + "\"",
        "appendonly yes",
        "appendfsync always",
        "maxmemory-policy noeviction",
        // Case-file hashes stay compact (listpack) with values up to 1 KB; the alias works on 6.2 and 7.x.
        "hash-max-ziplist-value 1024",
        "save \"\"",
        "daemonize no",
        "") ;
  }

  private static FileChannel lock(Path home) throws IOException {
    FileChannel channel = FileChannel.open(home.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    PrivateFiles.restrict(home.resolve(LOCK_FILE));
    FileLock held;
    try {
      held = channel.tryLock();
    } catch (OverlappingFileLockException sameJvm) {
      held = null;
    }
    if (held == null) {
      channel.close();
      throw new IllegalStateException("another Kanyan server is using " + home + " (it holds " + LOCK_FILE
          + "); stop it first: two redis-servers must never share one data directory");
    }
    return channel;
  }

  /** Stops any redis-server still running in {@code home}: a JVM killed without its shutdown hooks left it. */
  private static void stopOrphans(Path home) throws IOException {
    Path pidFile = home.resolve(PID_FILE);
    Optional<Long> recorded = Optional.empty();
    if (Files.exists(pidFile)) {
      try {
        recorded = Optional.of(Long.parseLong(Files.readString(pidFile).trim()));
      } catch (NumberFormatException e) {
        log.warn("redis: ignoring an unreadable {}", pidFile);
      }
    }
    List<Long> candidates = Stream.concat(recorded.stream(), redisProcessesIn(home).stream()).distinct().toList();
    for (long pid : candidates) {
      if (ours(pid, home)) {
        stop(pid, home);
      }
    }
    Files.deleteIfExists(pidFile);
  }

  /** A live redis process whose working directory is {@code home} (redis-server changes into its {@code dir}). */
  static boolean ours(long pid, Path home) {
    Path proc = Path.of("/proc", Long.toString(pid));
    try {
      String cmdline = Files.readString(proc.resolve("cmdline"), StandardCharsets.ISO_8859_1);
      return cmdline.contains("redis") && Files.readSymbolicLink(proc.resolve("cwd")).equals(home.toRealPath());
    } catch (IOException | SecurityException e) {
      return false; // gone, not ours to look at, or no /proc
    }
  }

  private static List<Long> redisProcessesIn(Path home) {
    try (Stream<Path> all = Files.list(Path.of("/proc"))) {
      return all.map(p -> p.getFileName().toString()).filter(n -> n.chars().allMatch(Character::isDigit))
          .map(Long::parseLong).filter(pid -> pid != ProcessHandle.current().pid() && ours(pid, home)).toList();
    } catch (IOException | UncheckedIOException e) {
      return List.of();
    }
  }

  private static void stop(long pid, Path home) {
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    if (handle.isEmpty()) {
      return;
    }
    log.warn("redis: a redis-server (pid {}) left running by an earlier start (killed without shutting down) still "
        + "holds {}; stopping it", pid, home);
    handle.get().destroy(); // SIGTERM: redis-server fsyncs its AOF and exits
    try {
      handle.get().onExit().get(15, TimeUnit.SECONDS);
    } catch (Exception timedOut) {
      log.warn("redis: pid {} did not stop within 15 s; killing it", pid);
      handle.get().destroyForcibly();
      try {
        handle.get().onExit().get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("could not stop the redis-server (pid " + pid + ") left in " + home, e);
      }
    }
  }

  private static void awaitReady(Process process, Path home) throws IOException {
    CompletableFuture<Void> ready = new CompletableFuture<>();
    Deque<String> lastLines = new ArrayDeque<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null) {
          if (!ready.isDone()) {
            synchronized (lastLines) {
              lastLines.addLast(line);
              if (lastLines.size() > 20) {
                lastLines.removeFirst();
              }
            }
            if (line.contains("Ready to accept connections")) {
              ready.complete(null);
            }
          } else {
            log.debug("redis-server: {}", line);
          }
        }
      } catch (IOException e) {
        // the process ended
      }
      ready.complete(null);
    }, "kanyan-redis-output");
    reader.setDaemon(true);
    reader.start();
    try {
      ready.get(START_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      process.destroyForcibly();
      throw new IOException("redis-server did not start within " + START_TIMEOUT_MS / 1000 + " s", e);
    }
    if (!process.isAlive()) {
      String output;
      synchronized (lastLines) {
        output = String.join("\n", lastLines);
      }
      throw new IOException("redis-server exited at start with status " + process.exitValue() + ":\n" + output);
    }
  }

  private static String executable() throws IOException {
    try {
      return ExecutableProvider.newExecutableInPath("redis-server").get().getAbsolutePath();
    } catch (IOException notOnPath) {
      log.warn("redis: no redis-server on PATH; using the Redis 6.2 binary bundled in the jar, which has known Lua "
          + "sandbox CVEs. Install Debian's redis-server (deploy/run.sh does) or set REDIS_URL.");
      return ExecutableProvider.newJarResourceProvider().get().getAbsolutePath();
    }
  }

  private static String newPassword() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
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

  /** The process id, so tests can kill it as a crash would. */
  public long pid() {
    return process.pid();
  }

  /** The URL to connect with, password included: keep it out of logs. */
  public String url() {
    return "redis://:" + password + "@127.0.0.1:" + port;
  }

  private void stopProcess() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
          log.warn("redis: redis-server on port {} did not stop within 15 s; killing it", port);
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Its owner stops it on exit, after the owner's last command ({@link #close} from the owner's own exit hook): the
   * hook that would stop it at the same moment as the owner's, while the owner may still be writing, is removed.
   */
  public void stopWithOwner() {
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // the JVM is exiting already: the hook runs
    }
  }

  @Override
  public void close() {
    stopProcess();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or has run
    }
    try {
      Files.deleteIfExists(dir.resolve(PID_FILE));
    } catch (IOException e) {
      log.warn("redis: could not remove {}: {}", dir.resolve(PID_FILE), e.toString());
    }
    release(lockChannel);
  }

  private static void release(FileChannel lock) {
    if (lock != null) {
      try {
        lock.close(); // releases the lock
      } catch (IOException e) {
        log.warn("redis: releasing the directory lock failed: {}", e.toString());
      }
    }
  }
}
