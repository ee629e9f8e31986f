package io.kanyan.signaling.bench;

import io.kanyan.recorder.redis.RedisServerProcess;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The built server ({@code signaling/target/kanyan.jar}) in a JVM of its own, as production runs it, so that
 * its resident memory and heap can be measured apart from the load generator: RSS from {@code /proc}, the live
 * heap from {@code jcmd} after a full GC.
 */
final class ServerProcess implements AutoCloseable {

  static final String ADMIN_PASSWORD = "bench-admin-password";
  private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

  private final RedisServerProcess redis;
  private final Process process;
  private final int port;

  private ServerProcess(RedisServerProcess redis, Process process, int port) {
    this.redis = redis;
    this.process = process;
    this.port = port;
  }

  /** Starts Redis and the server jar with {@code env} on top of a plain-HTTP, no-TLS configuration. */
  static ServerProcess start(Path jar, String heap, Map<String, String> env) throws Exception {
    Path data = Files.createTempDirectory("kanyan-bench");
    RedisServerProcess redis = RedisServerProcess.start(data.resolve("redis"), 0);
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + heap, "-jar", jar.toString());
    Map<String, String> all = new HashMap<>(Map.of("REDIS_URL", redis.url(), "KANYAN_DATA_DIR", data.toString(),
        "KANYAN_TLS", "false", "KANYAN_DEV_HTTP_PORT", Integer.toString(port),
        "KANYAN_ADMIN_PASSWORD", ADMIN_PASSWORD, "KANYAN_LOG_LEVEL", "WARN"));
    all.putAll(env);
    pb.environment().putAll(all);
    pb.redirectErrorStream(true).redirectOutput(data.resolve("server.log").toFile());
    Process process = pb.start();
    ServerProcess server = new ServerProcess(redis, process, port);
    server.awaitHealthy(data.resolve("server.log"));
    return server;
  }

  int port() {
    return port;
  }

  long pid() {
    return process.pid();
  }

  private void awaitHealthy(Path log) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    for (int i = 0; i < 600; i++) {
      try {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not up yet
      }
      if (!process.isAlive()) {
        throw new IllegalStateException("the server exited: " + Files.readString(log));
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("the server did not come up in 2 minutes");
  }

  /** Resident set size of the server process, in KB. */
  long rssKb() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmRSS");
  }

  /** Live heap after a full collection, in KB. */
  long liveHeapKb() throws Exception {
    jcmd("GC.run");
    Matcher m = HEAP_USED.matcher(jcmd("GC.heap_info"));
    if (!m.find()) {
      throw new IllegalStateException("jcmd GC.heap_info printed no 'used'");
    }
    return Long.parseLong(m.group(1));
  }

  /** The top of the server's live-object histogram (what the heap is spent on). */
  String histogram(int lines) throws Exception {
    String[] all = jcmd("GC.class_histogram").split("\n");
    return String.join("\n", java.util.Arrays.copyOfRange(all, 0, Math.min(all.length, lines + 3)));
  }

  private String jcmd(String command) throws Exception {
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
        Long.toString(process.pid()), command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    return out;
  }

  /** Sizes of a few figures as one line. */
  String memory() throws Exception {
    return String.format("RSS %,d KB, live heap %,d KB", rssKb(), liveHeapKb());
  }

  static List<String> args(String[] args, String... defaults) {
    List<String> out = new java.util.ArrayList<>(List.of(defaults));
    for (int i = 0; i < args.length && i < out.size(); i++) {
      out.set(i, args[i]);
    }
    return out;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    redis.close();
  }
}
