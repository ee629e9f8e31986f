package io.kanyan.signaling.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Receiver;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.kanyan.signaling.testing.Ws;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The hand-off to the approval system with real parts: API keys created, used and revoked through the API;
 * the approval system creating an inspection with its key; webhooks to a real HTTP receiver that checks the
 * HMAC signature, which fails on purpose to show retry, then dead-letter, then an admin's replay.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ApprovalSystemTest {

  static TestServer server;
  static Vertx receivers;
  static Receiver approval;
  static Http admin;
  static Http inspector;
  static WebClient raw;

  @BeforeAll
  static void start() {
    receivers = Vertx.vertx();
    approval = new Receiver(receivers, null);
    server = TestServer.start(Map.of("KANYAN_WEBHOOK_ATTEMPTS", "3", "KANYAN_WEBHOOK_BACKOFF", "20ms",
        "KANYAN_WEBHOOK_POLL", "20ms", "KANYAN_WEBHOOK_TIMEOUT", "2s"));
    admin = new Http(server.vertx(), server.httpPort()).login("admin", TestServer.ADMIN_PASSWORD);
    inspector = Staff.as(server, "ivan", "inspector");
    raw = WebClient.create(server.vertx());
  }

  @AfterAll
  static void stop() {
    server.close();
    receivers.close().await();
  }

  /** Creates an integration as the admin; answers the body shown once (key and secret). */
  static JsonObject integration(String name, JsonArray scopes, String webhookUrl) {
    JsonObject in = new JsonObject().put("name", name).put("scopes", scopes).put("inspector", "ivan");
    if (webhookUrl != null) {
      in.put("webhookUrl", webhookUrl);
    }
    HttpResponse<Buffer> r = admin.post("/api/integrations", in);
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    return r.bodyAsJsonObject();
  }

  static HttpResponse<Buffer> withKey(String method, String path, String key, JsonObject body) {
    var req = raw.request(io.vertx.core.http.HttpMethod.valueOf(method), server.httpPort(), "localhost", path);
    if (key != null) {
      req.putHeader("Authorization", "Bearer " + key);
    }
    return body == null ? req.send().await() : req.sendJsonObject(body).await();
  }

  @Test
  void anApiKeyIsShownOnceStoredHashedScopedAndRevocable() {
    JsonObject made = integration("审批系统", new JsonArray().add("inspections:create").add("inspections:read"), null);
    String key = made.getString("apiKey");
    String id = made.getJsonObject("integration").getString("id");
    assertThat(key).startsWith("kyk_");

    // Listed without the key; Redis holds only its digest.
    JsonArray listed = admin.get("/api/integrations").bodyAsJsonArray();
    assertThat(listed.encode()).doesNotContain(key);
    assertThat(server.running().storage().redis().call(c -> c.hgetall("kanyan:integration:" + id)).await().values())
        .noneMatch(v -> v.contains(key.substring(4)));

    // The approval system creates an inspection and gets the invite link.
    JsonObject body = server.inspectionBody("A-1").put("matterCode", "food-business");
    body.remove("matterType");
    HttpResponse<Buffer> created = withKey("POST", "/api/integration/inspections", key, body);
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    String inspectionId = created.bodyAsJsonObject().getJsonObject("inspection").getString("id");
    assertThat(created.bodyAsJsonObject().getJsonObject("inspection").getString("inspector")).isEqualTo("ivan");
    assertThat(created.bodyAsJsonObject().getJsonObject("invite").getString("url")).contains("/applicant.html#invite=");

    HttpResponse<Buffer> read = withKey("GET", "/api/integration/inspections/" + inspectionId, key, null);
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(read.bodyAsJsonObject().getString("caseNumber")).isEqualTo("A-1");

    // Every use is on the integrations chain and on the inspection's trail.
    JsonArray chain = admin.get("/api/integrations/trail").bodyAsJsonObject().getJsonArray("events");
    assertThat(chain.stream().map(e -> ((JsonObject) e).getString("type")))
        .contains("integration.key_created", "integration.key_used");
    JsonArray trail = inspector.get("/api/inspections/" + inspectionId + "/trail").bodyAsJsonObject()
        .getJsonArray("events");
    assertThat(trail.stream().map(e -> ((JsonObject) e).getString("type"))).contains("integration.key_used");

    // Bad input: no key, a wrong key, another integration's inspection, a bad matter.
    assertThat(withKey("POST", "/api/integration/inspections", null, body).statusCode()).isEqualTo(401);
    assertThat(withKey("POST", "/api/integration/inspections", "kyk_wrong", body).bodyAsJsonObject()
        .getString("code")).isEqualTo("bad_api_key");
    JsonObject unknownMatter = body.copy().put("matterCode", "no-such-matter");
    assertThat(withKey("POST", "/api/integration/inspections", key, unknownMatter).statusCode()).isBetween(400, 404);

    // A read-only key cannot create, and cannot see inspections it did not create.
    String readOnly = integration("报表", new JsonArray().add("inspections:read"), null).getString("apiKey");
    assertThat(withKey("POST", "/api/integration/inspections", readOnly, body).statusCode()).isEqualTo(403);
    assertThat(withKey("GET", "/api/integration/inspections/" + inspectionId, readOnly, null).statusCode())
        .isEqualTo(404);

    // Revoked: refused at once.
    assertThat(admin.post("/api/integrations/" + id + "/revoke").bodyAsJsonObject().getString("status"))
        .isEqualTo("revoked");
    assertThat(withKey("POST", "/api/integration/inspections", key, body).statusCode()).isEqualTo(401);
    assertThat(admin.get("/api/integrations/trail").bodyAsJsonObject().getJsonArray("events").stream()
        .map(e -> ((JsonObject) e).getString("type"))).contains("integration.key_revoked");
    assertThat(admin.get("/api/integrations/trail").bodyAsJsonObject().getJsonArray("events").stream()
        .map(e -> ((JsonObject) e).getJsonObject("payload")))
        .anyMatch(p -> id.equals(p.getString("integration")) && "refused: revoked".equals(p.getString("what")));
  }

  @Test
  void aCreateSentAgainWithTheSameIdempotencyKeyMakesOneInspection() {
    String key = integration("重试", new JsonArray().add("inspections:create"), null).getString("apiKey");
    JsonObject body = server.inspectionBody("R-1");
    java.util.function.Supplier<HttpResponse<Buffer>> send = () -> raw.post(server.httpPort(), "localhost",
        "/api/integration/inspections").putHeader("Authorization", "Bearer " + key)
        .putHeader("Idempotency-Key", "case-R-1").sendJsonObject(body).await();
    HttpResponse<Buffer> first = send.get();
    HttpResponse<Buffer> again = send.get();
    assertThat(first.statusCode()).as(first.bodyAsString()).isEqualTo(201);
    assertThat(again.statusCode()).as(again.bodyAsString()).isEqualTo(201);
    String id = first.bodyAsJsonObject().getJsonObject("inspection").getString("id");
    assertThat(again.bodyAsJsonObject().getJsonObject("inspection").getString("id")).isEqualTo(id);
    assertThat(again.bodyAsJsonObject().getBoolean("repeated")).isTrue();
    // The link answered the second time is the one that works now.
    String token = again.bodyAsJsonObject().getJsonObject("invite").getString("token");
    assertThat(new Http(server.vertx(), server.httpPort()).getWithHeader("/api/invite", "X-Invite-Token", token)
        .statusCode()).isEqualTo(200);
    assertThat(inspector.get("/api/inspections?caseNumber=R-1").bodyAsJsonArray()).hasSize(1);
  }

  @Test
  void refusesAnIntegrationWithoutAnInspectorOrWithUnknownScopes() {
    HttpResponse<Buffer> r = admin.post("/api/integrations", new JsonObject().put("name", "x")
        .put("scopes", new JsonArray().add("everything")).put("inspector", "ivan"));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.bodyAsJsonObject().getString("message")).contains("everything");
    r = admin.post("/api/integrations", new JsonObject().put("name", "x")
        .put("scopes", new JsonArray().add("inspections:create")).put("inspector", "nobody"));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.bodyAsJsonObject().getString("message")).contains("nobody");
    assertThat(inspector.post("/api/integrations", new JsonObject()).statusCode()).isEqualTo(403);
  }

  @Test
  void webhooksAreSignedRetriedDeadLetteredAndReplayedWithoutLosingAnEvent() {
    JsonObject made = integration("webhooks", new JsonArray().add("inspections:read"), approval.url("/hooks"));
    String secret = made.getString("webhookSecret");
    assertThat(secret).startsWith("whsec_");
    approval.secret(secret);

    // Delivered: created, started (both sides connected), ended with its conclusion; each signed, each with its
    // idempotency key.
    JsonObject created = inspector.post("/api/inspections", server.inspectionBody("W-1")).bodyAsJsonObject();
    String id = created.getJsonObject("inspection").getString("id");
    Supplier<List<Receiver.Received>> mineSoFar = () -> approval.accepted().stream()
        .filter(r -> id.equals(r.body().getString("inspectionId"))).toList();
    await(mineSoFar, l -> l.size() >= 1);
    try (Ws phone = Ws.applicant(server.vertx(), server.httpPort(), created.getJsonObject("invite").getString("token"),
            server.origin()).await().send(new JsonObject().put("type", "join"));
        Ws desk = Ws.staff(server.vertx(), server.httpPort(), inspector.sessionCookie(), server.origin()).await()
            .send(new JsonObject().put("type", "join").put("inspectionId", id))) {
      phone.next("joined");
      desk.next("peer-joined");
      await(mineSoFar, l -> l.size() >= 2);
      assertThat(inspector.post("/api/inspections/" + id + "/end", new JsonObject().put("conclusion", "pass"))
          .statusCode()).isEqualTo(200);
    }
    List<Receiver.Received> mine = await(mineSoFar, l -> l.size() >= 3);
    assertThat(mine).allMatch(Receiver.Received::signatureValid);
    // The signed record's webhook (record.rendered) may follow them already, when its rendering was quick.
    assertThat(mine.stream().map(r -> r.body().getString("type")).toList()).startsWith("inspection.created",
        "inspection.started", "inspection.ended");
    JsonObject ended = mine.get(2).body();
    assertThat(ended.getJsonObject("data").getString("conclusion")).isEqualTo("pass");
    assertThat(mine.get(0).body().getJsonObject("data").encode()).doesNotContain("13800138000");
    assertThat(mine).allMatch(r -> r.idempotencyKey().equals(r.body().getString("id")));

    // The receiver goes down: three tries, then the dead-letter list.
    approval.failAll = true;
    String id2 = inspector.post("/api/inspections", server.inspectionBody("W-2")).bodyAsJsonObject()
        .getJsonObject("inspection").getString("id");
    JsonObject dead = await(() -> admin.get("/api/webhooks/dead-letters").bodyAsJsonArray().stream()
        .map(JsonObject.class::cast).filter(d -> id2.equals(d.getString("inspectionId"))).findFirst().orElse(null),
        d -> d != null);
    assertThat(dead.getInteger("attempts")).isEqualTo(3);
    assertThat(dead.getString("lastError")).contains("503");
    List<Receiver.Received> refused = approval.received().stream()
        .filter(r -> id2.equals(r.body().getString("inspectionId"))).toList();
    assertThat(refused).hasSize(3);
    JsonArray chain = admin.get("/api/integrations/trail").bodyAsJsonObject().getJsonArray("events");
    assertThat(chain.stream().map(JsonObject.class::cast).filter(e -> id2.equals(e.getJsonObject("payload")
        .getString("inspection"))).map(e -> e.getString("type")))
        .containsExactly("webhook.failed", "webhook.failed", "webhook.dead_lettered");

    // Back up; the admin replays: delivered once, with the same idempotency key as the refused tries.
    approval.failAll = false;
    assertThat(admin.post("/api/webhooks/dead-letters/" + dead.getString("id") + "/replay").statusCode())
        .isEqualTo(200);
    Receiver.Received replayed = await(() -> approval.accepted().stream()
        .filter(r -> id2.equals(r.body().getString("inspectionId"))).findFirst().orElse(null), r -> r != null);
    assertThat(replayed.signatureValid()).isTrue();
    assertThat(replayed.idempotencyKey()).isEqualTo(refused.get(0).idempotencyKey());
    assertThat(admin.get("/api/webhooks/dead-letters").bodyAsJsonArray().stream().map(JsonObject.class::cast)
        .noneMatch(d -> id2.equals(d.getString("inspectionId")))).isTrue();
    assertThat(admin.post("/api/webhooks/dead-letters/" + dead.getString("id") + "/replay").statusCode())
        .isEqualTo(404);
  }

  /** The integrations chain has no case record: committing it and sweeping must not read that as tampering. */
  @Test
  void theIntegrationsChainIsCommittedButRaisesNoTamperAlarmInTheSweep() {
    integration("链", new JsonArray().add("inspections:read"), null);
    var audit = server.running().server().audit();
    audit.checkpoints().checkpointNow().await();
    long alarmsBefore = audit.checkpoints().alarms().count();
    List<io.kanyan.recorder.audit.Sweep.Finding> found = audit.sweep().runOnce().await();
    assertThat(found).noneMatch(f -> f.inspectionId().equals(IntegrationKeys.CHAIN));
    assertThat(audit.checkpoints().alarms().count()).isEqualTo(alarmsBefore);
  }

  @Test
  void everyStateChangeAndTheSignedRecordBecomeAWebhookAndNothingElseDoes() {
    java.util.function.Function<io.kanyan.recorder.trail.EventType, String> type = t -> Webhooks.typeOf(
        new io.kanyan.recorder.trail.TrailEvent("e", "i", 1, t, "system", java.time.Instant.EPOCH, "{}", "0", "h"));
    assertThat(type.apply(io.kanyan.recorder.trail.EventType.INSPECTION_CREATED)).isEqualTo("inspection.created");
    assertThat(type.apply(io.kanyan.recorder.trail.EventType.CALL_CONNECTED)).isEqualTo("inspection.started");
    assertThat(type.apply(io.kanyan.recorder.trail.EventType.INSPECTION_ENDED)).isEqualTo("inspection.ended");
    assertThat(type.apply(io.kanyan.recorder.trail.EventType.BOOKING_MOVED)).isEqualTo("booking.moved");
    assertThat(type.apply(io.kanyan.recorder.trail.EventType.NOTE_ADDED)).isNull();
    assertThat(type.apply(io.kanyan.recorder.trail.EventType.WEBHOOK_DELIVERED)).isNull();
  }

  private static <T> T await(Supplier<T> read, java.util.function.Predicate<T> done) {
    while (true) {
      T value = read.get();
      if (done.test(value)) {
        return value;
      }
      try {
        Thread.sleep(30);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
