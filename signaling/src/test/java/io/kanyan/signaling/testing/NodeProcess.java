package io.kanyan.signaling.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One Kanyan node in a JVM of its own, started from the test classpath ({@code io.kanyan.signaling.Main}), for
 * tests that must kill a node the way a machine dies ({@code kill -9}) or pause it ({@code SIGSTOP}). Plain HTTP
 * on a free port, the given Redis URL, its own data directory; its output goes to {@code node.log} there, its
 * temporary files to {@code tmp} there (the caller owns the directory: a JUnit {@code @TempDir}).
 */
public final class NodeProcess implements AutoCloseable {

  public static final String ADMIN_PASSWORD = "node-admin-password";

  private final String name;
  private final Process process;
  private final int port;
  private final Path dataDir;

  private NodeProcess(String name, Process process, int port, Path dataDir) {
    this.name = name;
    this.process = process;
    this.port = port;
    this.dataDir = dataDir;
  }

  /**
   * Starts a node on {@code redisUrl} (null: its own embedded redis-server, as {@code run.sh} runs it) with its data
   * in {@code dataDir} and {@code env} on top of a plain-HTTP
   * configuration, and waits until {@code /health} answers 200.
   */
  public static NodeProcess start(String name, String redisUrl, Path dataDir, Map<String, String> env)
      throws Exception {
    Files.createDirectories(dataDir);
    // The node's temporary files (Vert.x's file cache, left behind by a kill -9) live with its data, which the test
    // deletes.
    Path tmp = Files.createDirectories(dataDir.resolve("tmp"));
    int port = freePort();
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:+UseSerialGC", "-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("java.class.path"),
        "io.kanyan.signaling.Main");
    Map<String, String> all = new HashMap<>(Map.of("KANYAN_DATA_DIR", dataDir.toString(),
        "KANYAN_TLS", "false", "KANYAN_DEV_HTTP_PORT", Integer.toString(port),
        "KANYAN_ADMIN_PASSWORD", ADMIN_PASSWORD, "KANYAN_LOG_LEVEL", "INFO", "KANYAN_NODE_NAME", name));
    if (redisUrl != null) {
      all.put("REDIS_URL", redisUrl);
    }
    all.putAll(env);
    pb.environment().putAll(all);
    pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("node.log").toFile()));
    NodeProcess node = new NodeProcess(name, pb.start(), port, dataDir);
    try {
      node.awaitHealthy(Duration.ofMinutes(2));
    } catch (Exception | AssertionError failed) {
      node.close(); // a node that never came up is not left running behind the test
      throw failed;
    }
    return node;
  }

  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  public String name() {
    return name;
  }

  public int port() {
    return port;
  }

  public String base() {
    return "http://127.0.0.1:" + port;
  }

  public long pid() {
    return process.pid();
  }

  public Path dataDir() {
    return dataDir;
  }

  public boolean alive() {
    return process.isAlive();
  }

  /** What the node printed so far (for a failing test's message). */
  public String log() {
    try {
      return Files.readString(dataDir.resolve("node.log"));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** Kills the node as a crashed machine dies: SIGKILL, no shutdown hooks. */
  public void kill9() throws Exception {
    signal("KILL");
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** Freezes the node (SIGSTOP): its sockets stay open, it answers nothing, its timers do not run. */
  public void pause() throws Exception {
    signal("STOP");
  }

  /** Thaws a paused node (SIGCONT). */
  public void resume() throws Exception {
    signal("CONT");
  }

  private void signal(String signal) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
    }
  }

  /** Waits until {@code /health} answers 200; fails with the node's log if it exits or never does. */
  public void awaitHealthy(Duration within) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base() + "/health"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not up yet
      }
      if (!process.isAlive()) {
        throw new IllegalStateException("node " + name + " exited:\n" + log());
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("node " + name + " did not come up within " + within + ":\n" + log());
  }

  /** The command line used, for messages. */
  public List<String> command() {
    return process.info().arguments().map(List::of).orElse(List.of());
  }

  @Override
  public void close() throws Exception {
    if (process.isAlive()) {
      resume();
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }
}
