package io.kanyan.signaling.bench;

import io.kanyan.recorder.redis.RedisServerProcess;
import io.kanyan.signaling.Config;
import io.kanyan.signaling.Main;
import io.kanyan.signaling.auth.Passwords;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The signaling benchmark: N paired inspections relaying ICE messages through Kanyan, beside the same load
 * through a bare Vert.x WebSocket relay, in the same run. Prints messages/s, p50/p99 relay latency, and
 * the ratio. Not a test: run it with {@code deploy/scripts/bench-signaling.sh [pairs] [rate] [seconds]}.
 *
 * <p>Both servers run in this JVM beside the load generator (each as one verticle instance), so they
 * share the machine's cores with the same generator and the comparison is fair.
 *
 * <p>With {@code -Dcluster=true} a third fleet runs on three Kanyan nodes in JVMs of their own on the same Redis
 * ({@code KANYAN_CLUSTER}, signaling/CLUSTER.md): each pair's applicant is seated on one node (which then owns the
 * call) and its inspector on the next, so every relayed message crosses the bridge (Redis pub/sub) once.
 */
public final class SignalingBenchmark {

  public static void main(String[] args) throws Exception {
    int pairs = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int rate = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    System.out.printf("signaling benchmark: %d pairs, %d msgs/s per pair, %d s, %d cores%n", pairs, rate, seconds,
        Runtime.getRuntime().availableProcessors());

    Vertx vertx = Vertx.vertx(new VertxOptions().setBlockedThreadCheckInterval(10_000));
    Path data = Files.createTempDirectory("kanyan-bench");
    // Each Kanyan server on a Vert.x of its own, so the CPU its event loops use is told apart from the generator's:
    // one on a single event loop (KANYAN_CALL_LOOPS=0), one with call loops (KANYAN_CALL_LOOPS one fewer than the
    // cores, at least one: the default on two cores or more; README "Event loops").
    RedisServerProcess redis = RedisServerProcess.start(data.resolve("redis"), 0);
    RedisServerProcess redisOne = RedisServerProcess.start(data.resolve("redis-one"), 0);
    Vertx kanyanVertx = Vertx.vertx(new VertxOptions().setBlockedThreadCheckInterval(10_000));
    Vertx loopsVertx = Vertx.vertx(new VertxOptions().setBlockedThreadCheckInterval(10_000));
    String callLoops = Integer.toString(Math.max(1, Runtime.getRuntime().availableProcessors() - 1));
    Main.Running kanyan = Main.start(kanyanVertx, Config.from(server(redis.url(), data.resolve("kanyan"), "0")),
        new Passwords(1000), Clock.systemUTC()).await();
    Main.Running loops = Main.start(loopsVertx, Config.from(server(redisOne.url(), data.resolve("loops"),
        callLoops)), new Passwords(1000), Clock.systemUTC()).await();
    LoopCpu kanyanCpu = new LoopCpu(kanyanVertx);
    LoopCpu loopsCpu = new LoopCpu(loopsVertx);
    System.out.printf("kanyan /ws: one event loop (KANYAN_CALL_LOOPS=0); kanyan call loops: KANYAN_CALL_LOOPS=%s"
        + " (the default here: %d)%n", callLoops,
        Config.from(server(redis.url(), data.resolve("kanyan"), null)).cluster().callLoops());
    BareRelay bare = new BareRelay();
    vertx.deployVerticle(bare).await();
    boolean cluster = Boolean.getBoolean("cluster");
    List<io.kanyan.signaling.testing.NodeProcess> nodes = new ArrayList<>();
    RedisServerProcess shared = cluster ? RedisServerProcess.start(data.resolve("redis-shared"), 0) : null;

    Load load = new Load(vertx);
    try {
      if (cluster) {
        for (String name : List.of("bench-a", "bench-b", "bench-c")) {
          nodes.add(io.kanyan.signaling.testing.NodeProcess.start(name, shared.url(), data.resolve(name),
              Map.of("KANYAN_CLUSTER", "true", "KANYAN_WS_IDLE", "300s", "KANYAN_MAX_CONNECTIONS_PER_ADDRESS", "0",
                  "KANYAN_HTTP_IDLE_TIMEOUT", "600s", "KANYAN_LOG_LEVEL", "WARN",
                  "KANYAN_ADMIN_PASSWORD", "bench-admin-password")));
        }
      }
      List<Load.Pair> bareFleet = bareFleet(load, bare.port(), pairs);
      int port = kanyan.server().devHttpPort();
      List<Load.Pair> ourFleet = kanyanFleet(vertx, load, port, pairs, i -> port, i -> port);
      int loopsPort = loops.server().devHttpPort();
      List<Load.Pair> loopsFleet = kanyanFleet(vertx, load, loopsPort, pairs, i -> loopsPort, i -> loopsPort);
      List<Load.Pair> clusterFleet = cluster ? kanyanFleet(vertx, load, nodes.get(0).port(), pairs,
          i -> nodes.get(i % 3).port(), i -> nodes.get((i + 1) % 3).port()) : null;
      // Two rounds, alternating, so neither side is measured on a cold JVM; the ratio is from the last.
      Load.Result base = null;
      Load.Result ours = null;
      for (int round = 1; round <= 2; round++) {
        base = load.run("bare vert.x relay #" + round, bareFleet, rate, seconds, SignalingBenchmark::iceMessage,
            SignalingBenchmark::sentAt);
        System.out.println(base);
        kanyanCpu.start();
        ours = load.run("kanyan /ws #" + round, ourFleet, rate, seconds, SignalingBenchmark::iceMessage,
            SignalingBenchmark::sentAt);
        System.out.println(ours);
        System.out.println(kanyanCpu.report());
        loopsCpu.start();
        System.out.println(load.run("kanyan call loops #" + round, loopsFleet, rate, seconds,
            SignalingBenchmark::iceMessage, SignalingBenchmark::sentAt));
        System.out.println(loopsCpu.report());
        if (clusterFleet != null) {
          System.out.println(load.run("kanyan 3 nodes #" + round, clusterFleet, rate, seconds,
              SignalingBenchmark::iceMessage, SignalingBenchmark::sentAt));
        }
      }
      System.out.printf("ratio kanyan/bare (round 2): throughput %.2f, p50 latency x%.2f, p99 latency x%.2f%n",
          ours.perSecond() / base.perSecond(), (double) ours.p50Micros() / Math.max(1, base.p50Micros()),
          (double) ours.p99Micros() / Math.max(1, base.p99Micros()));
    } finally {
      for (io.kanyan.signaling.testing.NodeProcess n : nodes) {
        n.close();
      }
      if (shared != null) {
        shared.close();
      }
      load.close();
      kanyan.close().await();
      loops.close().await();
      redis.close();
      redisOne.close();
    }
  }

