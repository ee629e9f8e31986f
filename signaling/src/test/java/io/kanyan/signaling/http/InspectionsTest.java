package io.kanyan.signaling.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.kanyan.signaling.testing.Ws;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Creating, listing, inviting and closing inspections; who may see what. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class InspectionsTest {

  static TestServer server;
  static Http ian;
  static Http jane;
  static Http audrey;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    ian = Staff.as(server, "ian", "inspector");
    jane = Staff.as(server, "jane", "inspector");
    audrey = Staff.as(server, "audrey", "auditor");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void createsAnInspectionWithAnInviteLinkOfAtLeast128Bits() {
    JsonObject created = ian.post("/api/inspections", server.inspectionBody("JY-2026-001")).bodyAsJsonObject();
    JsonObject inspection = created.getJsonObject("inspection");
    assertThat(inspection.getString("status")).isEqualTo("created");
    assertThat(inspection.getString("inspector")).isEqualTo("ian");
    assertThat(inspection.getString("applicantPhone")).isEqualTo("138****8000");
    JsonObject invite = created.getJsonObject("invite");
    assertThat(invite.getString("token")).hasSize(43); // 256 bits, base64url
    assertThat(invite.getString("url")).isEqualTo(server.origin() + "/applicant.html#invite=" + invite.getString("token"));
    JsonObject seen = new Http(server.vertx(), server.httpPort())
        .getWithHeader("/api/invite", "X-Invite-Token", invite.getString("token")).bodyAsJsonObject();
    assertThat(seen.getString("caseNumber")).isEqualTo("JY-2026-001");
    assertThat(seen.getString("inspectorName")).isEqualTo("Officer ian");
    assertThat(seen.encode()).doesNotContain("13800138000").doesNotContain("138****");
  }

  @Test
  void rejectsIncompleteOrInvalidInput() {
    JsonObject missing = server.inspectionBody("X");
    missing.remove("siteAddress");
    JsonObject r = ian.post("/api/inspections", missing).bodyAsJsonObject();
    assertThat(r.getString("code")).isEqualTo("missing_field");
    assertThat(r.getString("message")).contains("siteAddress");
    assertThat(ian.post("/api/inspections", server.inspectionBody("X").put("siteLat", 123.0)).statusCode()).isEqualTo(400);
    assertThat(audrey.post("/api/inspections", server.inspectionBody("X")).statusCode()).isEqualTo(403);
  }

  @Test
  void inspectorsSeeTheirOwnAndAuditorsSeeAllReadOnly() {
    String mine = ian.post("/api/inspections", server.inspectionBody("OWN-1")).bodyAsJsonObject()
        .getJsonObject("inspection").getString("id");
    String theirs = jane.post("/api/inspections", server.inspectionBody("OWN-2")).bodyAsJsonObject()
        .getJsonObject("inspection").getString("id");
    assertThat(ids(ian.get("/api/inspections").bodyAsJsonArray())).contains(mine).doesNotContain(theirs);
    assertThat(ids(audrey.get("/api/inspections").bodyAsJsonArray())).contains(mine, theirs);
    assertThat(ids(audrey.get("/api/inspections?caseNumber=own-2").bodyAsJsonArray())).containsExactly(theirs);
    assertThat(audrey.get("/api/inspections/" + theirs).statusCode()).isEqualTo(200);
    assertThat(audrey.post("/api/inspections/" + theirs + "/end", new JsonObject().put("conclusion", "pass"))
        .statusCode()).isEqualTo(404);
    assertThat(audrey.post("/api/inspections/" + theirs + "/invite").statusCode()).isEqualTo(404);
  }

  @Test
  void anAuditorsReadOfTheTrailIsItselfOnTheTrail() {
    String id = ian.post("/api/inspections", server.inspectionBody("AUD-1")).bodyAsJsonObject()
        .getJsonObject("inspection").getString("id");
    JsonObject trail = audrey.get("/api/inspections/" + id + "/trail").bodyAsJsonObject();
    JsonObject last = trail.getJsonArray("events").getJsonObject(trail.getJsonArray("events").size() - 1);
    assertThat(last.getString("type")).isEqualTo("audit.access");
    assertThat(last.getString("actor")).isEqualTo("user:audrey");
    assertThat(trail.getBoolean("valid")).isTrue();
  }

  @Test
  void aCancelledInviteOrInspectionCanNoLongerBeJoined() {
    JsonObject created = ian.post("/api/inspections", server.inspectionBody("CAN-1")).bodyAsJsonObject();
    String id = created.getJsonObject("inspection").getString("id");
    String token = created.getJsonObject("invite").getString("token");
    assertThat(ian.delete("/api/inspections/" + id + "/invite").statusCode()).isEqualTo(204);
    assertThatThrownBy(() -> Ws.applicant(server.vertx(), server.httpPort(), token, server.origin()).await())
        .isInstanceOfSatisfying(UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(401));
    String fresh = ian.post("/api/inspections/" + id + "/invite").bodyAsJsonObject().getJsonObject("invite").getString("token");
    JsonObject cancelled = ian.post("/api/inspections/" + id + "/cancel", new JsonObject().put("reason", "申请人撤回"))
        .bodyAsJsonObject();
    assertThat(cancelled.getString("status")).isEqualTo("cancelled");
    assertThatThrownBy(() -> Ws.applicant(server.vertx(), server.httpPort(), fresh, server.origin()).await())
        .isInstanceOf(UpgradeRejectedException.class);
    assertThat(ian.post("/api/inspections/" + id + "/end", new JsonObject().put("conclusion", "pass"))
        .bodyAsJsonObject().getString("code")).isEqualTo("inspection_closed");
  }

  @Test
  void anOldLinkAfterTheEndSaysTheInspectionHasEnded() {
    JsonObject created = ian.post("/api/inspections", server.inspectionBody("OLD-1")).bodyAsJsonObject();
    String id = created.getJsonObject("inspection").getString("id");
    String token = created.getJsonObject("invite").getString("token");
    assertThat(ian.post("/api/inspections/" + id + "/end", new JsonObject().put("conclusion", "pass")).statusCode())
        .isEqualTo(200);
    var seen = new Http(server.vertx(), server.httpPort()).getWithHeader("/api/invite", "X-Invite-Token", token);
    assertThat(seen.statusCode()).isEqualTo(409);
    assertThat(seen.bodyAsJsonObject().getString("code")).isEqualTo("inspection_closed");
    assertThatThrownBy(() -> Ws.applicant(server.vertx(), server.httpPort(), token, server.origin()).await())
        .isInstanceOfSatisfying(UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(409));
  }

  @Test
  void endingNeedsAKnownConclusion() {
    String id = ian.post("/api/inspections", server.inspectionBody("END-1")).bodyAsJsonObject()
        .getJsonObject("inspection").getString("id");
    assertThat(ian.post("/api/inspections/" + id + "/end", new JsonObject().put("conclusion", "maybe"))
        .bodyAsJsonObject().getString("code")).isEqualTo("bad_field");
    JsonObject ended = ian.post("/api/inspections/" + id + "/end",
        new JsonObject().put("conclusion", "rectify").put("remark", "灭火器过期")
            .put("rectifyItems", new JsonArray().add("F07")).put("rectifyDeadline", "2099-12-31")).bodyAsJsonObject();
    assertThat(ended.getString("conclusion")).isEqualTo("rectify");
    assertThat(ended.getString("endedAt")).isNotNull();
  }

  private static java.util.List<String> ids(JsonArray list) {
    return list.stream().map(o -> ((JsonObject) o).getString("id")).toList();
  }
}
