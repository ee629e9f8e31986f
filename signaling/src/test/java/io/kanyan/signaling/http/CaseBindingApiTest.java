package io.kanyan.signaling.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.recording.Sha256;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.kanyan.signaling.testing.Ws;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the HTTP answers say once the case record was tampered with in Redis: every read shows what the
 * trail says and names the altered field, verification reports it, and a committed inspection whose data
 * is gone answers "tampered", not "not found". Also the location bound to the trail: a snapshot shows the
 * latest fix that went on the trail, and a device clock far from the server's is flagged.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CaseBindingApiTest {

  static TestServer server;
  static RedisStore redis;
  static Http olga;
  static Http quinn;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    redis = RedisStore.connect(server.vertx(), server.redis().url()).await();
    olga = Staff.as(server, "olga", "inspector");
    quinn = Staff.as(server, "quinn", "auditor");
  }

  @AfterAll
  static void stop() {
    redis.close();
    server.close();
  }

  static String create(String caseNumber) {
    return olga.post("/api/inspections", server.inspectionBody(caseNumber)).bodyAsJsonObject()
        .getJsonObject("inspection").getString("id");
  }

  static List<JsonObject> events(String id) {
    return quinn.get("/api/inspections/" + id + "/trail").bodyAsJsonObject().getJsonArray("events").stream()
        .map(JsonObject.class::cast).toList();
  }

  /** Trail events are appended after the message that causes them is answered: wait for one to land. */
  static JsonObject awaitEvent(String id, Predicate<JsonObject> wanted) throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      Optional<JsonObject> found = events(id).stream().filter(wanted).findFirst();
      if (found.isPresent()) {
        return found.get();
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no such event on the trail of " + id);
  }

  @Test
  void anEditedConclusionIsShownAsTheTrailSaysAndNamedInEveryAnswer() {
    String id = create("BIND-API-1");
    olga.post("/api/inspections/" + id + "/end", new JsonObject().put("conclusion", "fail").put("remark", "整改"));
    assertThat(olga.get("/api/inspections/" + id).bodyAsJsonObject().getJsonArray("recordProblems"))
        .as("untouched").isEmpty();
    redis.call(c -> c.hset("kanyan:case:" + id, Map.of("conclusion", "pass", "remark", "合格"))).await();

    JsonObject own = olga.get("/api/inspections/" + id).bodyAsJsonObject();
    assertThat(own.getString("conclusion")).isEqualTo("fail");
    assertThat(own.getJsonArray("recordProblems").encode()).contains("case record field 'conclusion'");
    JsonObject listed = olga.get("/api/inspections?caseNumber=BIND-API-1").bodyAsJsonArray().getJsonObject(0);
    assertThat(listed.getString("conclusion")).isEqualTo("fail");
    assertThat(listed.getJsonArray("recordProblems").encode()).contains("'conclusion'");
    JsonObject searched = quinn.get("/api/audit/inspections?caseNumber=BIND-API-1").bodyAsJsonObject()
        .getJsonArray("items").getJsonObject(0);
    assertThat(searched.getJsonArray("recordProblems").encode()).contains("'remark'");
    JsonObject detail = quinn.get("/api/audit/inspections/" + id).bodyAsJsonObject().getJsonObject("inspection");
    assertThat(detail.getString("conclusion")).isEqualTo("fail");
    JsonObject verdict = quinn.get("/api/audit/inspections/" + id + "/verify").bodyAsJsonObject();
    assertThat(verdict.getBoolean("valid")).isFalse();
    assertThat(verdict.getJsonArray("problems").encode()).contains("case record field 'conclusion'");
  }

  @Test
  void aCommittedInspectionWhoseDataIsGoneAnswersTamperedNotNotFound() throws InterruptedException {
    String id = create("BIND-API-2");
    olga.post("/api/inspections/" + id + "/end", new JsonObject().put("conclusion", "pass"));
    // The record (勘验笔录) is rendered after the end; let the server finish writing before the insider strikes.
    awaitEvent(id, e -> "record.rendered".equals(e.getString("type")));
    server.running().server().audit().checkpoints().checkpointNow().await();
    redis.call(c -> c.del("kanyan:case:" + id, "kanyan:trail:{" + id + "}", "kanyan:trail:{" + id + "}:ids")).await();
    redis.call(c -> c.hdel("kanyan:trail:heads", id)).await();

    HttpResponse<Buffer> own = olga.get("/api/inspections/" + id);
    assertThat(own.statusCode()).as(own.bodyAsString()).isEqualTo(410);
    assertThat(own.bodyAsJsonObject().getString("code")).isEqualTo("tampered");
    assertThat(own.bodyAsJsonObject().getString("message")).contains("was committed by the commitment log (leaf ")
        .contains("Redis no longer holds its case record");
    HttpResponse<Buffer> detail = quinn.get("/api/audit/inspections/" + id);
    assertThat(detail.statusCode()).isEqualTo(410);
    assertThat(detail.bodyAsJsonObject().getString("code")).isEqualTo("tampered");
    JsonObject verdict = quinn.get("/api/audit/inspections/" + id + "/verify").bodyAsJsonObject();
    assertThat(verdict.getBoolean("valid")).isFalse();
    assertThat(verdict.getJsonArray("problems").getString(0)).contains("Redis no longer holds its case record and trail");
    assertThat(verdict.getJsonArray("problems").encode()).as("then, from the log's commitments, what was removed")
        .contains("but the trail has 0 events: events were removed");
    HttpResponse<Buffer> export = quinn.get("/api/audit/inspections/" + id + "/export");
    assertThat(export.statusCode()).as("exported through the log's commitments").isEqualTo(200);
    assertThat(export.getHeader("Content-Type")).isEqualTo("application/zip");
    assertThat(redis.call(c -> c.exists("kanyan:trail:{" + id + "}")).await())
        .as("no audit.access was appended: it would start a new chain under the deleted id").isZero();
    assertThat(quinn.get("/api/audit/inspections/no-such-inspection").statusCode()).as("never existed").isEqualTo(404);
  }

  @Test
  void hiddenIndexEntriesAreListedInSearchAnswersAfterTheSweep() {
    String id = create("BIND-API-3");
    server.running().server().audit().checkpoints().checkpointNow().await();
    redis.call(c -> c.zrem("kanyan:cases:by-time", id)).await();
    redis.call(c -> c.zrem("kanyan:cases:by-number:bind-api-3", id)).await();
    server.running().server().audit().sweep().runOnce().await();
    JsonObject page = quinn.get("/api/audit/inspections?caseNumber=BIND-API-3").bodyAsJsonObject();
    assertThat(page.getJsonArray("items")).isEmpty();
    assertThat(page.getJsonArray("hidden").encode()).contains(id).contains("kanyan:cases:by-number:bind-api-3");
  }

  @Test
  void aSnapshotShowsTheLatestFixOnTheTrailAndAFarOffDeviceClockIsFlagged() throws Exception {
    JsonObject created = olga.post("/api/inspections", server.inspectionBody("BIND-API-4")).bodyAsJsonObject();
    String id = created.getJsonObject("inspection").getString("id");
    String invite = created.getJsonObject("invite").getString("token");
    Ws applicant = Ws.applicant(server.vertx(), server.httpPort(), invite, server.origin()).await()
        .send(new JsonObject().put("type", "join"));
    applicant.next("joined");
    long farOff = System.currentTimeMillis() - 3_600_000;
    applicant.send(new JsonObject().put("type", "location").put("lat", 39.9).put("lng", 116.4)
        .put("accuracy", 10.0).put("timestamp", farOff));
    // Within 2 s of the first: kept as the call's latest but not put on the trail.
    applicant.send(new JsonObject().put("type", "location").put("lat", 41.0).put("lng", 120.0)
        .put("timestamp", System.currentTimeMillis()));
    JsonObject fix = awaitEvent(id, e -> e.getString("type").equals("location.fix"));
    JsonObject payload = fix.getJsonObject("payload");
    assertThat(payload.getBoolean("clockSkewFlagged")).as("a device clock an hour off is flagged").isTrue();
    assertThat(payload.getLong("clockSkewMillis")).isLessThan(-3_000_000L);

    byte[] jpeg = jpeg();
    HttpResponse<Buffer> r = olga.raw().post(server.httpPort(), "localhost", "/api/inspections/" + id + "/snapshots")
        .putHeader("Content-Type", "image/jpeg").putHeader("X-Content-SHA256", Sha256.of(jpeg))
        .sendBuffer(Buffer.buffer(jpeg)).await();
    assertThat(r.statusCode()).isEqualTo(201);
    assertThat(r.bodyAsJsonObject().getJsonObject("location").getDouble("lat"))
        .as("the latest fix on the trail, not the newer one that never went on it").isEqualTo(39.9);
    JsonObject taken = awaitEvent(id, e -> e.getString("type").equals("snapshot.taken")).getJsonObject("payload");
    assertThat(taken.getLong("locationSeq")).isEqualTo(fix.getLong("seq"));
    byte[] display = olga.get("/api/inspections/" + id + "/snapshots/" + taken.getString("snapshotId")).body()
        .getBytes();
    assertThat(taken.getString("displaySha256")).as("the watermarked copy served is the one on the trail")
        .isEqualTo(Sha256.of(display));
    applicant.close();
  }

  static byte[] jpeg() throws Exception {
    BufferedImage image = new BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, 320, 240);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "jpg", out);
    return out.toByteArray();
  }
}
