package io.kanyan.signaling.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.TestRedis;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.recorder.trail.TrailEvent;
import io.kanyan.signaling.testing.HaProxy;
import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.NodeProcess;
import io.kanyan.signaling.testing.Ws;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three Kanyan nodes in JVMs of their own on one Redis, HAProxy in front (round robin, no stickiness): the two
 * participants of a call on different nodes signal through the bridge; the owner dies (kill -9) or freezes
 * (SIGSTOP) and the call goes on on another node, seats resumed within the grace period, with the trail telling
 * what happened, and nothing written by a stale owner.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ClusterTest {

  static final Map<String, String> ENV = Map.of("KANYAN_CLUSTER", "true", "KANYAN_CALL_LEASE", "8s",
      "KANYAN_GRACE_PERIOD", "45s", "KANYAN_MAX_CONNECTIONS_PER_ADDRESS", "0", "KANYAN_CHECKPOINT_INTERVAL", "60s");

  TestRedis redis;
  /** The nodes' data and logs, and haproxy's; kept when the test fails. */
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dir;
  List<NodeProcess> nodes = new ArrayList<>();
  HaProxy proxy;
  Vertx vertx;
  RedisStore store;
  Trail trail;
  String inspectionId;
  String invite;
  Http inspector;
  String inspectorName;

  @BeforeEach
  void start() throws Exception {
    redis = TestRedis.start();
    for (String name : List.of("node-a", "node-b", "node-c")) {
      nodes.add(NodeProcess.start(name, redis.url(), dir.resolve(name), ENV));
    }
    proxy = HaProxy.start(dir.resolve("haproxy"), nodes);
    vertx = Vertx.vertx();
    store = RedisStore.connect(vertx, redis.url()).await();
    trail = new Trail(store, Clock.systemUTC());
    Http admin = new Http(vertx, proxy.port()).login("admin", NodeProcess.ADMIN_PASSWORD);
    String name = "insp" + UUID.randomUUID().toString().substring(0, 8);
    assertThat(admin.post("/api/users", new JsonObject().put("username", name).put("displayName", "Officer")
        .put("role", "inspector").put("password", "correct-horse-battery")).statusCode()).isEqualTo(201);
    inspectorName = name;
    inspector = new Http(vertx, proxy.port()).login(name, "correct-horse-battery");
    JsonObject created = inspector.post("/api/inspections", new JsonObject().put("caseNumber", "C-" + UUID.randomUUID())
        .put("matterType", "食品经营许可").put("applicantName", "张三").put("applicantPhone", "13800138000")
        .put("siteAddress", "北京市东城区示例路1号").put("siteLat", 39.9).put("siteLng", 116.4)).bodyAsJsonObject();
    inspectionId = created.getJsonObject("inspection").getString("id");
    invite = created.getJsonObject("invite").getString("token");
  }

  @AfterEach
  void stop() throws Exception {
    if (proxy != null) {
      proxy.close();
    }
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
  }

  NodeProcess node(String name) {
    return nodes.stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
  }

  Ws applicantOn(int port) {
    return Ws.applicant(vertx, port, invite, null).await();
  }

  Ws inspectorOn(int port) {
    return Ws.staff(vertx, port, inspector.sessionCookie(), null).await();
  }

  String owner() {
    String lease = store.call(c -> c.get("kanyan:call:{" + inspectionId + "}:lease")).await();
    return lease == null ? null : lease.substring(lease.indexOf(':') + 1);
  }

  /** Offer, answer and ICE from one side to the other and back. */
  static void signal(Ws i, Ws a, String tag) {
    i.send(new JsonObject().put("type", "offer").put("sdp", "v=0\r\no=- " + tag + " 1 IN IP4 127.0.0.1\r\n"));
    assertThat(a.next("offer", 15000).getString("sdp")).contains(tag);
    a.send(new JsonObject().put("type", "answer").put("sdp", "v=0\r\no=- " + tag + " 2 IN IP4 127.0.0.1\r\n"));
    assertThat(i.next("answer", 15000).getString("sdp")).contains(tag);
    JsonObject candidate = new JsonObject().put("candidate", "candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host")
        .put("sdpMid", tag).put("sdpMLineIndex", 0);
    a.send(new JsonObject().put("type", "ice").put("candidate", candidate));
    assertThat(i.next("ice", 15000).getJsonObject("candidate").getString("sdpMid")).isEqualTo(tag);
  }

  /** Opens a socket through HAProxy until one takes the seat back (a connection may reach a node just dying). */
  Ws resume(Supplier<Ws> open, JsonObject join) {
    long deadline = System.currentTimeMillis() + 40_000;
    AssertionError last = null;
    while (System.currentTimeMillis() < deadline) {
      Ws ws;
      try {
        ws = open.get();
      } catch (RuntimeException e) {
        last = new AssertionError(e);
        continue;
      }
      ws.send(join);
      try {
        JsonObject joined = ws.next("joined", 15000);
        assertThat(joined.getBoolean("resumed")).as("the seat was held: back within the grace period").isTrue();
        return ws;
      } catch (AssertionError e) {
        last = e;
        ws.close();
      }
    }
    throw last;
  }

  List<String> types(List<TrailEvent> events) {
    return events.stream().map(e -> e.type().code()).toList();
  }

  @Test
  void aCallGoesOnWhenItsOwnerNodeIsKilled() throws Exception {
    Ws a = applicantOn(node("node-a").port()).send(new JsonObject().put("type", "join"));
    String applicantKey = a.next("joined", 15000).getString("seatKey");
    assertThat(owner()).as("the node the first participant joined on owns the call").isEqualTo("node-a");
    Ws i = inspectorOn(node("node-b").port()).send(new JsonObject().put("type", "join").put("inspectionId",
        inspectionId));
    JsonObject joined = i.next("joined", 15000);
    String inspectorKey = joined.getString("seatKey");
    assertThat(joined.getBoolean("peerPresent")).isTrue();
    assertThat(owner()).as("a join on another node does not move the call").isEqualTo("node-a");
    i.next("peer-joined", 15000);
    a.next("peer-joined", 15000);
    signal(i, a, "before");
    int before = trail.read(inspectionId).await().size();

    node("node-a").kill9();

    // The applicant's socket went with node a; the inspector's, on node b, is closed by b (its call's owner is
    // gone) so that the page reconnects. Both come back through the balancer with their seat keys.
    assertThat(a.closeStatus(15000)).isNotNull();
    assertThat(i.closeStatus(15000)).as("node b tells the bridged socket to reconnect").isEqualTo((short) 1012);
    Ws i2 = resume(() -> inspectorOn(proxy.port()), new JsonObject().put("type", "join")
        .put("inspectionId", inspectionId).put("resume", inspectorKey));
    Ws a2 = resume(() -> applicantOn(proxy.port()), new JsonObject().put("type", "join").put("resume", applicantKey));
    assertThat(owner()).isIn("node-b", "node-c");
    i2.next("peer-joined", 15000);
    signal(i2, a2, "after");

    List<TrailEvent> events = trail.read(inspectionId).await();
    List<TrailEvent> since = events.subList(before, events.size());
    assertThat(types(since)).contains("call.owner_changed", "participant.disconnected", "participant.reconnected");
    TrailEvent moved = since.stream().filter(e -> e.type() == EventType.CALL_OWNER_CHANGED).findFirst().orElseThrow();
    assertThat(moved.payloadJson().getString("from")).isEqualTo("node-a");
    assertThat(moved.payloadJson().getString("to")).isEqualTo(owner());
    assertThat(moved.payloadJson().getLong("fence")).isGreaterThan(1L);
    assertThat(since.stream().filter(e -> e.type() == EventType.PARTICIPANT_DISCONNECTED)
        .map(e -> e.payloadJson().getString("role"))).containsExactlyInAnyOrder("applicant", "inspector");
    assertThat(since.stream().filter(e -> e.type() == EventType.PARTICIPANT_RECONNECTED)
        .map(e -> e.payloadJson().getString("role"))).containsExactlyInAnyOrder("applicant", "inspector");
    assertThat(types(since).indexOf("call.owner_changed")).isLessThan(types(since).indexOf("participant.reconnected"));

    // Ending the inspection on a node that does not run the call reaches both participants through the owner.
    String runner = owner();
    NodeProcess other = nodes.stream().filter(n -> n.alive() && !n.name().equals(runner)).findFirst().orElseThrow();
    Http there = new Http(vertx, other.port()).login(inspectorName, "correct-horse-battery");
    assertThat(there.post("/api/inspections/" + inspectionId + "/end", new JsonObject().put("conclusion", "fail"))
        .statusCode()).isEqualTo(200);
    assertThat(i2.next("ended", 15000).getString("conclusion")).isEqualTo("fail");
    assertThat(a2.next("ended", 15000).getString("conclusion")).isEqualTo("fail");
    long released = System.currentTimeMillis() + 15_000;
    while (owner() != null && System.currentTimeMillis() < released) {
      Thread.sleep(100);
    }
    assertThat(owner()).as("the ended call's lease is given up").isNull();
    i2.close();
    a2.close();

    // A logout on one node closes the sockets opened with that session on another at once.
    Http elsewhere = new Http(vertx, node("node-c").port()).login(inspectorName, "correct-horse-battery");
    Ws onB = Ws.staff(vertx, node("node-b").port(), elsewhere.sessionCookie(), null).await();
    onB.send(new JsonObject().put("type", "ping"));
    onB.next("pong", 15000);
    assertThat(elsewhere.post("/api/logout").statusCode()).isBetween(200, 204);
    assertThat(onB.next("error", 15000).getString("code")).isEqualTo("session_ended");
    assertThat(onB.closeStatus(15000)).isEqualTo((short) 4401);
  }

  @Test
  void aPausedOwnerThatLostItsLeaseWritesNothingForTheCall() throws Exception {
    Ws a = applicantOn(node("node-a").port()).send(new JsonObject().put("type", "join"));
    String applicantKey = a.next("joined", 15000).getString("seatKey");
    Ws i = inspectorOn(node("node-b").port()).send(new JsonObject().put("type", "join").put("inspectionId",
        inspectionId));
    String inspectorKey = i.next("joined", 15000).getString("seatKey");
    a.next("peer-joined", 15000);
    assertThat(owner()).isEqualTo("node-a");

    node("node-a").pause();
    long deadline = System.currentTimeMillis() + 45_000;
    while ((owner() == null || "node-a".equals(owner())) && System.currentTimeMillis() < deadline) {
      Thread.sleep(200);
    }
    assertThat(owner()).as("another node took the frozen node's call over").isIn("node-b", "node-c");
    assertThat(i.closeStatus(15000)).as("node b tells the bridged socket to reconnect").isEqualTo((short) 1012);
    // The applicant's page notices its frozen socket (no pong) and reconnects.
    a.drop();
    Ws i2 = resume(() -> inspectorOn(proxy.port()), new JsonObject().put("type", "join")
        .put("inspectionId", inspectionId).put("resume", inspectorKey));
    Ws a2 = resume(() -> applicantOn(proxy.port()), new JsonObject().put("type", "join").put("resume", applicantKey));
    signal(i2, a2, "moved");
    List<String> settled = types(trail.read(inspectionId).await());

    node("node-a").resume();
    // Node a wakes up with the applicant's closed socket and the old bridged socket still on its books: it finds
    // its lease gone (or its append refused by the fence) and drops the call, writing nothing.
    long woke = System.currentTimeMillis() + 60_000;
    while (!node("node-a").log().contains("inspection " + inspectionId + ": this node's lease on the call is gone")
        && System.currentTimeMillis() < woke) {
      Thread.sleep(200);
    }
    assertThat(node("node-a").log()).contains("inspection " + inspectionId + ": this node's lease on the call is gone");
    signal(i2, a2, "still");
    assertThat(types(trail.read(inspectionId).await())).as("nothing from the stale owner").isEqualTo(settled);
    assertThat(owner()).isNotEqualTo("node-a");
    i2.close();
    a2.close();
  }
}
