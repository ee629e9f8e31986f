package io.kanyan.signaling.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.audit.VerifyCommand;
import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.kanyan.signaling.testing.Ws;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The auditor's API over the whole server: lookup, verification, export, and who may use it. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AuditResourceTest {

  static TestServer server;
  static Http olga;
  static Http pete;
  static Http quinn;
  static Http admin;
  static String inspectionId;
  static String invite;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    olga = Staff.as(server, "olga", "inspector");
    pete = Staff.as(server, "pete", "inspector");
    quinn = Staff.as(server, "quinn", "auditor");
    admin = new Http(server.vertx(), server.httpPort()).login("admin", TestServer.ADMIN_PASSWORD);
    JsonObject created = olga.post("/api/inspections", server.inspectionBody("AUDIT-7")).bodyAsJsonObject();
    inspectionId = created.getJsonObject("inspection").getString("id");
    invite = created.getJsonObject("invite").getString("token");
    Ws applicant = Ws.applicant(server.vertx(), server.httpPort(), invite, server.origin()).await()
        .send(new JsonObject().put("type", "join"));
    applicant.next("joined");
    applicant.send(new JsonObject().put("type", "location").put("lat", 39.9).put("lng", 116.4));
    applicant.send(new JsonObject().put("type", "ping"));
    applicant.next("pong");
    olga.post("/api/inspections/" + inspectionId + "/end", new JsonObject().put("conclusion", "pass"));
    applicant.closeStatus(3000);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static List<JsonObject> accessEvents() {
    return quinn.get("/api/inspections/" + inspectionId + "/trail").bodyAsJsonObject().getJsonArray("events").stream()
        .map(o -> (JsonObject) o).filter(e -> e.getString("type").equals("audit.access")).toList();
  }

  @Test
  void auditorsSearchAndOpenAnInspectionInOneRequestAndTheViewIsOnTheTrail() {
    JsonObject page = quinn.get("/api/audit/inspections?caseNumber=AUDIT-7").bodyAsJsonObject();
    assertThat(page.getJsonArray("items")).hasSize(1);
    assertThat(page.getJsonArray("items").getJsonObject(0).getString("applicantPhone")).isEqualTo("138****8000");
    assertThat(quinn.get("/api/audit/inspections?conclusion=pass&inspector=olga").bodyAsJsonObject()
        .getJsonArray("items").stream().map(o -> ((JsonObject) o).getString("id"))).contains(inspectionId);
    assertThat(quinn.get("/api/audit/inspections?applicantPhone=138%200013%208000").bodyAsJsonObject()
        .getJsonArray("items").stream().map(o -> ((JsonObject) o).getString("id"))).contains(inspectionId);

    int before = accessEvents().size();
    JsonObject detail = quinn.get("/api/audit/inspections/" + inspectionId).bodyAsJsonObject();
    assertThat(detail.getJsonObject("inspection").getString("caseNumber")).isEqualTo("AUDIT-7");
    assertThat(detail.getJsonObject("trail").getBoolean("valid")).isTrue();
    assertThat(detail.getJsonObject("trail").getJsonArray("events").size()).isGreaterThan(4);
    List<JsonObject> after = accessEvents();
    assertThat(after.size()).isGreaterThan(before);
    assertThat(after.stream().map(e -> e.getString("actor"))).contains("user:quinn");
  }

  @Test
  void verificationPassesAndIsLogged() {
    JsonObject verdict = quinn.get("/api/audit/inspections/" + inspectionId + "/verify").bodyAsJsonObject();
    assertThat(verdict.getBoolean("valid")).as(verdict.encodePrettily()).isTrue();
    assertThat(accessEvents().stream().map(e -> e.getString("payload"))).anyMatch(p -> p.contains("verify"));
  }

  @Test
  void anExportedPackageVerifiesOfflineWithThePublishedKey(@TempDir Path work) throws Exception {
    HttpResponse<Buffer> zip = quinn.get("/api/audit/inspections/" + inspectionId + "/export");
    assertThat(zip.statusCode()).isEqualTo(200);
    assertThat(zip.getHeader("Content-Type")).isEqualTo("application/zip");
    Path file = work.resolve("evidence.zip");
    Files.write(file, zip.body().getBytes());
    HttpResponse<Buffer> key = new Http(server.vertx(), server.httpPort()).get("/api/audit/public-key");
    assertThat(key.bodyAsString()).startsWith("-----BEGIN PUBLIC KEY-----");
    Path pem = work.resolve("key.pem");
    Files.writeString(pem, key.bodyAsString());

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int status = VerifyCommand.run(new String[] {file.toString(), "--public-key", pem.toString()},
        new PrintStream(out, true, StandardCharsets.UTF_8));
    assertThat(status).as(out.toString(StandardCharsets.UTF_8)).isZero();

    // the same package with one byte of the trail changed is refused
    byte[] bytes = Files.readAllBytes(file);
    Path tampered = work.resolve("tampered.zip");
    try (var in = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(bytes));
        var zout = new java.util.zip.ZipOutputStream(Files.newOutputStream(tampered))) {
      for (var entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
        byte[] content = in.readAllBytes();
        if (entry.getName().endsWith(".jsonl")) {
          content = new String(content, StandardCharsets.UTF_8).replace("116.4", "116.5").getBytes(StandardCharsets.UTF_8);
        }
        zout.putNextEntry(new java.util.zip.ZipEntry(entry.getName()));
        zout.write(content);
        zout.closeEntry();
      }
    }
    assertThat(VerifyCommand.run(new String[] {tampered.toString(), "--public-key", pem.toString()},
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))).isEqualTo(1);
  }

  @Test
  void onlyAuditorsAndAdminsExportOrUseTheAuditApi() {
    assertThat(olga.get("/api/audit/inspections/" + inspectionId + "/export").statusCode()).isEqualTo(403);
    assertThat(pete.get("/api/audit/inspections/" + inspectionId + "/export").statusCode()).isEqualTo(403);
    assertThat(olga.get("/api/audit/inspections?caseNumber=AUDIT-7").statusCode()).isEqualTo(403);
    assertThat(new Http(server.vertx(), server.httpPort()).get("/api/audit/inspections/" + inspectionId).statusCode())
        .isEqualTo(401);
    assertThat(admin.get("/api/audit/inspections/" + inspectionId + "/export").statusCode()).isEqualTo(200);
    assertThat(quinn.get("/api/audit/inspections/no-such-id").statusCode()).isEqualTo(404);
  }

  @Test
  void anInspectorCannotReadAnotherInspectorsTrail() {
    assertThat(pete.get("/api/inspections/" + inspectionId + "/trail").statusCode()).isEqualTo(404);
    assertThat(olga.get("/api/inspections/" + inspectionId + "/trail").bodyAsJsonObject().getBoolean("valid")).isTrue();
  }

  @Test
  void theApplicantCanReadNothingOnceTheCallIsOver() {
    Http applicant = new Http(server.vertx(), server.httpPort());
    HttpResponse<Buffer> invitePage = applicant.getWithHeader("/api/invite", "X-Invite-Token", invite);
    assertThat(invitePage.statusCode()).isEqualTo(409);
    assertThat(invitePage.bodyAsString()).doesNotContain("AUDIT-7");
    assertThat(applicant.getWithHeader("/api/inspections/" + inspectionId + "/trail", "X-Invite-Token", invite)
        .statusCode()).isEqualTo(401);
    assertThat(applicant.getWithHeader("/api/audit/inspections/" + inspectionId, "X-Invite-Token", invite)
        .statusCode()).isEqualTo(401);
    org.assertj.core.api.Assertions.assertThatThrownBy(() ->
        Ws.applicant(server.vertx(), server.httpPort(), invite, server.origin()).await())
        .isInstanceOf(io.vertx.core.http.UpgradeRejectedException.class);
  }
}
