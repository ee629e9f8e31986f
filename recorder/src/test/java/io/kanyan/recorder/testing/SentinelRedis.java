package io.kanyan.recorder.testing;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A Redis primary, its replica(s) and three sentinels, as real processes (Debian's {@code redis-server} and
 * {@code redis-sentinel} from PATH) on loopback, configured as {@code deploy/redis/sentinel.conf} but with short
 * timeouts so a failover takes a few seconds: {@code down-after-milliseconds 1000}, {@code failover-timeout 2000}.
 * Every node has AOF on ({@code appendfsync always}), {@code noeviction}, a password, and diskless replication
 * without delay. Blocking: call it from the test thread.
 */
public final class SentinelRedis implements AutoCloseable {

  public static final String MASTER = "kanyan";
  static final int DOWN_AFTER_MS = 1000;
  static final int FAILOVER_TIMEOUT_MS = 2000;

  /** One redis-server that can be killed and started again over its files on its port. */
  public static final class Node {
    private final Path dir;
    private final int port;
    private final String password;
    private Process process;

    Node(Path dir, int port, String password) {
      this.dir = dir;
      this.port = port;
      this.password = password;
    }

    /** Starts it, as a replica of {@code primaryPort} unless that is 0. */
    void launch(int primaryPort) {
      try {
        Files.createDirectories(dir);
        List<String> conf = new ArrayList<>(List.of(
            "port " + port, "bind 127.0.0.1", "dir \"" + dir.toAbsolutePath() + "\"",
            "requirepass " + password, "masterauth " + password,
            "appendonly yes", "appendfsync always", "maxmemory-policy noeviction", "save \"\"",
            "repl-diskless-sync yes", "repl-diskless-sync-delay 0", "hash-max-listpack-value 1024"));
        if (primaryPort != 0) {
          conf.add("replicaof 127.0.0.1 " + primaryPort);
        }
        Path file = dir.resolve("redis.conf");
        Files.write(file, conf);
        process = new ProcessBuilder("redis-server", file.toString()).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile())).start();
        awaitPong(process, port, password, dir.resolve("redis.log"));
      } catch (IOException e) {
        throw new UncheckedIOException("could not start redis-server (is it on PATH?)", e);
      }
    }

    /** SIGKILL: no shutdown, no final fsync. */
    public void kill9() {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** SIGTERM and wait: a clean stop. */
    public void stop() {
      process.destroy();
      try {
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
          kill9();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    public int port() {
      return port;
    }

    public boolean alive() {
      return process != null && process.isAlive();
    }
  }

  private final Path dir;
  private final String password = UUID.randomUUID().toString().replace("-", "");
  private final List<Node> nodes = new ArrayList<>();
  private final List<Process> sentinels = new ArrayList<>();
  private final List<Integer> sentinelPorts = new ArrayList<>();
  private final RedisClient client = RedisClient.create();
  private final String sentinelPassword;

  private SentinelRedis(Path dir, String sentinelPassword) {
    this.dir = dir;
    this.sentinelPassword = sentinelPassword;
  }

  /** Starts a primary, {@code replicas} replicas of it and three sentinels watching it, and waits until all agree. */
  public static SentinelRedis start(Path dir, int replicas) {
    return start(dir, replicas, null);
  }

  /** {@link #start(Path, int)} with sentinels that require {@code sentinelPassword} ({@code requirepass}). */
  public static SentinelRedis start(Path dir, int replicas, String sentinelPassword) {
    SentinelRedis cluster = new SentinelRedis(dir, sentinelPassword);
    try {
      for (int i = 0; i <= replicas; i++) {
        Node node = new Node(dir.resolve("redis-" + i), freePort(), cluster.password);
        node.launch(i == 0 ? 0 : cluster.nodes.get(0).port());
        cluster.nodes.add(node);
      }
      for (int i = 0; i < 3; i++) {
        cluster.startSentinel(i, cluster.nodes.get(0).port());
      }
      cluster.awaitHealthy(Duration.ofSeconds(60));
      return cluster;
    } catch (IOException | RuntimeException e) {
      cluster.close();
      throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }
  }

  private void startSentinel(int i, int primaryPort) throws IOException {
    int port = freePort();
    Path home = dir.resolve("sentinel-" + i);
    Files.createDirectories(home);
    Path conf = home.resolve("sentinel.conf");
    List<String> lines = new ArrayList<>(List.of("port " + port, "bind 127.0.0.1",
        "dir \"" + home.toAbsolutePath() + "\"",
        "sentinel monitor " + MASTER + " 127.0.0.1 " + primaryPort + " 2",
        "sentinel auth-pass " + MASTER + " " + password,
        "sentinel down-after-milliseconds " + MASTER + " " + DOWN_AFTER_MS,
        "sentinel failover-timeout " + MASTER + " " + FAILOVER_TIMEOUT_MS,
        "sentinel parallel-syncs " + MASTER + " 1"));
    if (sentinelPassword != null) {
      lines.add("requirepass " + sentinelPassword); // also what the sentinels send each other
    }
    Files.write(conf, lines);
    Process process = new ProcessBuilder("redis-sentinel", conf.toString()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("sentinel.log").toFile())).start();
    awaitPong(process, port, sentinelPassword, home.resolve("sentinel.log"));
    sentinels.add(process);
    sentinelPorts.add(port);
  }

  /** The URL Kanyan is given: {@code redis-sentinel://:<password>@<the three sentinels>#kanyan}. */
  public String url() {
    return "redis-sentinel://:" + password + "@" + sentinelPorts.stream().map(p -> "127.0.0.1:" + p)
        .collect(Collectors.joining(",")) + "#" + MASTER;
  }

  public List<Node> nodes() {
    return List.copyOf(nodes);
  }

  /** The node the first sentinel names as the primary. */
  public Node primary() {
    int port = primaryPort(sentinelPorts.get(0));
    return nodes.stream().filter(n -> n.port() == port).findFirst()
        .orElseThrow(() -> new IllegalStateException("the sentinels name an unknown primary on port " + port));
  }

  private RedisURI sentinelUri(int port) {
    RedisURI.Builder uri = RedisURI.builder().withHost("127.0.0.1").withPort(port).withTimeout(Duration.ofSeconds(2));
    if (sentinelPassword != null) {
      uri.withPassword(sentinelPassword.toCharArray());
    }
    return uri.build();
  }

  private int primaryPort(int sentinelPort) {
    try (StatefulRedisSentinelConnection<String, String> s = client.connectSentinel(sentinelUri(sentinelPort))) {
      return ((InetSocketAddress) s.sync().getMasterAddrByName(MASTER)).getPort();
    }
  }

  /** Polls until every sentinel names a primary other than {@code old}; returns it. */
  public Node awaitNewPrimary(Node old, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (sentinelPorts.stream().allMatch(s -> primaryPort(s) != old.port())) {
          return primary();
        }
      } catch (RuntimeException notYet) {
        // a sentinel busy with the failover
      }
      sleep(50);
    }
    throw new IllegalStateException("the sentinels did not fail over from port " + old.port() + " within " + timeout);
  }

  /**
   * Starts a killed node again over its files as a replica of the current primary, as an init script that asks
   * the sentinels would (Sentinel would also turn a returning old primary into a replica by itself, but only after
   * waiting about 10 s, which a test of 20 kills cannot afford).
   */
  public void restartAsReplica(Node node) {
    node.launch(primary().port());
  }

  /**
   * Waits until the sentinels agree on the primary, it has every other live node as an online replica, and every
   * sentinel sees those replicas up (so it could fail over to one of them again; when the primary goes down the
   * sentinels refresh each replica's state every second before choosing).
   */
  public void awaitHealthy(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      try {
        last = problem();
        if (last.isEmpty()) {
          return;
        }
      } catch (RuntimeException e) {
        last = e.toString();
      }
      sleep(50);
    }
    throw new IllegalStateException("the Sentinel cluster did not become healthy within " + timeout + ": " + last);
  }

  private String problem() {
    int primary = primaryPort(sentinelPorts.get(0));
    for (int s : sentinelPorts) {
      if (primaryPort(s) != primary) {
        return "the sentinels disagree on the primary";
      }
    }
    long live = nodes.stream().filter(Node::alive).count();
    String info = info(primary, "replication");
    if (!info.contains("role:master")) {
      return "port " + primary + " is not a primary yet";
    }
    long online = info.lines().filter(l -> l.startsWith("slave") && l.contains("state=online")).count();
    if (online < live - 1) {
      return online + " of " + (live - 1) + " replicas online";
    }
    for (int s : sentinelPorts) {
      try (StatefulRedisSentinelConnection<String, String> c = client.connectSentinel(sentinelUri(s))) {
        List<Map<String, String>> replicas = c.sync().replicas(MASTER);
        // Up as the sentinel sees it (not down, not disconnected). Its master-link-status may lag by one INFO period
        // (10 s): the primary's own view above (state=online) is what WAIT counts.
        long up = replicas.stream().filter(r -> "slave".equals(r.get("flags"))).count();
        if (up < live - 1) {
          return "sentinel " + s + " sees " + up + " of " + (live - 1) + " replicas up";
        }
      }
    }
    return "";
  }

  /** CONFIG SET on one node. */
  public void config(int port, String parameter, String value) {
    try (StatefulRedisConnection<String, String> c = client.connect(RedisURI.builder().withHost("127.0.0.1")
        .withPort(port).withPassword(password.toCharArray()).withTimeout(Duration.ofSeconds(2)).build())) {
      c.sync().configSet(parameter, value);
    }
  }

  /** A section of INFO of one node, as text. */
  public String info(int port, String section) {
    try (StatefulRedisConnection<String, String> c = client.connect(RedisURI.builder().withHost("127.0.0.1")
        .withPort(port).withPassword(password.toCharArray()).withTimeout(Duration.ofSeconds(2)).build())) {
      return c.sync().info(section);
    }
  }

  private static void awaitPong(Process process, int port, String password, Path log) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    byte[] ping = (password == null ? "PING\r\n" : "AUTH " + password + "\r\nPING\r\n").getBytes();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("a Redis process exited with " + process.exitValue() + "; see " + log);
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        socket.setSoTimeout(1000);
        socket.getOutputStream().write(ping);
        String reply = new String(socket.getInputStream().readNBytes(password == null ? 7 : 12));
        if (reply.endsWith("+PONG\r\n")) {
          return;
        }
      } catch (IOException notYet) {
        // not listening, or still loading its AOF (-LOADING)
      }
      sleep(20);
    }
    throw new IOException("a Redis process did not answer on port " + port + " within 20 s; see " + log);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() {
    sentinels.forEach(Process::destroyForcibly);
    nodes.stream().filter(Node::alive).forEach(Node::kill9);
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
