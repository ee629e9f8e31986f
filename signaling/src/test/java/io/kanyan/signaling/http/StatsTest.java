package io.kanyan.signaling.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.stats.StatsBackfill;
import io.kanyan.recorder.stats.StatsRecorder;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.kanyan.signaling.testing.Ws;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The bureau's statistics over HTTP against a real Redis: inspections created, connected over real WebSockets,
 * concluded pass / fail / rectify, cancelled and re-inspected across two days, then the figures checked exactly,
 * in total, per inspector, per matter, per day, and as CSV; and the backfill that builds the same figures from the
 * trails alone.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StatsTest {

  static final ZoneId ZONE = ZoneId.of("Asia/Shanghai");
  static TestServer server;
  static Http ian;
  static Http ivy;
  static Http audrey;
  static LocalDate day1;
  static LocalDate day2;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("KANYAN_TIME_ZONE", ZONE.getId(), "KANYAN_SESSION_IDLE", "PT72H"));
    // Start at 09:00 tomorrow in the bureau's zone, so the day's inspections fall on one day.
    ZonedDateTime nine = ZonedDateTime.ofInstant(server.clock().instant(), ZONE).plusDays(1).toLocalDate()
        .atTime(9, 0).atZone(ZONE);
    server.clock().advance(Duration.between(server.clock().instant(), nine.toInstant()));
    day1 = nine.toLocalDate();
    day2 = day1.plusDays(1);
    ian = Staff.as(server, "ian", "inspector");
    ivy = Staff.as(server, "ivy", "inspector");
    audrey = Staff.as(server, "audrey", "auditor");

    // Day 1. A: ian, food, waits 4 min, 10 min call, pass.
    String a = create(ian, "ST-A", "food-business");
    call(ian, a, 4, 10, new JsonObject().put("conclusion", "pass"));
    // B: ian, food, waits 2, 6 min call, rectify; R re-inspects it: waits 3, 5 min call, pass.
    String b = create(ian, "ST-B", "food-business");
    call(ian, b, 2, 6, new JsonObject().put("conclusion", "rectify").put("rectifyItems", new JsonArray().add("F01"))
        .put("rectifyDeadline", day1.plusDays(30).toString()));
    HttpResponse<Buffer> again = ian.post("/api/inspections/" + b + "/reinspect",
        new JsonObject().put("applicantPhone", "13800138000"));
    assertThat(again.statusCode()).as(again.bodyAsString()).isEqualTo(201);
    String r = again.bodyAsJsonObject().getJsonObject("inspection").getString("id");
    tokens.put(r, again.bodyAsJsonObject().getJsonObject("invite").getString("token"));
    call(ian, r, 3, 5, new JsonObject().put("conclusion", "pass"));
    // C: ivy, drug retail, waits 1, 20 min call, fail. D: ivy, food, cancelled before any call.
    String c = create(ivy, "ST-C", "drug-retail");
    call(ivy, c, 1, 20, new JsonObject().put("conclusion", "fail"));
    String d = create(ivy, "ST-D", "food-business");
    assertThat(ivy.post("/api/inspections/" + d + "/cancel", new JsonObject().put("reason", "改为现场核查"))
        .statusCode()).isEqualTo(200);

    // Day 2. E: ivy, food, waits 1, 8 min call, pass.
    server.clock().advance(Duration.ofDays(1));
    String e = create(ivy, "ST-E", "food-business");
    call(ivy, e, 1, 8, new JsonObject().put("conclusion", "pass"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void totalsOfAPeriodAreExact() {
    JsonObject f = figures("from=" + day1 + "&to=" + day2);
    assertThat(f.getString("timeZone")).isEqualTo("Asia/Shanghai");
    assertThat(f.getString("waitFrom")).isEqualTo("booking");
    JsonObject t = f.getJsonObject("total");
    assertThat(t.getLong("created")).isEqualTo(6);
    assertThat(t.getLong("connected")).isEqualTo(5);
    assertThat(t.getLong("concluded")).isEqualTo(5);
    assertThat(t.getLong("cancelled")).isEqualTo(1);
    assertThat(t.getLong("pass")).isEqualTo(3);
    assertThat(t.getLong("fail")).isEqualTo(1);
    assertThat(t.getLong("rectify")).isEqualTo(1);
    assertThat(t.getDouble("remoteShare")).isEqualTo(0.8333);
    // calls of 10, 6, 5, 20 and 8 minutes: median (3rd of 5) 8, p90 (5th) 20
    assertThat(t.getLong("cases")).isEqualTo(5);
    assertThat(t.getDouble("medianMinutes")).isEqualTo(8.0);
    assertThat(t.getDouble("p90Minutes")).isEqualTo(20.0);
    // waits of 4, 2, 3, 1 and 1 minutes: median 2
    assertThat(t.getLong("waits")).isEqualTo(5);
    assertThat(t.getDouble("medianWaitMinutes")).isEqualTo(2.0);
    // first inspections concluded: A pass, B rectify, C fail, E pass; the re-inspection passed
    assertThat(t.getLong("firstConcluded")).isEqualTo(4);
    assertThat(t.getLong("firstPass")).isEqualTo(2);
    assertThat(t.getDouble("firstPassRate")).isEqualTo(0.5);
    assertThat(t.getLong("reinspections")).isEqualTo(1);
    assertThat(t.getLong("reinspectionPass")).isEqualTo(1);
  }

  @Test
  void aDayAloneAndTheDailySeries() {
    JsonObject f = figures("from=" + day1 + "&to=" + day2 + "&by=day");
    JsonArray series = f.getJsonArray("series");
    assertThat(series).hasSize(2);
    assertThat(series.getJsonObject(0).getString("from")).isEqualTo(day1.toString());
    assertThat(series.getJsonObject(0).getLong("created")).isEqualTo(5);
    assertThat(series.getJsonObject(0).getLong("concluded")).isEqualTo(4);
    assertThat(series.getJsonObject(1).getLong("created")).isEqualTo(1);
    assertThat(series.getJsonObject(1).getDouble("medianMinutes")).isEqualTo(8.0);

    JsonObject first = figures("from=" + day1 + "&to=" + day1).getJsonObject("total");
    assertThat(first.getLong("created")).isEqualTo(5);
    assertThat(first.getDouble("remoteShare")).isEqualTo(0.8);
    // 5, 6, 10, 20: nearest-rank median is the 2nd, p90 the 4th
    assertThat(first.getDouble("medianMinutes")).isEqualTo(6.0);
    assertThat(first.getDouble("p90Minutes")).isEqualTo(20.0);
    assertThat(first.getDouble("firstPassRate")).isEqualTo(0.3333);

    JsonObject none = figures("from=" + day1.minusDays(10) + "&to=" + day1.minusDays(1)).getJsonObject("total");
    assertThat(none.getLong("created")).isZero();
    assertThat(none.getValue("medianMinutes")).isNull();
    assertThat(none.getValue("remoteShare")).isNull();
  }

  @Test
  void perInspectorAndPerMatter() {
    JsonArray byInspector = figures("from=" + day1 + "&to=" + day2 + "&group=inspector").getJsonArray("groups");
    assertThat(byInspector).hasSize(2);
    JsonObject i = byInspector.getJsonObject(0);
    assertThat(i.getString("key")).isEqualTo("ian");
    assertThat(i.getString("label")).isEqualTo("Officer ian");
    assertThat(i.getLong("created")).isEqualTo(3);
    assertThat(i.getLong("concluded")).isEqualTo(3);
    assertThat(i.getDouble("medianMinutes")).isEqualTo(6.0);
    assertThat(i.getDouble("p90Minutes")).isEqualTo(10.0);
    assertThat(i.getDouble("firstPassRate")).isEqualTo(0.5);
    assertThat(i.getLong("rectify")).isEqualTo(1);
    assertThat(i.getLong("reinspections")).isEqualTo(1);
    JsonObject v = byInspector.getJsonObject(1);
    assertThat(v.getString("key")).isEqualTo("ivy");
    assertThat(v.getLong("created")).isEqualTo(3);
    assertThat(v.getLong("cancelled")).isEqualTo(1);
    assertThat(v.getDouble("remoteShare")).isEqualTo(0.6667);
    assertThat(v.getDouble("medianMinutes")).isEqualTo(8.0);
    assertThat(v.getDouble("medianWaitMinutes")).isEqualTo(1.0);
    assertThat(v.getDouble("firstPassRate")).isEqualTo(0.5);

    JsonArray byMatter = figures("from=" + day1 + "&to=" + day2 + "&group=matter").getJsonArray("groups");
    assertThat(byMatter.stream().map(o -> ((JsonObject) o).getString("key"))).containsExactly("drug-retail", "food-business");
    JsonObject drug = byMatter.getJsonObject(0);
    assertThat(drug.getString("label")).isEqualTo("药品零售企业许可");
    assertThat(drug.getLong("fail")).isEqualTo(1);
    assertThat(drug.getDouble("firstPassRate")).isEqualTo(0.0);
    JsonObject food = byMatter.getJsonObject(1);
    assertThat(food.getLong("created")).isEqualTo(5);
    assertThat(food.getLong("pass")).isEqualTo(3);
    assertThat(food.getDouble("firstPassRate")).isEqualTo(0.6667);
  }

  @Test
  void csvCarriesTheSameFigures() {
    HttpResponse<Buffer> r = audrey.get("/api/stats/export.csv?from=" + day1 + "&to=" + day2 + "&group=matter");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.getHeader("Content-Type")).startsWith("text/csv");
    assertThat(r.getHeader("Content-Disposition")).contains("attachment").contains(".csv");
    List<String> lines = r.bodyAsString().lines().toList();
    assertThat(lines.get(0)).startsWith("\uFEFFscope,key,label,from,to,created,connected,concluded,cancelled");
    assertThat(lines.get(1)).isEqualTo("total,,," + day1 + "," + day2 + ",6,5,5,1,3,1,1,0.8333,5,8.0,20.0,5,2.0,4,2,0.5,1,1");
    assertThat(lines.get(2)).startsWith("matter,drug-retail,药品零售企业许可,");
    assertThat(lines.get(3)).startsWith("matter,food-business,食品经营许可," + day1 + "," + day2 + ",5,");
    assertThat(lines.get(4)).startsWith("day," + day1 + ",," + day1 + "," + day1 + ",5,4,4,1,");
    assertThat(lines).hasSize(6);
  }

  @Test
  void everyReadOfTheStatisticsIsOnTheTrail() {
    Trail trail = new Trail(server.running().storage().redis(), server.clock());
    int before = trail.read(StatsResource.ACCESS_CHAIN).await().size();
    assertThat(audrey.get("/api/stats?group=inspector").statusCode()).isEqualTo(200);
    assertThat(audrey.get("/api/stats/export.csv").statusCode()).isEqualTo(200);
    List<io.kanyan.recorder.trail.TrailEvent> reads = trail.read(StatsResource.ACCESS_CHAIN).await();
    assertThat(reads).hasSize(before + 2);
    assertThat(reads.subList(before, before + 2)).allSatisfy(e -> {
      assertThat(e.type().code()).isEqualTo("audit.access");
      assertThat(e.actor()).isEqualTo("user:audrey");
    });
    assertThat(reads.get(before).payloadJson().getString("group")).isEqualTo("inspector");
    assertThat(reads.get(before + 1).payloadJson().getString("what")).isEqualTo("statistics.csv");
  }

  @Test
  void backfillBuildsTheSameFiguresFromTheTrailsAndCountsNothingTwice() {
    String period = "from=" + day1 + "&to=" + day2 + "&group=inspector";
    JsonObject before = figures(period);
    RedisStore redis = server.running().storage().redis();
    StatsBackfill backfill = new StatsBackfill(redis, new Trail(redis, server.clock()),
        new StatsRecorder(redis, ZONE), server.clock());
    // Already counted live: a backfill over the same trails changes nothing.
    redis.<Long>call(c -> c.del(StatsBackfill.DONE_KEY)).await();
    assertThat(backfill.runOnce().await()).isGreaterThanOrEqualTo(6);
    assertThat(figures(period)).isEqualTo(before);
    // Counters gone (a server upgraded from before the statistics): rebuilt from the trails, once.
    List<String> keys = redis.<List<String>>call(c -> c.keys("kanyan:stats:*")).await();
    redis.<Long>call(c -> c.del(keys.toArray(String[]::new))).await();
    assertThat(figures(period).getJsonObject("total").getLong("created")).isZero();
    assertThat(backfill.runOnce().await()).isGreaterThanOrEqualTo(6);
    assertThat(figures(period)).isEqualTo(before);
    assertThat(backfill.runOnce().await()).isZero();
    assertThat(figures(period)).isEqualTo(before);
  }

  @Test
  void badPeriodsAreRefusedWithAReason() {
    HttpResponse<Buffer> backwards = audrey.get("/api/stats?from=" + day2 + "&to=" + day1);
    assertThat(backwards.statusCode()).isEqualTo(400);
    assertThat(backwards.bodyAsJsonObject().getString("code")).isEqualTo("bad_period");
    HttpResponse<Buffer> tooLong = audrey.get("/api/stats?from=2020-01-01&to=2024-01-01&by=day");
    assertThat(tooLong.statusCode()).isEqualTo(400);
    assertThat(tooLong.bodyAsJsonObject().getString("message")).contains("at most 366 days");
    assertThat(audrey.get("/api/stats?from=2020-01-01&to=2024-01-01&by=month").statusCode()).isEqualTo(200);
    HttpResponse<Buffer> badDate = audrey.get("/api/stats?from=yesterday");
    assertThat(badDate.statusCode()).isEqualTo(400);
    assertThat(badDate.bodyAsJsonObject().getString("message")).contains("YYYY-MM-DD");
    assertThat(audrey.get("/api/stats?group=weather").bodyAsJsonObject().getString("message"))
        .contains("none, inspector, matter");
    assertThat(ian.get("/api/stats").statusCode()).isEqualTo(403);
  }

  private static JsonObject figures(String query) {
    HttpResponse<Buffer> r = audrey.get("/api/stats?" + query);
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    return r.bodyAsJsonObject();
  }

  private static String create(Http who, String caseNumber, String matterCode) {
    JsonObject body = server.inspectionBody(caseNumber).put("matterCode", matterCode);
    body.remove("matterType");
    HttpResponse<Buffer> r = who.post("/api/inspections", body);
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    JsonObject created = r.bodyAsJsonObject();
    tokens.put(created.getJsonObject("inspection").getString("id"), created.getJsonObject("invite").getString("token"));
    return created.getJsonObject("inspection").getString("id");
  }

  /** Waits until the statistics have counted the inspection's {@code field} event (the trail appends it async). */
  private static void awaitCounted(String id, String field) {
    RedisStore redis = server.running().storage().redis();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!redis.<Boolean>call(c -> c.hexists(StatsRecorder.caseKey(id), field)).await()) {
      assertThat(System.nanoTime()).as("counted " + field + " of " + id).isLessThan(deadline);
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  private static final Map<String, String> tokens = new java.util.HashMap<>();

  /** Waits {@code waitMinutes}, connects both parties over /ws, talks {@code callMinutes}, then ends. */
  private static void call(Http who, String id, int waitMinutes, int callMinutes, JsonObject end) {
    server.clock().advance(Duration.ofMinutes(waitMinutes));
    try (Ws applicant = Ws.applicant(server.vertx(), server.httpPort(), tokens.get(id), server.origin()).await();
         Ws inspector = Ws.staff(server.vertx(), server.httpPort(), who.sessionCookie(), server.origin()).await()) {
      applicant.send(new JsonObject().put("type", "join")).next("joined");
      inspector.send(new JsonObject().put("type", "join").put("inspectionId", id)).next("joined");
      inspector.next("peer-joined");
      awaitCounted(id, "connected");
      server.clock().advance(Duration.ofMinutes(callMinutes));
      HttpResponse<Buffer> r = who.post("/api/inspections/" + id + "/end", end);
      assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    }
  }

}
