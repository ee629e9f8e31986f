package io.kanyan.signaling.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.TestRedis;
import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.NodeProcess;
import io.kanyan.signaling.testing.Ws;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The inspector's queue across nodes (PROTOCOL.md, "The waiting room"): an applicant waiting on a node that dies
 * (kill -9) leaves the queue once a surviving node takes the dead node's call over, instead of staying there as a
 * phantom "waiting" applicant, and is queued again, in their earlier place, when they come back through another
 * node. Also: each node holds one Redis subscriber connection, shared by its node bus and its desks' events.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ClusterQueueTest {

  TestRedis redis;
  Path dir;
  List<NodeProcess> nodes = new ArrayList<>();
  Vertx vertx;
  RedisStore store;
  String inspectorName;
  Http inspector;

  @BeforeEach
  void start() throws Exception {
    redis = TestRedis.start();
    dir = Files.createTempDirectory("kanyan-cluster-queue-test");
    for (String name : List.of("node-a", "node-b")) {
      nodes.add(NodeProcess.start(name, redis.url(), dir.resolve(name), ClusterTest.ENV));
    }
    vertx = Vertx.vertx();
    store = RedisStore.connect(vertx, redis.url()).await();
    Http admin = new Http(vertx, node("node-b").port()).login("admin", NodeProcess.ADMIN_PASSWORD);
    inspectorName = "insp" + UUID.randomUUID().toString().substring(0, 8);
    assertThat(admin.post("/api/users", new JsonObject().put("username", inspectorName).put("displayName", "Officer")
        .put("role", "inspector").put("password", "correct-horse-battery")).statusCode()).isEqualTo(201);
    inspector = new Http(vertx, node("node-b").port()).login(inspectorName, "correct-horse-battery");
  }

  @AfterEach
  void stop() throws Exception {
    for (NodeProcess n : nodes) {
      n.close();
    }
    if (store != null) {
      store.close();
    }
    if (vertx != null) {
      vertx.close().await();
    }
    redis.close();
    if (dir != null) {
      try (var walk = Files.walk(dir)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  NodeProcess node(String name) {
    return nodes.stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
  }

  /** A new inspection of the inspector: its id and invite token. */
  String[] inspection() {
    JsonObject created = inspector.post("/api/inspections", new JsonObject().put("caseNumber", "C-" + UUID.randomUUID())
        .put("matterType", "食品经营许可").put("applicantName", "张三").put("applicantPhone", "13800138000")
        .put("siteAddress", "北京市东城区示例路1号").put("siteLat", 39.9).put("siteLng", 116.4)).bodyAsJsonObject();
    return new String[] {created.getJsonObject("inspection").getString("id"),
        created.getJsonObject("invite").getString("token")};
  }

  List<String> queue() {
    return store.call(c -> c.zrange("kanyan:desk:{" + inspectorName + "}:waiting", 0, -1)).await();
  }

  JsonObject desk(String id) {
    String state = store.call(c -> c.hget("kanyan:desk:{" + inspectorName + "}:i:" + id, "state")).await();
    return state == null ? new JsonObject() : new JsonObject(state);
  }

  static void await(String what, BooleanSupplier done) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 60_000;
    while (!done.getAsBoolean() && System.currentTimeMillis() < deadline) {
      Thread.sleep(200);
    }
    assertThat(done.getAsBoolean()).as(what).isTrue();
  }

  /** Redis's connections in subscriber mode (channels or patterns). */
  long subscriberConnections() {
    String clients = store.call(c -> c.clientList()).await();
    return clients.lines().filter(l -> l.matches(".*\\bsub=[1-9].*") || l.matches(".*\\bpsub=[1-9].*")).count();
  }

  /** Waits for a {@code queue} message with {@code place} (earlier ones passed over). */
  static void awaitPlace(Ws ws, int place) {
    long deadline = System.currentTimeMillis() + 15_000;
    while (ws.next("queue", Math.max(1, deadline - System.currentTimeMillis())).getInteger("place") != place) {
      // an intermediate place, while the queue moved
    }
  }

  @Test
  void aWaitingApplicantWhoseNodeDiedLeavesTheQueueAndComesBackInTheirPlace() throws Exception {
    assertThat(subscriberConnections()).as("one subscriber connection per node (node bus and desk events share it)")
        .isEqualTo(2);
    // Three applicants wait. The first's call runs on node a, where their socket is. The second's call runs on
    // node b, but their page reconnected through node a: the socket is bridged from a to b. The third is on b.
    String[] first = inspection();
    String[] second = inspection();
    String[] third = inspection();
    Ws a1 = Ws.applicant(vertx, node("node-a").port(), first[1], null).await().send(new JsonObject().put("type", "join"));
    String firstKey = a1.next("joined", 15000).getString("seatKey");
    assertThat(a1.next("queue", 15000).getInteger("place")).isEqualTo(1);
    Ws b2 = Ws.applicant(vertx, node("node-b").port(), second[1], null).await()
        .send(new JsonObject().put("type", "join"));
    String secondKey = b2.next("joined", 15000).getString("seatKey");
    await("the second applicant is queued", () -> queue().equals(List.of(first[0], second[0])));
    b2.drop();
    Ws a2 = Ws.applicant(vertx, node("node-a").port(), second[1], null).await()
        .send(new JsonObject().put("type", "join").put("resume", secondKey));
    assertThat(a2.next("joined", 15000).getBoolean("resumed")).isTrue();
    Ws b3 = Ws.applicant(vertx, node("node-b").port(), third[1], null).await()
        .send(new JsonObject().put("type", "join"));
    b3.next("joined", 15000);
    assertThat(b3.next("queue", 15000).getInteger("place")).isEqualTo(3);
    await("all three are queued", () -> queue().equals(List.of(first[0], second[0], third[0])));
    assertThat(store.call(c -> c.get("kanyan:call:{" + second[0] + "}:lease")).await())
        .as("the second's call runs on node b").endsWith(":node-b");
    String firstSince = desk(first[0]).getString("waitingSince");
    String secondSince = desk(second[0]).getString("waitingSince");

    node("node-a").kill9();

    await("the applicants whose sockets were on the dead node are no longer queued",
        () -> queue().equals(List.of(third[0])));
    for (String id : List.of(first[0], second[0])) {
      assertThat(desk(id).getString("status")).as("their desk status says they are away").isNotEqualTo("waiting");
      assertThat(desk(id).getString("applicant")).isEqualTo("away");
    }
    awaitPlace(b3, 1); // the one behind moves up

    // Their pages reconnect (through the balancer: here node b) and resume their seats in time.
    Ws back1 = Ws.applicant(vertx, node("node-b").port(), first[1], null).await()
        .send(new JsonObject().put("type", "join").put("resume", firstKey));
    assertThat(back1.next("joined", 15000).getBoolean("resumed")).isTrue();
    Ws back2 = Ws.applicant(vertx, node("node-b").port(), second[1], null).await()
        .send(new JsonObject().put("type", "join").put("resume", secondKey));
    assertThat(back2.next("joined", 15000).getBoolean("resumed")).isTrue();
    await("queued again, in their earlier places", () -> queue().equals(List.of(first[0], second[0], third[0])));
    assertThat(desk(first[0]).getString("waitingSince")).isEqualTo(firstSince);
    assertThat(desk(second[0]).getString("waitingSince")).isEqualTo(secondSince);
    assertThat(back1.next("queue", 15000).getInteger("place")).isEqualTo(1);
    back1.close();
    back2.close();
    b3.close();
  }
}
