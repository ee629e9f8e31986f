package io.kanyan.signaling.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.recording.Sha256;
import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.kanyan.signaling.testing.Ws;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Inspection by the book over HTTP against a real Redis: the catalogue (examples, versions, import/export), the
 * checklist bound at creation, answers with their checks, the current item on the applicant's socket, conclusion
 * checks, search by a non-conforming item, and re-inspection.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChecklistTest {

  static TestServer server;
  static Http admin;
  static Http ian;
  static Http audrey;

  @BeforeAll
  static void start() {
    server = TestServer.start(java.util.Map.of(TestServer.EXAMPLE_CATALOGUE, "yes"));
    admin = new Http(server.vertx(), server.httpPort()).login("admin", TestServer.ADMIN_PASSWORD);
    ian = Staff.as(server, "ian", "inspector");
    audrey = Staff.as(server, "audrey", "auditor");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void shipsThreeExampleMattersMarkedAsExamples() {
    JsonArray matters = ian.get("/api/catalog/matters").bodyAsJsonArray();
    assertThat(matters.stream().map(m -> ((JsonObject) m).getString("code")))
        .contains("food-business", "drug-retail", "hr-service");
    for (Object o : matters) {
      JsonObject m = (JsonObject) o;
      assertThat(m.getBoolean("example")).isTrue();
      assertThat(m.getString("description")).contains("示例");
      assertThat(m.getJsonArray("items").size()).isGreaterThanOrEqualTo(8);
    }
  }

  @Test
  void editingAChecklistMakesANewVersionAndLeavesAnOldInspectionsItemsAlone() {
    JsonObject v1 = admin.put("/api/catalog/matters/edit-test", matter("edit-test", "旧的标题")).bodyAsJsonObject();
    assertThat(v1.getInteger("version")).isEqualTo(1);
    String old = create("CL-EDIT-1", "edit-test");

    JsonObject v2 = admin.put("/api/catalog/matters/edit-test", matter("edit-test", "新的标题")).bodyAsJsonObject();
    assertThat(v2.getInteger("version")).isEqualTo(2);
    String fresh = create("CL-EDIT-2", "edit-test");

    JsonObject oldList = ian.get("/api/inspections/" + old + "/checklist").bodyAsJsonObject();
    assertThat(oldList.getInteger("checklistVersion")).isEqualTo(1);
    assertThat(oldList.getJsonArray("items").getJsonObject(0).getString("title")).isEqualTo("旧的标题");
    assertThat(ian.get("/api/inspections/" + fresh + "/checklist").bodyAsJsonObject().getJsonArray("items")
        .getJsonObject(0).getString("title")).isEqualTo("新的标题");
    // the old version stays readable, and saving the same items again makes no new version
    assertThat(ian.get("/api/catalog/matters/edit-test?version=1").bodyAsJsonObject().getJsonArray("items")
        .getJsonObject(0).getString("title")).isEqualTo("旧的标题");
    assertThat(admin.put("/api/catalog/matters/edit-test", matter("edit-test", "新的标题").put("name", "改名"))
        .bodyAsJsonObject().getInteger("version")).isEqualTo(2);
    // the bound checklist is on the trail right after inspection.created
    List<JsonObject> trail = events(old);
    assertThat(trail.get(0).getString("type")).isEqualTo("inspection.created");
    assertThat(trail.get(1).getString("type")).isEqualTo("checklist.bound");
    assertThat(trail.get(1).getJsonObject("payload").getInteger("checklistVersion")).isEqualTo(1);
  }

  @Test
  void onlyAdminsChangeTheCatalogueAndABadImportChangesNothing() {
    assertThat(ian.put("/api/catalog/matters/x", matter("x", "t")).statusCode()).isEqualTo(403);
    assertThat(ian.get("/api/catalog/export").statusCode()).isEqualTo(403);

    JsonObject export = admin.get("/api/catalog/export").bodyAsJsonObject();
    assertThat(export.getString("format")).isEqualTo("kanyan-catalogue/1");
    JsonObject hr = export.getJsonArray("matters").stream().map(o -> (JsonObject) o)
        .filter(m -> m.getString("code").equals("hr-service")).findFirst().orElseThrow();
    int before = hr.getInteger("version");
    hr.getJsonArray("items").getJsonObject(0).put("title", "已修改的标题");
    JsonObject bad = export.copy();
    bad.getJsonArray("matters").add(new JsonObject().put("code", "broken").put("name", "坏的")
        .put("items", new JsonArray().add(new JsonObject().put("id", "A").put("title", "面积")
            .put("answerType", "measure"))));
    HttpResponse<Buffer> refused = admin.post("/api/catalog/import", bad);
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.bodyAsJsonObject().getString("message")).contains("broken").contains("unit");
    assertThat(ian.get("/api/catalog/matters/hr-service").bodyAsJsonObject().getInteger("version")).isEqualTo(before);

    assertThat(admin.post("/api/catalog/import", export).statusCode()).isEqualTo(200);
    JsonObject after = ian.get("/api/catalog/matters/hr-service").bodyAsJsonObject();
    assertThat(after.getInteger("version")).isEqualTo(before + 1);
    assertThat(after.getJsonArray("items").getJsonObject(0).getString("title")).isEqualTo("已修改的标题");
  }

  @Test
  void creationPicksAMatterFromTheCatalogue() {
    HttpResponse<Buffer> r = ian.post("/api/inspections", server.inspectionBody("CL-NOPE").put("matterType", "随便写的"));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.bodyAsJsonObject().getString("code")).isEqualTo("unknown_matter");
    admin.put("/api/catalog/matters/on-site-only", matter("on-site-only", "t").put("remoteAllowed", false));
    assertThat(ian.post("/api/inspections", body("CL-NOPE-2", "on-site-only")).bodyAsJsonObject().getString("code"))
        .isEqualTo("remote_not_allowed");
  }

  @Test
  void answersAreCheckedPutOnTheTrailAndCorrectable() throws Exception {
    String id = create("CL-ANS-1", "food-business");
    String base = "/api/inspections/" + id + "/checklist";

    HttpResponse<Buffer> unknown = ian.post(base + "/answers", new JsonObject().put("itemId", "X99").put("result", "conforms"));
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(unknown.bodyAsJsonObject().getString("code")).isEqualTo("unknown_item");
    assertThat(unknown.bodyAsJsonObject().getString("message")).contains("X99").contains("version 1");

    HttpResponse<Buffer> noPhoto = ian.post(base + "/answers", new JsonObject().put("itemId", "F01").put("result", "conforms"));
    assertThat(noPhoto.bodyAsJsonObject().getString("code")).isEqualTo("photo_required");

    HttpResponse<Buffer> huge = ian.post(base + "/answers", new JsonObject().put("itemId", "F03")
        .put("result", "conforms").put("remark", "长".repeat(2001)));
    assertThat(huge.statusCode()).isEqualTo(400);
    assertThat(huge.bodyAsJsonObject().getString("code")).isEqualTo("too_long");

    String snap = snapshot(id, "F01");
    JsonObject answered = ian.post(base + "/answers", new JsonObject().put("itemId", "F01").put("result", "conforms")
        .put("remark", "门牌清晰").put("snapshots", new JsonArray().add(snap))).bodyAsJsonObject();
    assertThat(answered.getJsonArray("snapshots").getString(0)).isEqualTo("snapshot:" + snap);
    JsonObject measured = ian.post(base + "/answers", new JsonObject().put("itemId", "F02").put("result", "measured")
        .put("value", "52.5")).bodyAsJsonObject();
    assertThat(measured.getString("unit")).isEqualTo("m²");
    assertThat(ian.post(base + "/answers", new JsonObject().put("itemId", "F02").put("result", "measured")
        .put("value", "很大")).statusCode()).isEqualTo(400);
    ian.post(base + "/answers", new JsonObject().put("itemId", "F03").put("result", "not_conforms"));
    ian.post(base + "/answers", new JsonObject().put("itemId", "F03").put("result", "conforms").put("remark", "已核实"));

    JsonObject state = ian.get(base).bodyAsJsonObject();
    JsonObject f03 = state.getJsonArray("items").getJsonObject(2);
    assertThat(f03.getJsonObject("answer").getString("result")).isEqualTo("conforms");
    assertThat(f03.getLong("corrections")).isEqualTo(1);
    List<JsonObject> answers = events(id).stream().filter(e -> e.getString("type").equals("checklist.answered")).toList();
    assertThat(answers).hasSize(4);
    assertThat(answers.get(0).getJsonObject("payload").getInteger("checklistVersion")).isEqualTo(1);
    JsonObject taken = events(id).stream().filter(e -> e.getString("type").equals("snapshot.taken")).findFirst()
        .orElseThrow().getJsonObject("payload");
    assertThat(taken.getString("itemId")).isEqualTo("F01");
  }

  @Test
  void theCurrentItemReachesTheApplicantWhoReadsThePrepareListBeforeTheCall() {
    JsonObject created = ian.post("/api/inspections", body("CL-CUR-1", "drug-retail")).bodyAsJsonObject();
    String id = created.getJsonObject("inspection").getString("id");
    String token = created.getJsonObject("invite").getString("token");
    Http phone = new Http(server.vertx(), server.httpPort());
    JsonObject prepare = phone.getWithHeader("/api/invite/checklist", "X-Invite-Token", token).bodyAsJsonObject();
    assertThat(prepare.getString("matterName")).isEqualTo("药品零售企业许可");
    assertThat(prepare.getJsonArray("items").getJsonObject(0).getString("guidance")).contains("门牌");
    assertThat(phone.getWithHeader("/api/invite/checklist", "X-Invite-Token", "nope").statusCode()).isEqualTo(401);

    try (Ws applicant = Ws.applicant(server.vertx(), server.httpPort(), token, server.origin()).await()) {
      applicant.send(new JsonObject().put("type", "join"));
      applicant.next("joined");
      ian.post("/api/inspections/" + id + "/checklist/current", new JsonObject().put("itemId", "D04"));
      JsonObject current = applicant.next("checklist-current");
      assertThat(current.getString("title")).isEqualTo("处方药与非处方药分区陈列");
      assertThat(current.getInteger("index")).isEqualTo(4);
    }
    assertThat(events(id).stream().anyMatch(e -> e.getString("type").equals("checklist.current")
        && e.getJsonObject("payload").getString("itemId").equals("D04"))).isTrue();
    assertThat(phone.getWithHeader("/api/invite/checklist", "X-Invite-Token", token).bodyAsJsonObject()
        .getJsonObject("current").getString("itemId")).isEqualTo("D04");
  }

  @Test
  void passIsRefusedUntilRequiredItemsConformAndRectifyLeadsToAReinspection() {
    String id = create("CL-END-1", "hr-service");
    String base = "/api/inspections/" + id;
    HttpResponse<Buffer> pass = ian.post(base + "/end", new JsonObject().put("conclusion", "pass"));
    assertThat(pass.statusCode()).isEqualTo(409);
    assertThat(pass.bodyAsJsonObject().getString("code")).isEqualTo("checklist_incomplete");
    assertThat(pass.bodyAsJsonObject().getString("message")).contains("H01").contains("unanswered");

    ian.post(base + "/checklist/answers", new JsonObject().put("itemId", "H03").put("result", "not_conforms")
        .put("remark", "无接待区"));
    assertThat(ian.post(base + "/end", new JsonObject().put("conclusion", "rectify")).bodyAsJsonObject()
        .getString("code")).isEqualTo("missing_field");
    assertThat(ian.post(base + "/end", new JsonObject().put("conclusion", "rectify")
        .put("rectifyItems", new JsonArray().add("Z1")).put("rectifyDeadline", "2099-01-01")).bodyAsJsonObject()
        .getString("code")).isEqualTo("unknown_item");
    String deadline = LocalDate.now(ZoneId.of("Asia/Shanghai")).plusDays(30).toString();
    HttpResponse<Buffer> ended = ian.post(base + "/end", new JsonObject().put("conclusion", "rectify")
        .put("rectifyItems", new JsonArray().add("H03").add("H04")).put("rectifyDeadline", deadline));
    assertThat(ended.statusCode()).isEqualTo(200);
    JsonObject endPayload = events(id).stream().filter(e -> e.getString("type").equals("inspection.ended"))
        .findFirst().orElseThrow().getJsonObject("payload");
    assertThat(endPayload.getJsonArray("rectifyItems")).containsExactly("H03", "H04");
    assertThat(endPayload.getString("rectifyDeadline")).isEqualTo(deadline);

    // search by a non-conforming item, and by matter type
    assertThat(ids(audrey.get("/api/audit/inspections?nonConforming=H03").bodyAsJsonObject())).containsExactly(id);
    assertThat(ids(audrey.get("/api/audit/inspections?nonConforming=H03&matterType=" + enc("人力资源服务许可"))
        .bodyAsJsonObject())).containsExactly(id);
    assertThat(ids(audrey.get("/api/audit/inspections?nonConforming=H04").bodyAsJsonObject())).isEmpty();

    JsonObject again = ian.post(base + "/reinspect", new JsonObject().put("applicantPhone", "13800138000"))
        .bodyAsJsonObject();
    String second = again.getJsonObject("inspection").getString("id");
    assertThat(again.getJsonObject("inspection").getString("caseNumber")).isEqualTo("CL-END-1-R1");
    assertThat(again.getJsonObject("invite").getString("url")).contains("#invite=");
    JsonObject secondList = ian.get("/api/inspections/" + second + "/checklist").bodyAsJsonObject();
    assertThat(secondList.getString("reinspectionOf")).isEqualTo(id);
    assertThat(secondList.getJsonArray("items").stream().map(o -> ((JsonObject) o).getString("id")))
        .containsExactly("H03", "H04");
    assertThat(audrey.get(base + "/checklist").bodyAsJsonObject().getJsonArray("reinspections")).containsExactly(second);
    assertThat(ian.post("/api/inspections/" + second + "/reinspect", new JsonObject().put("applicantPhone", "13800138000"))
        .bodyAsJsonObject().getString("code")).isEqualTo("not_rectify");
  }

  @Test
  void answersAfterTheEndAreRefused() {
    String id = create("CL-LATE-1", "hr-service");
    ian.post("/api/inspections/" + id + "/end", new JsonObject().put("conclusion", "fail"));
    HttpResponse<Buffer> late = ian.post("/api/inspections/" + id + "/checklist/answers",
        new JsonObject().put("itemId", "H03").put("result", "conforms"));
    assertThat(late.statusCode()).isEqualTo(409);
    assertThat(late.bodyAsJsonObject().getString("code")).isEqualTo("inspection_closed");
  }

  @Test
  void onlyTheOwnerAnswersAndAnAuditorsReadIsOnTheTrail() {
    String id = create("CL-ACL-1", "hr-service");
    Http jane = Staff.as(server, "jane", "inspector");
    HttpResponse<Buffer> theirs = jane.post("/api/inspections/" + id + "/checklist/answers",
        new JsonObject().put("itemId", "H03").put("result", "conforms"));
    assertThat(theirs.statusCode()).isEqualTo(404);
    assertThat(jane.get("/api/inspections/" + id + "/checklist").statusCode()).isEqualTo(404);
    assertThat(jane.post("/api/inspections/" + id + "/checklist/current", new JsonObject().put("itemId", "H03"))
        .statusCode()).isEqualTo(404);
    assertThat(new Http(server.vertx(), server.httpPort()).get("/api/catalog/matters").statusCode()).isEqualTo(401);

    assertThat(audrey.get("/api/inspections/" + id + "/checklist").bodyAsJsonObject().getString("matterCode"))
        .isEqualTo("hr-service");
    assertThat(events(id).stream().anyMatch(e -> e.getString("type").equals("audit.access")
        && "checklist".equals(e.getJsonObject("payload").getString("what")))).isTrue();
    assertThat(audrey.post("/api/inspections/" + id + "/checklist/answers",
        new JsonObject().put("itemId", "H03").put("result", "conforms")).statusCode()).isEqualTo(403);
  }

  private static JsonObject matter(String code, String firstTitle) {
    return new JsonObject().put("code", code).put("name", "测试事项 " + code).put("description", "test")
        .put("items", new JsonArray()
            .add(new JsonObject().put("id", "A1").put("title", firstTitle).put("guidance", "展示"))
            .add(new JsonObject().put("id", "A2").put("title", "面积").put("answerType", "measure").put("unit", "m²")));
  }

  private static JsonObject body(String caseNumber, String matterCode) {
    JsonObject b = server.inspectionBody(caseNumber);
    b.remove("matterType");
    return b.put("matterCode", matterCode);
  }

  private static String create(String caseNumber, String matterCode) {
    HttpResponse<Buffer> r = ian.post("/api/inspections", body(caseNumber, matterCode));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    return r.bodyAsJsonObject().getJsonObject("inspection").getString("id");
  }

  private static List<JsonObject> events(String id) {
    return ian.get("/api/inspections/" + id + "/trail").bodyAsJsonObject().getJsonArray("events").stream()
        .map(e -> (JsonObject) e).toList();
  }

  private static List<String> ids(JsonObject page) {
    return page.getJsonArray("items").stream().map(o -> ((JsonObject) o).getString("id")).toList();
  }

  private static String enc(String s) {
    return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
  }

  private static String snapshot(String id, String itemId) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(new BufferedImage(160, 120, BufferedImage.TYPE_INT_RGB), "jpg", out);
    byte[] jpeg = out.toByteArray();
    HttpResponse<Buffer> r = ian.raw().post(server.httpPort(), "localhost", "/api/inspections/" + id
            + "/snapshots?itemId=" + itemId)
        .putHeader("Content-Type", "image/jpeg").putHeader("X-Content-SHA256", Sha256.of(jpeg))
        .sendBuffer(Buffer.buffer(jpeg)).await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    return r.bodyAsJsonObject().getString("id");
  }
}
