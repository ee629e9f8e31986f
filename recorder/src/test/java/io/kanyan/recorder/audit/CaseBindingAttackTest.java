package io.kanyan.recorder.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kanyan.recorder.log.TamperAlarms;
import io.kanyan.recorder.recording.Sha256;
import io.kanyan.recorder.recording.Snapshots;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.TestRedis;
import io.kanyan.recorder.trail.Chain;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.recorder.trail.TrailEvent;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks by an insider with Redis and the disk on what an inspection's record says (issue 8, attacks 3, 6
 * and 7): an edited case record (conclusion, status, indexes moved), a swapped watermarked copy, a
 * back-dated event with its hashes recomputed, and hidden index entries or a deleted case record. Each is
 * made the way a careful attacker would, against a real redis-server and real files, and must be caught
 * online (read and verify) and offline (an exported package). Prints a table of attack → how detected.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class CaseBindingAttackTest {

  @TempDir
  static Path dataDir;
  static TestRedis server;
  static RedisStore redis;
  static Trail trail;
  static CaseFiles cases;
  static Snapshots snapshots;
  static AuditServices audit;
  static final Map<String, String> table = new LinkedHashMap<>();

  @BeforeAll
  static void start(Vertx vertx) {
    server = TestRedis.start();
    redis = RedisStore.connect(vertx, server.url()).await();
    redis.call(c -> c.configSet("appendfsync", "no")).await();
    trail = new Trail(redis, Clock.systemUTC());
    cases = new CaseFiles(redis, new byte[32]);
    snapshots = new Snapshots(vertx, trail, dataDir, Clock.systemUTC(), ZoneId.of("Asia/Shanghai"));
    // The auditor looks a minute after each inspection: reads let a case record lag its trail by
    // CaseBinding.SETTLE (the record is written a moment after the event), verification does not.
    Clock aMinuteLater = Clock.offset(Clock.systemUTC(), java.time.Duration.ofMinutes(1));
    audit = AuditServices.start(vertx, redis, trail, cases, dataDir, Map.of(), aMinuteLater).await();
  }

  @AfterAll
  static void stop() {
    audit.stop().await();
    redis.close();
    server.close();
    StringBuilder out = new StringBuilder("\n| attack | how it was detected |\n|---|---|\n");
    table.forEach((attack, how) -> out.append("| ").append(attack).append(" | ").append(how).append(" |\n"));
    System.out.println(out);
  }

  /** One inspection made as the server makes it: created, connected, a fix, a snapshot, ended "fail". */
  record Made(String id, CaseFile file, String snapshotId) {
  }

  static Made inspection(String caseNumber) throws IOException {
    String id = UUID.randomUUID().toString();
    CaseFile file = new CaseFile(id, caseNumber, "食品经营许可", "wang", "王检查员", "张三",
        CaseFiles.maskPhone("13800138000"), cases.phoneHash("13800138000"), "北京市东城区示例路1号", 39.9, 116.4,
        CaseFile.Status.CREATED, Instant.now(), null, null, null, null);
    JsonObject facts = file.toJson();
    facts.remove("status");
    trail.append(id, EventType.INSPECTION_CREATED, "user:wang", facts).await();
    cases.create(file).await();
    TrailEvent connected = trail.append(CaseBinding.CONNECTED_ID, id, EventType.CALL_CONNECTED, "system",
        new JsonObject()).await();
    file = cases.update(file.withStatus(CaseFile.Status.IN_PROGRESS, connected.time(), null, null, null)).await();
    trail.append(id, EventType.LOCATION_FIX, "applicant", new JsonObject().put("lat", 39.9001).put("lng", 116.4002)
        .put("accuracy", 8.0)).await();
    byte[] jpeg = jpeg(Color.WHITE);
    String snapshotId = snapshots.store(id, Buffer.buffer(jpeg), Sha256.of(jpeg), "user:wang",
        new Snapshots.Facts(caseNumber)).await().id();
    trail.append(id, EventType.NOTE_ADDED, "user:wang", new JsonObject().put("text", "后厨排烟不合格")).await();
    TrailEvent ended = trail.append(CaseBinding.ENDED_ID, id, EventType.INSPECTION_ENDED, "user:wang",
        new JsonObject().put("reason", "concluded").put("conclusion", "fail").put("remark", "整改后复查")).await();
    file = cases.update(file.withStatus(CaseFile.Status.ENDED, file.startedAt(), ended.time(), "fail", "整改后复查"))
        .await();
    audit.checkpoints().checkpointNow().await();
    return new Made(id, file, snapshotId);
  }

  static byte[] jpeg(Color color) throws IOException {
    BufferedImage image = new BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setColor(color);
    g.fillRect(0, 0, 320, 240);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "jpg", out);
    return out.toByteArray();
  }

  static Path export(String id, Path target) {
    JsonObject facts = audit.archive().detail(id).await().getJsonObject("inspection");
    return audit.export().export(id, target, facts).await();
  }

  static Verdict offline(Path zip) throws IOException {
    return EvidencePackage.verify(zip, audit.checkpoints().key().publicKey());
  }

  static Map<String, byte[]> entries(Path zip) throws IOException {
    Map<String, byte[]> out = new LinkedHashMap<>();
    try (ZipFile file = new ZipFile(zip.toFile())) {
      for (ZipEntry entry : Collections.list(file.entries())) {
        try (InputStream in = file.getInputStream(entry)) {
          out.put(entry.getName(), in.readAllBytes());
        }
      }
    }
    return out;
  }

  /** The attacker's edit of a case hash: fields changed and the search indexes moved to match. */
  static void editCaseRecord(CaseFile before, CaseFile after) {
    List<String> oldKeys = CaseFiles.changingIndexesOf(before);
    List<String> newKeys = CaseFiles.changingIndexesOf(after);
    double score = before.createdAt().toEpochMilli();
    for (String key : oldKeys) {
      redis.call(c -> c.zrem(key, before.id())).await();
    }
    for (String key : newKeys) {
      redis.call(c -> c.zadd(key, score, before.id())).await();
    }
    Map<String, String> fields = new LinkedHashMap<>(after.toFields());
    fields.put("_indexes", String.join("\n", newKeys));
    redis.call(c -> c.del(CaseFiles.key(before.id()))).await();
    redis.call(c -> c.hset(CaseFiles.key(before.id()), fields)).await();
  }

  // ---- attack 6: the case record

  @Test
  void anEditedConclusionWithMovedIndexesIsCaughtOnEveryReadAndInVerificationOnlineAndOffline() throws Exception {
    Made made = inspection("KY-BIND-6A");
    Path genuine = export(made.id(), dataDir.resolve("exports/6a-genuine.zip"));
    assertThat(offline(genuine).problems()).as("the untouched package").isEmpty();
    assertThat(audit.verifier().verify(made.id()).await().problems()).as("the untouched inspection").isEmpty();

    editCaseRecord(made.file(), made.file().withStatus(CaseFile.Status.ENDED, made.file().startedAt(),
        made.file().endedAt(), "pass", "合格"));

    // Search: the moved index finds it under "pass", but it shows the trail's "fail" and names the edit.
    JsonObject page = audit.archive().search(query("pass")).await();
    JsonObject item = page.getJsonArray("items").stream().map(JsonObject.class::cast)
        .filter(i -> i.getString("id").equals(made.id())).findFirst().orElseThrow();
    assertThat(item.getString("conclusion")).as("search shows what the trail says").isEqualTo("fail");
    assertThat(item.getJsonArray("recordProblems").encode()).as("the altered conclusion is named")
        .contains("'conclusion'").contains("says 'pass' but the trail says 'fail'").contains("'remark'");
    // Detail
    JsonObject detail = audit.archive().detail(made.id()).await().getJsonObject("inspection");
    assertThat(detail.getString("conclusion")).isEqualTo("fail");
    assertThat(detail.getJsonArray("recordProblems").encode()).contains("'conclusion'");
    // Online verify
    Verdict online = audit.verifier().verify(made.id()).await();
    assertThat(online.problems()).as("online verify names the altered conclusion")
        .anyMatch(p -> p.startsWith("case record field 'conclusion'") && p.contains("inspection.ended, event #"));
    // The sweep: the inspection is missing from the index its true conclusion puts it in.
    List<Sweep.Finding> found = audit.sweep().runOnce().await();
    assertThat(findingOf(found, made.id())).as("the sweep names the emptied index")
        .anyMatch(p -> p.contains("by-conclusion:fail") && p.contains("missing from the search index"))
        .anyMatch(p -> p.contains("'conclusion'"));

    // Offline: a package exported after the attack carries the trail's facts and the server's finding.
    Path after = export(made.id(), dataDir.resolve("exports/6a-after.zip"));
    assertThat(offline(after).problems()).as("the package exported after the attack")
        .anyMatch(p -> p.startsWith("when exported, the server's case record disagreed with the trail: case record "
            + "field 'conclusion'"));
    // Offline: the package's case.json edited the same way, with a manifest recomputed to match.
    Map<String, byte[]> content = entries(genuine);
    JsonObject caseJson = new JsonObject(new String(content.get(EvidencePackage.CASE), StandardCharsets.UTF_8));
    caseJson.put("conclusion", "pass").put("remark", "合格");
    content.put(EvidencePackage.CASE, caseJson.encodePrettily().getBytes(StandardCharsets.UTF_8));
    Verdict forged = offline(TamperTest.writeZip(content, dataDir.resolve("exports/6a-forged.zip"), true));
    assertThat(forged.problems()).as("offline verify names the altered conclusion in case.json")
        .anyMatch(p -> p.startsWith("case record field 'conclusion': case.json says 'pass'"));
    table.put("edited case record: conclusion fail→pass, remark, indexes moved",
        "search/detail show the trail's 'fail' with recordProblems naming 'conclusion'; online verify FAIL "
            + "\"case record field 'conclusion'\"; sweep alarm (missing from by-conclusion:fail); offline "
            + "verify FAIL both for a package exported after the attack (the server's finding travels in case.json) "
            + "and for an edited case.json (\"case record field 'conclusion'\")");
  }

  @Test
  void anEditedStatusIsCaughtOnReadAndInVerificationOnlineAndOffline() throws Exception {
    Made made = inspection("KY-BIND-6B");
    Path genuine = export(made.id(), dataDir.resolve("exports/6b-genuine.zip"));
    editCaseRecord(made.file(), made.file().withStatus(CaseFile.Status.IN_PROGRESS, made.file().startedAt(), null,
        null, null));

    JsonObject item = audit.archive().search(new CaseQuery("KY-BIND-6B", null, null, null, null, null,
        CaseFile.Status.IN_PROGRESS, null, null, 0, 10)).await().getJsonArray("items").getJsonObject(0);
    assertThat(item.getString("status")).as("search shows the trail's status").isEqualTo("ended");
    assertThat(item.getJsonArray("recordProblems").encode()).contains("'status'").contains("'endedAt'");
    assertThat(audit.verifier().verify(made.id()).await().problems())
        .anyMatch(p -> p.startsWith("case record field 'status': the case record says 'in_progress' but the trail "
            + "says 'ended'"));

    Map<String, byte[]> content = entries(genuine);
    JsonObject caseJson = new JsonObject(new String(content.get(EvidencePackage.CASE), StandardCharsets.UTF_8));
    caseJson.put("status", "in_progress").putNull("endedAt").putNull("conclusion");
    content.put(EvidencePackage.CASE, caseJson.encode().getBytes(StandardCharsets.UTF_8));
    assertThat(offline(TamperTest.writeZip(content, dataDir.resolve("exports/6b-forged.zip"), true)).problems())
        .anyMatch(p -> p.startsWith("case record field 'status': case.json says 'in_progress'"));
    table.put("edited case record: status ended→in_progress, end time and conclusion removed",
        "search shows 'ended' with recordProblems naming 'status', 'endedAt'; online verify FAIL \"case record "
            + "field 'status'\"; offline verify of an edited case.json FAIL \"case record field 'status'\"");
  }

  @Test
  void anEditedCreatedFactIsCaughtOnRead() throws Exception {
    Made made = inspection("KY-BIND-6C");
    Map<String, String> fields = Map.of("applicantName", "李四", "inspector", "zhao");
    redis.call(c -> c.hset(CaseFiles.key(made.id()), fields)).await();
    JsonObject item = audit.archive().search(new CaseQuery("KY-BIND-6C", null, null, null, null, null, null, null,
        null, 0, 10)).await().getJsonArray("items").getJsonObject(0);
    assertThat(item.getString("applicantName")).isEqualTo("张三");
    assertThat(item.getJsonArray("recordProblems").encode()).contains("'applicantName'").contains("'inspector'")
        .contains("inspection.created, event #1");
    table.put("edited case record: applicant name and owning inspector",
        "search shows the created facts from inspection.created with recordProblems naming 'applicantName', "
            + "'inspector'");
  }

  @Test
  void aSwappedWatermarkedCopyIsCaughtOnlineAndOffline() throws Exception {
    Made made = inspection("KY-BIND-6D");
    Path genuine = export(made.id(), dataDir.resolve("exports/6d-genuine.zip"));
    String display = "inspections/" + made.id() + "/snapshots/" + made.snapshotId() + ".watermarked.jpg";
    assertThat(entries(genuine)).as("the package holds the display copy").containsKey("files/" + display);
    assertThat(offline(genuine).passed()).anyMatch(p -> p.startsWith("display copies: 1 "));

    Path copy = snapshots.watermarked(made.id(), made.snapshotId());
    byte[] original = Files.readAllBytes(copy);
    byte[] swapped = jpeg(Color.GREEN);
    Files.write(copy, swapped);
    try {
      assertThat(audit.verifier().verify(made.id()).await().problems())
          .anyMatch(p -> p.startsWith("the watermarked copy " + display) && p.contains("was swapped or altered"));
      Path after = export(made.id(), dataDir.resolve("exports/6d-after.zip"));
      assertThat(offline(after).problems()).as("a package exported after the swap")
          .anyMatch(p -> p.startsWith("the watermarked copy " + display));
    } finally {
      Files.write(copy, original);
    }
    Map<String, byte[]> content = entries(genuine);
    content.put("files/" + display, swapped);
    assertThat(offline(TamperTest.writeZip(content, dataDir.resolve("exports/6d-forged.zip"), true)).problems())
        .as("a package whose display copy was swapped, manifest recomputed")
        .anyMatch(p -> p.startsWith("the watermarked copy " + display) && p.contains("was swapped or altered"));
    table.put("swapped watermarked snapshot copy",
        "online verify FAIL \"the watermarked copy ... was swapped or altered\" (displaySha256 on snapshot.taken); "
            + "same offline, in a package exported after the swap and in a forged package");
  }

  // ---- attack 7: back-dating

  /** The smart attacker: edits one event, recomputes every hash from there and moves the head. */
  static void rewrite(String id, int index, Map<String, String> changes) {
    List<StreamMessage<String, String>> raw = trail.readRaw(id).await();
    List<Map<String, String>> events = new ArrayList<>();
    raw.forEach(m -> events.add(new LinkedHashMap<>(m.getBody())));
    events.get(index).putAll(changes);
    for (int i = index; i < events.size(); i++) {
      if (i > 0) {
        events.get(i).put("prev", events.get(i - 1).get("hash"));
      }
      events.get(i).put("hash", Chain.hashFields(events.get(i)));
    }
    String key = Trail.streamKey(id);
    redis.call(c -> c.del(key)).await();
    List<Future<String>> adds = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      String entryId = raw.get(i).getId();
      Map<String, String> body = events.get(i);
      adds.add(redis.call(c -> c.xadd(key, new XAddArgs().id(entryId), body)));
    }
    Future.all(adds).await();
    Map<String, String> last = events.get(events.size() - 1);
    redis.call(c -> c.hset(Trail.HEADS_KEY, id, last.get("seq") + ":" + last.get("hash"))).await();
    trail.forget(id);
  }

  @Test
  void aBackDatedEventWithRecomputedHashesIsCaughtOnlineAndOfflineEvenAfterACheckpoint() throws Exception {
    Made made = inspection("KY-BIND-7A");
    List<TrailEvent> events = trail.read(made.id()).await();
    int note = (int) events.stream().filter(e -> e.type() == EventType.NOTE_ADDED).findFirst().orElseThrow().seq() - 1;
    String backDated = Chain.formatTime(events.get(0).time().minusSeconds(3600));
    rewrite(made.id(), note, Map.of("time", backDated));
    audit.checkpoints().checkpointNow().await(); // a checkpoint interval passes after the attack

    Verdict online = audit.verifier().verify(made.id()).await();
    assertThat(online.problems()).as(online.describe())
        .anyMatch(p -> p.equals("event #" + (note + 1) + " (note.added) is dated " + backDated
            + ", before the inspection was created (" + Chain.formatTime(events.get(0).time())
            + ", event #1): it was back-dated"));
    Path after = export(made.id(), dataDir.resolve("exports/7a-after.zip"));
    assertThat(offline(after).problems()).as("the package exported after the attack")
        .anyMatch(p -> p.contains("(note.added) is dated " + backDated) && p.contains("back-dated"));
    table.put("back-dated event (time set before inspection.created, hashes and head recomputed, checkpointed)",
        "online verify FAIL \"event #k (note.added) is dated ..., before the inspection was created\"; the same "
            + "offline in a package exported after the attack and a checkpoint");
  }

  @Test
  void anEventDatedAfterTheCheckpointThatCommitsItIsCaught() throws Exception {
    Made made = inspection("KY-BIND-7B");
    List<TrailEvent> events = trail.read(made.id()).await();
    int last = events.size() - 1;
    String future = Chain.formatTime(Instant.now().plusSeconds(86_400));
    rewrite(made.id(), last, Map.of("time", future));
    var cp = audit.checkpoints().checkpointNow().await();

    Verdict online = audit.verifier().verify(made.id()).await();
    assertThat(online.problems()).as(online.describe())
        .anyMatch(p -> p.startsWith("event #" + (last + 1) + " is dated " + future + ", later than tree head #"
            + cp.number()));
    table.put("event dated after the tree head that commits it (hashes recomputed, then checkpointed)",
        "online verify FAIL \"event #k is dated ..., later than tree head #n ... that commits it\"");
  }

  @Test
  void theAppendScriptNeverLetsTimeGoBackwards(Vertx vertx) {
    Instant[] now = {Instant.parse("2026-11-29T10:00:00.000Z")};
    Clock stepping = new Clock() {
      @Override
      public java.time.ZoneId getZone() {
        return java.time.ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return now[0];
      }
    };
    String id = "insp-clock-" + UUID.randomUUID();
    Trail first = new Trail(redis, stepping);
    first.append(id, EventType.INSPECTION_CREATED, "user:wang", new JsonObject()).await();
    now[0] = now[0].minusSeconds(90); // the clock steps back (or another node's is behind)
    TrailEvent second = new Trail(redis, stepping).append(id, EventType.NOTE_ADDED, "user:wang", new JsonObject())
        .await();
    assertThat(second.time()).as("an event never gets an earlier time than its predecessor")
        .isEqualTo(Instant.parse("2026-11-29T10:00:00.000Z"));
    assertThat(Chain.firstBreak(id, trail.read(id).await())).isNull();
  }

  // ---- attack 3 (hiding): index entries and the case record

  @Test
  void hiddenIndexEntriesRaiseASweepAlarmAndSearchSaysWhatItCannotShow() throws Exception {
    Made made = inspection("KY-BIND-3A");
    List<String> indexes = new ArrayList<>(CaseFiles.fixedIndexesOf(made.file()));
    indexes.addAll(CaseFiles.changingIndexesOf(made.file()));
    for (String index : indexes) {
      redis.call(c -> c.zrem(index, made.id())).await();
    }
    assertThat(audit.archive().search(new CaseQuery("KY-BIND-3A", null, null, null, null, null, null, null, null,
        0, 10)).await().getJsonArray("items")).as("the index no longer finds it").isEmpty();

    List<Sweep.Finding> found = audit.sweep().runOnce().await();
    assertThat(findingOf(found, made.id())).as("the sweep names every emptied index")
        .anyMatch(p -> p.contains(CaseFiles.BY_TIME) && p.contains("hidden from search"))
        .anyMatch(p -> p.contains("by-number:ky-bind-3a"));
    List<TrailEvent> alarms = trail.read(TamperAlarms.CHAIN).await();
    assertThat(alarms).as("tamper.alarm events on the alarm chain")
        .anyMatch(e -> e.type() == EventType.TAMPER_ALARM && e.payloadJson().getString("subject").equals(made.id())
            && e.payloadJson().getString("finding").contains(CaseFiles.BY_TIME));
    JsonObject page = audit.archive().search(new CaseQuery("KY-BIND-3A", null, null, null, null, null, null, null,
        null, 0, 10)).await();
    assertThat(page.getJsonArray("hidden").encode()).as("a search says which committed inspections it may miss")
        .contains(made.id()).contains("hidden from search");
    assertThat(audit.archive().detail(made.id()).await().getJsonObject("inspection").getString("caseNumber"))
        .as("a lookup by id still finds it").isEqualTo("KY-BIND-3A");
    table.put("hidden index entries (the id removed from every search index)",
        "sweep alarm (ERROR log + tamper.alarm on " + TamperAlarms.CHAIN + ", naming each index); search answers "
            + "list it under 'hidden'; detail by id still shows it");
  }

  @Test
  void aDeletedCaseRecordOrInspectionIsTamperedNotUnknown() throws Exception {
    Made made = inspection("KY-BIND-3B");
    redis.call(c -> c.del(CaseFiles.key(made.id()))).await();
    JsonObject detail = audit.archive().detail(made.id()).await().getJsonObject("inspection");
    assertThat(detail.getString("conclusion")).as("the facts come from the trail").isEqualTo("fail");
    assertThat(detail.getJsonArray("recordProblems").encode()).contains("case record of this inspection is missing");
    assertThat(audit.verifier().verify(made.id()).await().problems())
        .anyMatch(p -> p.startsWith("the case record of this inspection is missing from Redis"));
    assertThat(findingOf(audit.sweep().runOnce().await(), made.id())).contains("its case record is missing from Redis");

    // Then everything: stream, ids, head and indexes.
    redis.call(c -> c.del(Trail.streamKey(made.id()), Trail.idsKey(made.id()))).await();
    redis.call(c -> c.hdel(Trail.HEADS_KEY, made.id())).await();
    assertThatThrownBy(() -> audit.archive().detail(made.id()).await())
        .isInstanceOf(TamperedInspectionException.class)
        .hasMessageContaining("was committed by the commitment log (leaf ").hasMessageContaining("case record and trail");
    assertThatThrownBy(() -> audit.archive().detail("never-existed-" + UUID.randomUUID()).await())
        .isInstanceOf(UnknownInspectionException.class);
    assertThat(findingOf(audit.sweep().runOnce().await(), made.id()))
        .contains("its trail is missing from Redis", "its chain head is missing from " + Trail.HEADS_KEY);
    table.put("deleted case record", "detail shows the trail's facts with recordProblems \"case record ... missing\"; "
        + "online verify FAIL; sweep alarm");
    table.put("deleted inspection (case, stream, ids, head)", "lookup answers TamperedInspectionException "
        + "(\"committed by the commitment log (leaf n, events #1..k) ... missing\"), not unknown; sweep alarm (trail and head missing)");
  }

  static CaseQuery query(String conclusion) {
    return new CaseQuery(null, null, null, null, null, conclusion, null, null, null, 0, 200);
  }

  static List<String> findingOf(List<Sweep.Finding> found, String id) {
    return found.stream().filter(f -> f.inspectionId().equals(id)).findFirst().map(Sweep.Finding::problems)
        .orElse(List.of());
  }
}
