package io.kanyan.signaling.media.kurento;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.TestRedis;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.recorder.trail.TrailEvent;
import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.NodeProcess;
import io.kanyan.signaling.testing.Ws;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15.2, Kurento mode: two clustered nodes (JVMs of their own) on one Redis and one media server (the KMS
 * double), recordings on a shared directory. The owner of a recorded call is killed; the other node takes the call
 * over and adopts the lost owner's pipeline: the recorders record on in the same segments, {@code pipeline.adopted}
 * goes on the trail and no gap. Where the media server has forgotten the pipeline (its garbage collector released the
 * dead node's session), the new owner says so on the trail: a {@code recording.gap} per recorded role with reason
 * {@code owner_changed}, and the recordings go on in new segments.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class KurentoTakeoverTest {

  TestRedis redis;
  Vertx kmsVertx;
  FakeKms kms;
  List<NodeProcess> nodes = new ArrayList<>();
  Vertx vertx;
  RedisStore store;
  final java.util.Set<String> flowing = new java.util.HashSet<>();
  /** The nodes' data and logs and the shared recordings; kept when the test fails. */
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dir;

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
    if (kms != null) {
      kms.kill().await();
      kmsVertx.close().await();
    }
    if (redis != null) {
      redis.close();
    }
  }

  NodeProcess a;
  NodeProcess b;
  Trail trail;
  String name;
  String id;
  String invite;
  String insKey;
  String appKey;
  Http inspector;

  @Test
  void aTakeoverAdoptsTheLostOwnersPipelineAndTheRecordingsGoOnInTheSameFiles() throws Exception {
    recordACallOnNodeA();
    String pipelineId = kms.objects("MediaPipeline").get(0).id;
    List<String> lostEndpoints = kms.objects("WebRtcEndpoint").stream().map(e -> e.id).toList();
    List<String> recorders = kms.objects("RecorderEndpoint").stream().map(r -> r.id).toList();

    a.kill9();

    Ws ins2 = resume(() -> Ws.staff(vertx, b.port(), inspector.sessionCookie(), null).await(),
        new JsonObject().put("type", "join").put("inspectionId", id).put("resume", insKey));
    Ws app2 = resume(() -> Ws.applicant(vertx, b.port(), invite, null).await(),
        new JsonObject().put("type", "join").put("resume", appKey));
    KurentoTestSupport.eventually(vertx, Duration.ofSeconds(15), () -> trail.read(id).await().stream()
        .anyMatch(e -> isMedia(e, "pipeline.adopted")));
    // KMS expires the dead node's session: what node b adopted is referenced by its own session and stays.
    assertThat(kms.collectGarbage()).isPositive();
    assertThat(kms.objects("RecorderEndpoint")).extracting(r -> r.id).containsExactlyInAnyOrderElementsOf(recorders);
    // The pages re-offer after reconnecting: new endpoints on node b, which take over the adopted recorders.
    record(ins2, app2, 2);
    KurentoTestSupport.eventually(vertx, Duration.ofSeconds(15), () -> recorders.stream().allMatch(r ->
        kms.objects("WebRtcEndpoint").stream().anyMatch(e -> e.sinks.contains(r) && !lostEndpoints.contains(e.id))));

    assertThat(kms.objects("RecorderEndpoint")).as("no new recorder, no new segment").extracting(r -> r.id)
        .containsExactlyInAnyOrderElementsOf(recorders);
    assertThat(kms.objects("RecorderEndpoint")).allMatch(r -> r.recording);
    KurentoTestSupport.eventually(vertx, Duration.ofSeconds(15), () -> kms.objects("WebRtcEndpoint").stream()
        .noneMatch(e -> lostEndpoints.contains(e.id)));
    assertThat(kms.objects("MediaPipeline")).singleElement().satisfies(p -> {
      assertThat(p.id).isEqualTo(pipelineId);
      assertThat(p.name).as("node b's clean-up owns it now").isEqualTo("kanyan:node-b:" + id);
    });
    List<TrailEvent> events = trail.read(id).await();
    int moved = indexOf(events, EventType.CALL_OWNER_CHANGED);
    TrailEvent adopted = events.stream().filter(e -> isMedia(e, "pipeline.adopted")).findFirst().orElseThrow();
    assertThat(events.indexOf(adopted)).as("written by the new owner, after the owner change").isGreaterThan(moved);
    JsonObject d = adopted.payloadJson();
    assertThat(d.getString("pipelineId")).isEqualTo(pipelineId);
    assertThat(d.getString("kms")).isEqualTo(kms.url());
    assertThat(d.getString("from")).isEqualTo("node-a");
    assertThat(d.getString("to")).isEqualTo("node-b");
    assertThat(d.getJsonObject("recordings")).isEqualTo(new JsonObject().put("inspector", 1).put("applicant", 1));
    assertThat(events).noneMatch(e -> e.type() == EventType.RECORDING_GAP);
    assertThat(events).noneMatch(e -> isMedia(e, "recording.started") && e.payloadJson().getInteger("segment") != 1);

    // The call ends on node b: it stops the adopted recorders, finalises segment 1 of each, releases the pipeline.
    Http endOnB = new Http(vertx, b.port()).login(name, "correct-horse-battery");
    var ended = endOnB.post("/api/inspections/" + id + "/end", new JsonObject().put("conclusion", "fail")
        .put("remark", "site not ready"));
    assertThat(ended.statusCode()).as(ended.bodyAsString()).isEqualTo(200);
    KurentoTestSupport.eventually(vertx, Duration.ofSeconds(30), () -> trail.read(id).await().stream()
        .filter(e -> e.type() == EventType.RECORDING_FINALISED).count() == 2);
    for (TrailEvent file : trail.read(id).await().stream().filter(e -> e.type() == EventType.RECORDING_FINALISED).toList()) {
      assertThat(file.payloadJson().getInteger("segment")).isEqualTo(1);
      assertThat(file.payloadJson().getString("sha256")).hasSize(64);
    }
    KurentoTestSupport.eventually(vertx, Duration.ofSeconds(15), () -> kms.objectCount() == 0);
    ins2.close();
    app2.close();
  }

  @Test
  void aTakeoverThatCannotAdoptTheMediaPutsTheGapOnTheTrailAndRecordsOn() throws Exception {
    recordACallOnNodeA();

    a.kill9();
    // KMS's garbage collector expires the dead node's session (no connection): its pipeline is released before node b
    // takes the call over, so there is nothing left to adopt.
    KurentoTestSupport.eventually(vertx, Duration.ofSeconds(15), () -> kms.collectGarbage() > 0);
    assertThat(kms.objectCount()).isZero();

    Ws ins2 = resume(() -> Ws.staff(vertx, b.port(), inspector.sessionCookie(), null).await(),
        new JsonObject().put("type", "join").put("inspectionId", id).put("resume", insKey));
    Ws app2 = resume(() -> Ws.applicant(vertx, b.port(), invite, null).await(),
        new JsonObject().put("type", "join").put("resume", appKey));
    // The pages re-offer after reconnecting: new media on node b, recording again.
    record(ins2, app2, 2);

    KurentoTestSupport.eventually(vertx, Duration.ofSeconds(15), () -> trail.read(id).await().stream()
        .filter(e -> e.type() == EventType.RECORDING_GAP).count() == 2);
    List<TrailEvent> events = trail.read(id).await();
    int moved = indexOf(events, EventType.CALL_OWNER_CHANGED);
    assertThat(moved).isNotNegative();
    assertThat(events).noneMatch(e -> isMedia(e, "pipeline.adopted"));
    for (String role : List.of("inspector", "applicant")) {
      TrailEvent gap = events.stream().filter(e -> e.type() == EventType.RECORDING_GAP
          && role.equals(e.payloadJson().getString("role"))).findFirst().orElseThrow();
      JsonObject d = gap.payloadJson();
      assertThat(d.getString("reason")).isEqualTo("owner_changed");
      assertThat(d.getString("from")).isEqualTo("node-a");
      assertThat(d.getString("to")).isEqualTo("node-b");
      assertThat(d.getInteger("previousSegment")).isEqualTo(1);
      assertThat(d.getInteger("segment")).isEqualTo(2);
      assertThat(d.getLong("gapMillis")).isNotNegative();
      assertThat(events.indexOf(gap)).as("written by the new owner, after the owner change").isGreaterThan(moved);
      assertThat(events.stream().anyMatch(e -> isMedia(e, "recording.started")
          && role.equals(e.payloadJson().getString("role")) && e.payloadJson().getInteger("segment") == 2))
          .as("the new segment of %s records", role).isTrue();
    }
    ins2.close();
    app2.close();
  }

  /**
   * Two clustered nodes on the KMS double; an inspection whose two participants joined node a, which owns the call and
   * records both (segment 1 each) until its saved state names both recordings and their media elements.
   */
  private void recordACallOnNodeA() throws Exception {
    redis = TestRedis.start();
    kmsVertx = Vertx.vertx();
    kms = new FakeKms(kmsVertx, KurentoTestSupport.fixture()).start(0).await();
    Path shared = Files.createDirectories(dir.resolve("shared-recordings"));
    for (String name : List.of("node-a", "node-b")) {
      Path data = Files.createDirectories(dir.resolve(name));
      Files.createSymbolicLink(data.resolve("recordings"), shared); // shared storage, as CLUSTER.md asks
      Map<String, String> env = new HashMap<>(Map.of("KANYAN_CLUSTER", "true", "KANYAN_CALL_LEASE", "8s",
          "KANYAN_GRACE_PERIOD", "45s", "KANYAN_MAX_CONNECTIONS_PER_ADDRESS", "0", "KANYAN_CHECKPOINT_INTERVAL", "60s"));
      env.putAll(Map.of("KMS_URL", kms.url(), "KANYAN_SERVER_ID", name, "KANYAN_KMS_CONNECT_TIMEOUT", "10s"));
      nodes.add(NodeProcess.start(name, redis.url(), data, env));
    }
    a = nodes.get(0);
    b = nodes.get(1);
    vertx = Vertx.vertx();
    store = RedisStore.connect(vertx, redis.url()).await();
    trail = new Trail(store, Clock.systemUTC());
    Http admin = new Http(vertx, a.port()).login("admin", NodeProcess.ADMIN_PASSWORD);
    name = "insp" + UUID.randomUUID().toString().substring(0, 8);
    assertThat(admin.post("/api/users", new JsonObject().put("username", name).put("displayName", "Officer")
        .put("role", "inspector").put("password", "correct-horse-battery")).statusCode()).isEqualTo(201);
    inspector = new Http(vertx, a.port()).login(name, "correct-horse-battery");
    JsonObject created = inspector.post("/api/inspections", new JsonObject().put("caseNumber", "K-" + UUID.randomUUID())
        .put("matterType", "食品经营许可").put("applicantName", "张三").put("applicantPhone", "13800138000")
        .put("siteAddress", "北京市东城区示例路1号").put("siteLat", 39.9).put("siteLng", 116.4)).bodyAsJsonObject();
    id = created.getJsonObject("inspection").getString("id");
    invite = created.getJsonObject("invite").getString("token");

    // Both participants on node a, which owns the call; both record on the media server (segment 1 each).
    Ws app = Ws.applicant(vertx, a.port(), invite, null).await().send(new JsonObject().put("type", "join"));
    appKey = app.next("joined", 15000).getString("seatKey");
    Ws ins = Ws.staff(vertx, a.port(), inspector.sessionCookie(), null).await()
        .send(new JsonObject().put("type", "join").put("inspectionId", id));
    insKey = ins.next("joined", 15000).getString("seatKey");
    record(ins, app, 2);
    KurentoTestSupport.eventually(vertx, Duration.ofSeconds(15), () -> {
      String state = store.call(c -> c.get("kanyan:call:{" + id + "}:state")).await();
      JsonObject saved = state == null ? null : new JsonObject(state);
      return saved != null && saved.getJsonObject("recording").size() == 2
          && saved.getJsonObject("media", new JsonObject()).getJsonObject("legs", new JsonObject()).size() == 2;
    });
  }

  /** Both offer; the media server answers and its endpoints flow, until {@code recorders} recorders record. */
  private void record(Ws ins, Ws app, int recorders) {
    ins.send(new JsonObject().put("type", "offer").put("sdp", FakeSdp.offer("VP8")));
    app.send(new JsonObject().put("type", "offer").put("sdp", FakeSdp.offer("VP8")));
    assertThat(ins.next("answer", 15000).getString("sdp")).contains("Kurento Media Server");
    assertThat(app.next("answer", 15000).getString("sdp")).contains("Kurento Media Server");
    KurentoTestSupport.eventually(vertx, Duration.ofSeconds(15), () -> {
      for (FakeKms.Obj endpoint : kms.objects("WebRtcEndpoint")) {
        if (!flowing.add(endpoint.id)) {
          continue;
        }
        kms.flowOut(endpoint.id, "AUDIO");
        kms.flowOut(endpoint.id, "VIDEO");
      }
      return kms.objects("RecorderEndpoint").stream().filter(r -> r.recording).count() >= recorders;
    });
  }

  private static boolean isMedia(TrailEvent e, String kind) {
    return e.type() == EventType.MEDIA_EVENT && kind.equals(e.payloadJson().getString("kind"));
  }

  private static int indexOf(List<TrailEvent> events, EventType type) {
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i).type() == type) {
        return i;
      }
    }
    return -1;
  }

  /** Opens sockets to the surviving node until one takes the seat back (it waits for the lost owner's lease). */
  private static Ws resume(Supplier<Ws> open, JsonObject join) {
    long deadline = System.currentTimeMillis() + 40_000;
    AssertionError last = null;
    while (System.currentTimeMillis() < deadline) {
      Ws ws = open.get();
      ws.send(join);
      try {
        JsonObject joined = ws.next("joined", 15000);
        assertThat(joined.getBoolean("resumed")).isTrue();
        return ws;
      } catch (AssertionError e) {
        last = e;
        ws.close();
      }
    }
    throw last;
  }
}