  private static Map<String, String> server(String redisUrl, Path data, String callLoops) {
    Map<String, String> env = new java.util.HashMap<>(Map.of("REDIS_URL", redisUrl,
        "KANYAN_DATA_DIR", data.toString(), "KANYAN_TLS", "false", "KANYAN_DEV_HTTP_PORT", "0",
        "KANYAN_ADMIN_PASSWORD", "bench-admin-password", "KANYAN_WS_IDLE", "300s",
        // Every socket comes from this one address.
        "KANYAN_MAX_CONNECTIONS_PER_ADDRESS", "0", "KANYAN_HTTP_IDLE_TIMEOUT", "600s"));
    if (callLoops != null) {
      env.put("KANYAN_CALL_LOOPS", callLoops);
    }
    return env;
  }

  static String iceMessage(long sentNanos) {
    return new JsonObject().put("type", "ice").put("candidate", new JsonObject()
        .put("candidate", "candidate:842163049 1 udp 1677729535 192.0.2.10 " + (sentNanos % 60000) + " typ srflx")
        .put("sdpMid", Long.toString(sentNanos)).put("sdpMLineIndex", 0)).encode();
  }

  static Long sentAt(String text) {
    JsonObject m = new JsonObject(text);
    JsonObject c = m.getJsonObject("candidate");
    return "ice".equals(m.getString("type")) && c != null ? Long.valueOf(c.getString("sdpMid")) : null;
  }

