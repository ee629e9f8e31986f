package io.kanyan.recorder.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.TestRedis;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.recorder.trail.TrailEvent;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class ArchiveTest {

  TestRedis server;
  RedisStore redis;
  Trail trail;
  CaseFiles cases;
  Archive archive;

  @BeforeEach
  void start(Vertx vertx) {
    server = TestRedis.start();
    redis = RedisStore.connect(vertx, server.url()).await();
    trail = new Trail(redis, Clock.systemUTC());
    cases = new CaseFiles(redis, new byte[32]);
    archive = new Archive(cases, trail);
  }

  @AfterEach
  void stop() {
    redis.close();
    server.close();
  }

  @Test
  void detailAnswersFactsTrailAndFilesInOneGo() {
    CaseFile file = new CaseFile("insp-1", "KY-1", "Fire Safety", "wang", "Wang", "张三", CaseFiles.maskPhone("13800138000"),
        cases.phoneHash("13800138000"), "1 Road", 31.2, 121.4, CaseFile.Status.IN_PROGRESS, Instant.now(), null, null,
        null, null);
    cases.create(file).await();
    trail.append("insp-1", EventType.INSPECTION_CREATED, "user:wang", new JsonObject()).await();
    trail.append("insp-1", EventType.SNAPSHOT_TAKEN, "user:wang",
        new JsonObject().put("file", "snapshots/insp-1/a.jpg").put("sha256", "ab".repeat(32))).await();

    JsonObject detail = archive.detail("insp-1").await();
    assertThat(detail.getJsonObject("inspection").getString("applicantPhone")).isEqualTo("138****8000");
    assertThat(detail.getJsonObject("inspection").encode()).doesNotContain(cases.phoneHash("13800138000"));
    assertThat(detail.getJsonObject("trail").getJsonArray("events")).hasSize(2);
    assertThat(detail.getJsonObject("trail").getBoolean("valid")).isTrue();
    assertThat(detail.getJsonArray("files").getJsonObject(0).getString("file")).isEqualTo("snapshots/insp-1/a.jpg");

    JsonObject page = archive.search(new CaseQuery(null, null, null, "138 0013 8000", null, null, null, null, null, 0, 10)).await();
    assertThat(page.getJsonArray("items")).hasSize(1);
    assertThat(page.getBoolean("more")).isFalse();
  }

  @Test
  void everyRecordedAccessIsOnTheTrail() {
    trail.append("insp-2", EventType.INSPECTION_CREATED, "user:wang", new JsonObject()).await();
    archive.recordAccess("insp-2", "user:auditor", "detail").await();
    archive.recordAccess("insp-2", "user:auditor", "download:recordings/insp-2/a.webm").await();
    List<TrailEvent> events = trail.read("insp-2").await();
    assertThat(events).extracting(TrailEvent::type)
        .containsExactly(EventType.INSPECTION_CREATED, EventType.AUDIT_ACCESS, EventType.AUDIT_ACCESS);
    assertThat(events.get(2).payloadJson().getString("what")).isEqualTo("download:recordings/insp-2/a.webm");
    assertThat(events.get(2).actor()).isEqualTo("user:auditor");
  }

  @Test
  void unknownInspectionIsNotFound() {
    assertThat(archive.detail("nope").otherwise(err -> new JsonObject().put("error", err.getClass().getSimpleName()))
        .await().getString("error")).isEqualTo("UnknownInspectionException");
  }

  @Test
  void aRecordingThatCouldNotBeFinalisedIsANoteNotTampering(Vertx vertx, @org.junit.jupiter.api.io.TempDir java.nio.file.Path dataDir) {
    trail.append("insp-3", EventType.INSPECTION_CREATED, "user:wang", new JsonObject()).await();
    trail.append("insp-3", EventType.RECORDING_FINALISED, "system", new JsonObject().put("kind", "recording.file")
        .put("file", "recordings/insp-3/inspector-1.webm").put("error", "ffmpeg: invalid data")).await();
    io.kanyan.recorder.trail.Checkpoints checkpoints = io.kanyan.recorder.trail.Checkpoints.open(vertx, redis,
        Clock.systemUTC(), io.kanyan.recorder.trail.Checkpoints.Settings.under(dataDir)).await();
    checkpoints.checkpointNow().await();
    Verdict verdict = new Verifier(vertx, trail, checkpoints, dataDir).verify("insp-3").await();
    assertThat(verdict.problems()).isEmpty();
    assertThat(verdict.notes()).anyMatch(n -> n.contains("could not be finalised: ffmpeg: invalid data"));
  }

  @Test
  void auditServicesWireCheckpointsVerifierExportAndArchiveInOneStep(Vertx vertx,
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dataDir) {
    CaseFile file = new CaseFile("insp-4", "KY-4", "Fire Safety", "wang", "Wang", "张三", CaseFiles.maskPhone("13800138000"),
        cases.phoneHash("13800138000"), "1 Road", 31.2, 121.4, CaseFile.Status.CREATED, Instant.now(), null, null,
        null, null);
    JsonObject facts = file.toJson();
    facts.remove("status");
    trail.append("insp-4", EventType.INSPECTION_CREATED, "user:wang", facts).await();
    cases.create(file).await();
    AuditServices audit = AuditServices.start(vertx, redis, trail, cases, dataDir,
        java.util.Map.of("KANYAN_CHECKPOINT_INTERVAL", "1"), Clock.systemUTC()).await();
    try {
      java.nio.file.Path zip = audit.export().export("insp-4", dataDir.resolve("out/insp-4.zip")).await();
      assertThat(zip).exists();
      Verdict verdict = audit.verifier().verify("insp-4").await();
      assertThat(verdict.problems()).isEmpty();
      assertThat(verdict.passed()).anyMatch(p -> p.startsWith("case record: "));
      assertThat(audit.checkpoints().publicKeyPem()).startsWith("-----BEGIN PUBLIC KEY-----");
      assertThat(audit.archive().detail("insp-4").await().getJsonObject("trail").getBoolean("valid")).isTrue();
    } finally {
      audit.stop().await();
    }
  }
}
