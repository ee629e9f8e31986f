package io.kanyan.signaling.testing;

import io.kanyan.recorder.testing.TempDirs;
import io.kanyan.recorder.testing.TestRedis;
import io.kanyan.signaling.Config;
import io.kanyan.signaling.Main;
import io.kanyan.signaling.auth.Passwords;
import io.kanyan.signaling.catalog.Catalogue;
import io.kanyan.signaling.catalog.Matter;
import io.kanyan.signaling.metrics.KanyanMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The whole server, started as production starts it ({@link Main#start}), against a real redis-server
 * process, on free ports, with a fresh data directory ({@link #close()} deletes it and the Redis files). Passwords
 * use fewer PBKDF2 rounds to keep tests fast.
 */
public final class TestServer implements AutoCloseable {

  public static final String ADMIN_PASSWORD = "admin-password-1";

  private final Vertx vertx;
  private final TestRedis redis;
  private final Path dataDir;
  private final Map<String, String> env;
  private final MutableClock clock = new MutableClock();
  private final KanyanMetrics metrics;
  private Main.Running running;

  private TestServer(Vertx vertx, TestRedis redis, Path dataDir, Map<String, String> env, KanyanMetrics metrics) {
    this.metrics = metrics;
    this.vertx = vertx;
    this.redis = redis;
    this.dataDir = dataDir;
    this.env = env;
  }

  /** Starts a server with its own Redis; {@code overrides} are extra environment settings. */
  public static TestServer start(Map<String, String> overrides) {
    TestRedis redis = TestRedis.start();
    Path dataDir = TempDirs.create("kanyan-test-data");
    Vertx made = null;
    try {
      Map<String, String> env = new HashMap<>();
      env.put("REDIS_URL", redis.url());
      env.put("KANYAN_DATA_DIR", dataDir.toString());
      env.put("KANYAN_HTTPS_PORT", "0");
      env.put("KANYAN_DEV_HTTP_PORT", "0");
      env.put("KANYAN_ADMIN_PASSWORD", ADMIN_PASSWORD);
      // -Dkanyan.callLoops=N runs the suites with N call loops (0: everything on one loop; default one per core but
      // one, README "Event loops").
      if (System.getProperty("kanyan.callLoops") != null) {
        env.put("KANYAN_CALL_LOOPS", System.getProperty("kanyan.callLoops"));
      }
      env.putAll(overrides);
      // With KANYAN_METRICS_PORT set, Vert.x reports into the server's registry, as in production.
      KanyanMetrics metrics = KanyanMetrics.create(Config.from(env).metrics());
      made = metrics.vertx();
      TestServer server = new TestServer(made, redis, dataDir, env, metrics);
      server.boot();
      return server;
    } catch (RuntimeException | Error e) {
      // A server that did not come up leaves nothing behind either: the JVM goes on with the next test.
      if (made != null) {
        made.close();
      }
      redis.close();
      TempDirs.delete(dataDir);
      throw e;
    }
  }

  public static TestServer start() {
    return start(Map.of());
  }

  private void boot() {
    running = Main.start(vertx, Config.from(env), new Passwords(1000), clock, metrics).await();
    if (!env.containsKey(EXAMPLE_CATALOGUE)) {
      // Tests that are not about the checklist conclude freely: the matter they create ("食品经营许可",
      // food-business) gets a version whose items are all optional and need no photo.
      Matter shipped = new Catalogue(running.storage().redis()).get("food-business").await();
      JsonObject relaxed = shipped.toJson();
      relaxed.getJsonArray("items").forEach(i -> ((JsonObject) i).put("required", false).put("photoRequired", false));
      new Catalogue(running.storage().redis()).put(Matter.from(relaxed, "test matter")).await();
    }
  }

  /** Set (to anything) in the overrides to keep the shipped example catalogue as it is. */
  public static final String EXAMPLE_CATALOGUE = "KANYAN_TEST_EXAMPLE_CATALOGUE";

  /** Stops the server and the Redis process, then starts both again over the same files. */
  public void restart() {
    running.server().stop().await();
    running.storage().redis().close();
    redis.restart();
    boot();
  }

  /** The same, with some environment settings changed (a key rotation, for example). */
  public void restart(Map<String, String> changes) {
    env.putAll(changes);
    restart();
  }

  public MutableClock clock() {
    return clock;
  }

  public Main.Running running() {
    return running;
  }

  public Vertx vertx() {
    return vertx;
  }

  public int httpPort() {
    return running.server().devHttpPort();
  }

  public int httpsPort() {
    return running.server().httpsPort();
  }

  public String origin() {
    return "http://localhost:" + httpPort();
  }

  public Path dataDir() {
    return dataDir;
  }

  public TestRedis redis() {
    return redis;
  }

  public JsonObject inspectionBody(String caseNumber) {
    return new JsonObject().put("caseNumber", caseNumber).put("matterType", "食品经营许可")
        .put("applicantName", "张三").put("applicantPhone", "13800138000")
        .put("siteAddress", "北京市东城区示例路1号").put("siteLat", 39.9).put("siteLng", 116.4);
  }

  @Override
  public void close() {
    try {
      vertx.close().await();
    } finally {
      try {
        running.storage().close();
        redis.close();
      } finally {
        // Vert.x's close does not wait for a blocking task under way (a record being rendered), which may write a
        // last file here after it.
        TempDirs.deleteNowAndAtExit(dataDir);
      }
    }
  }
}