  private static List<Load.Pair> bareFleet(Load load, int port, int pairs) {
    List<Future<WebSocket>> all = new ArrayList<>();
    for (int i = 0; i < pairs; i++) {
      all.add(load.connect(options(port, "/relay/" + i + "/a")));
      all.add(load.connect(options(port, "/relay/" + i + "/b")));
    }
    Future.all(all).await();
    List<Load.Pair> fleet = new ArrayList<>();
    for (int i = 0; i < pairs; i++) {
      fleet.add(new Load.Pair(all.get(2 * i).result(), all.get(2 * i + 1).result()));
    }
    return fleet;
  }

  /**
   * Creates the inspections through the API on {@code port}, then seats every applicant (on the port
   * {@code applicantPort} names for its pair) and then every inspector (on {@code inspectorPort}'s).
   */
  private static List<Load.Pair> kanyanFleet(Vertx vertx, Load load, int port, int pairs,
      java.util.function.IntUnaryOperator applicantPort, java.util.function.IntUnaryOperator inspectorPort) {
    WebClientSession admin = WebClientSession.create(WebClient.create(vertx));
    admin.post(port, "localhost", "/api/login").sendJsonObject(new JsonObject().put("username", "admin")
        .put("password", "bench-admin-password")).await();
    admin.post(port, "localhost", "/api/users").sendJsonObject(new JsonObject().put("username", "food-business")
        .put("role", "inspector").put("password", "bench-inspector-1")).await();
    WebClientSession inspector = WebClientSession.create(WebClient.create(vertx));
    inspector.post(port, "localhost", "/api/login").sendJsonObject(new JsonObject().put("username", "food-business")
        .put("password", "bench-inspector-1")).await();
    String cookie = inspector.cookieStore().get(false, "localhost", "/").iterator().next().value();
    List<String> ids = new ArrayList<>();
    List<String> invites = new ArrayList<>();
    for (int i = 0; i < pairs; i++) {
      JsonObject created = inspector.post(port, "localhost", "/api/inspections").sendJsonObject(new JsonObject()
          .put("caseNumber", "BENCH-" + i).put("matterType", "food-business").put("applicantName", "A" + i)
          .put("applicantPhone", "1380000" + String.format("%04d", i)).put("siteAddress", "food-business")).await()
          .bodyAsJsonObject();
      ids.add(created.getJsonObject("inspection").getString("id"));
      invites.add(created.getJsonObject("invite").getString("token"));
    }
    // Applicants first: with several nodes the applicant's node then owns the call, the inspector is bridged.
    List<Future<WebSocket>> applicants = new ArrayList<>();
    for (int i = 0; i < pairs; i++) {
      applicants.add(load.connect(options(applicantPort.applyAsInt(i), "/ws?invite=" + invites.get(i)))
          .compose(ws -> join(ws, new JsonObject().put("type", "join"))));
    }
    Future.all(applicants).await();
    List<Future<WebSocket>> inspectors = new ArrayList<>();
    for (int i = 0; i < pairs; i++) {
      String id = ids.get(i);
      inspectors.add(load.connect(options(inspectorPort.applyAsInt(i), "/ws")
              .addHeader("Cookie", "kanyan_session=" + cookie))
          .compose(ws -> join(ws, new JsonObject().put("type", "join").put("inspectionId", id))));
    }
    Future.all(inspectors).await();
    List<Load.Pair> fleet = new ArrayList<>();
    for (int i = 0; i < pairs; i++) {
      fleet.add(new Load.Pair(inspectors.get(i).result(), applicants.get(i).result()));
    }
    return fleet;
  }

  private static Future<WebSocket> join(WebSocket ws, JsonObject join) {
    io.vertx.core.Promise<WebSocket> joined = io.vertx.core.Promise.promise();
    ws.textMessageHandler(text -> {
      if (text.contains("\"joined\"")) {
        joined.tryComplete(ws);
      } else if (text.contains("\"error\"")) {
        joined.tryFail(text);
      }
    });
    ws.writeTextMessage(join.encode());
    return joined.future();
  }

  private static WebSocketConnectOptions options(int port, String uri) {
    return new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri);
  }
}
