package io.kanyan.signaling.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.recording.Sha256;
import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The record's HTTP API against a real server and Redis: the whole signing flow and its bad input. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RecordApiTest {

  static TestServer server;
  static Http inspector;
  static Http auditor;
  static Http anonymous;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    inspector = Staff.as(server, "wang", "inspector");
    auditor = Staff.as(server, "li", "auditor");
    anonymous = new Http(server.vertx(), server.httpPort());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void bothPartiesSignOnceAndTheApplicantDownloadsTheSignedRecord() throws Exception {
    JsonObject created = inspector.post("/api/inspections", server.inspectionBody("KY-REC-1")).bodyAsJsonObject();
    String id = created.getJsonObject("inspection").getString("id");
    String token = created.getJsonObject("invite").getString("token");

    HttpResponse<Buffer> early = applicantGet("/api/invite/record", token);
    assertThat(early.statusCode()).isEqualTo(409);
    assertThat(early.bodyAsJsonObject().getString("code")).isEqualTo("record_not_ready");

    assertThat(inspector.post("/api/inspections/" + id + "/end", new JsonObject().put("conclusion", "pass")
        .put("remark", "<b>符合</b>")).statusCode()).isEqualTo(200);
    JsonObject state = awaitStatus(id, "rendered");
    assertThat(state.getBoolean("concluded")).isTrue();

    JsonObject view = applicantGet("/api/invite/record", token).bodyAsJsonObject();
    assertThat(view.getJsonObject("record").getString("caseNumber")).isEqualTo("KY-REC-1");
    assertThat(view.getJsonObject("record").getString("remark")).isEqualTo("<b>符合</b>");

    // A wrong link is refused before its (huge) body is read; a huge signature is refused with its own words.
    HttpResponse<Buffer> unknown = applicantPost("/api/invite/record/signature", "not-a-token", hugeBody());
    assertThat(unknown.statusCode()).isEqualTo(401);
    HttpResponse<Buffer> huge = applicantPost("/api/invite/record/signature", token, hugeBody());
    assertThat(huge.statusCode()).isEqualTo(413);
    assertThat(huge.bodyAsJsonObject().getString("code")).isEqualTo("signature_too_large");
    HttpResponse<Buffer> empty = applicantPost("/api/invite/record/signature", token,
        Buffer.buffer(new JsonObject().put("strokes", new JsonArray()).encode()));
    assertThat(empty.statusCode()).isEqualTo(400);
    assertThat(empty.bodyAsJsonObject().getString("code")).isEqualTo("bad_signature");

    assertThat(applicantPost("/api/invite/record/signature", token, signature()).statusCode()).isEqualTo(201);
    HttpResponse<Buffer> twice = applicantPost("/api/invite/record/signature", token, signature());
    assertThat(twice.statusCode()).isEqualTo(409);
    assertThat(twice.bodyAsJsonObject().getString("code")).isEqualTo("already_signed");
    HttpResponse<Buffer> refuseAfterSigning = applicantPost("/api/invite/record/refusal", token,
        Buffer.buffer(new JsonObject().put("reason", "changed my mind").encode()));
    assertThat(refuseAfterSigning.statusCode()).isEqualTo(409);
    assertThat(applicantGet("/api/invite/record/pdf", token).bodyAsJsonObject().getString("code"))
        .isEqualTo("record_not_final");

    HttpResponse<Buffer> signed = inspector.raw().post(server.httpPort(), "localhost",
        "/api/inspections/" + id + "/record/signature").sendBuffer(signature()).await();
    assertThat(signed.statusCode()).isEqualTo(201);
    assertThat(signed.bodyAsJsonObject().getString("status")).isEqualTo("finalised");

    HttpResponse<Buffer> late = inspector.raw().post(server.httpPort(), "localhost",
        "/api/inspections/" + id + "/record/signature").sendBuffer(signature()).await();
    assertThat(late.statusCode()).isEqualTo(409);
    assertThat(late.bodyAsJsonObject().getString("code")).isEqualTo("record_finalised");

    HttpResponse<Buffer> pdf = applicantGet("/api/invite/record/pdf", token);
    assertThat(pdf.statusCode()).isEqualTo(200);
    assertThat(pdf.getHeader("Content-Type")).isEqualTo("application/pdf");
    assertThat(pdf.bodyAsString().substring(0, 5)).isEqualTo("%PDF-");
    JsonArray events = inspector.get("/api/inspections/" + id + "/trail").bodyAsJsonObject().getJsonArray("events");
    JsonObject finalised = events.stream().map(JsonObject.class::cast)
        .filter(e -> e.getString("type").equals("record.finalised")).findFirst().orElseThrow();
    assertThat(Sha256.of(pdf.body().getBytes())).isEqualTo(finalised.getJsonObject("payload").getString("sha256"));

    // The auditor reads it too, and that read is on the trail.
    HttpResponse<Buffer> audited = auditor.get("/api/inspections/" + id + "/record/pdf");
    assertThat(audited.statusCode()).isEqualTo(200);
    JsonArray after = inspector.get("/api/inspections/" + id + "/trail").bodyAsJsonObject().getJsonArray("events");
    assertThat(after.stream().map(JsonObject.class::cast).filter(e -> e.getString("type").equals("audit.access")
        && "record".equals(e.getJsonObject("payload").getString("what")))).hasSize(1);

    HttpResponse<Buffer> retry = inspector.post("/api/inspections/" + id + "/record/retry");
    assertThat(retry.statusCode()).isEqualTo(409);
    assertThat(retry.bodyAsJsonObject().getString("code")).isEqualTo("nothing_to_retry");
  }

  @Test
  void theApplicantsRefusalWithItsReasonIsOnTheTrailAndInTheFinalRecord() throws Exception {
    JsonObject created = inspector.post("/api/inspections", server.inspectionBody("KY-REC-3")).bodyAsJsonObject();
    String id = created.getJsonObject("inspection").getString("id");
    String token = created.getJsonObject("invite").getString("token");
    inspector.post("/api/inspections/" + id + "/end", new JsonObject().put("conclusion", "fail"));
    awaitStatus(id, "rendered");

    HttpResponse<Buffer> noReason = applicantPost("/api/invite/record/refusal", token,
        Buffer.buffer(new JsonObject().put("reason", "  ").encode()));
    assertThat(noReason.statusCode()).isEqualTo(400);
    HttpResponse<Buffer> refused = applicantPost("/api/invite/record/refusal", token,
        Buffer.buffer(new JsonObject().put("reason", "面积测量有误 <script>").encode()));
    assertThat(refused.statusCode()).isEqualTo(201);
    assertThat(refused.bodyAsJsonObject().getJsonObject("refusal").getString("reason")).isEqualTo("面积测量有误 <script>");
    assertThat(applicantPost("/api/invite/record/signature", token, signature()).bodyAsJsonObject().getString("code"))
        .isEqualTo("already_signed");

    inspector.raw().post(server.httpPort(), "localhost", "/api/inspections/" + id + "/record/signature")
        .sendBuffer(signature()).await();
    HttpResponse<Buffer> pdf = applicantGet("/api/invite/record/pdf", token);
    assertThat(pdf.statusCode()).isEqualTo(200);
    try (PDDocument doc = Loader.loadPDF(pdf.body().getBytes())) {
      assertThat(new PDFTextStripper().getText(doc)).contains("申请人拒绝签名", "面积测量有误 <script>", "不通过");
    }
    JsonArray events = inspector.get("/api/inspections/" + id + "/trail").bodyAsJsonObject().getJsonArray("events");
    assertThat(events.stream().map(JsonObject.class::cast).filter(e -> e.getString("type").equals("record.refused")
        && e.getString("actor").equals("applicant"))).hasSize(1);
  }

  @Test
  void aCancelledInspectionHasNoRecordAndNobodyElseSeesOne() {
    JsonObject created = inspector.post("/api/inspections", server.inspectionBody("KY-REC-2")).bodyAsJsonObject();
    String id = created.getJsonObject("inspection").getString("id");
    String token = created.getJsonObject("invite").getString("token");
    inspector.post("/api/inspections/" + id + "/cancel", new JsonObject());
    JsonObject state = inspector.get("/api/inspections/" + id + "/record").bodyAsJsonObject();
    assertThat(state.getBoolean("concluded")).isFalse();
    assertThat(state.getString("status")).isEqualTo("none");
    assertThat(applicantGet("/api/invite/record", token).statusCode()).isEqualTo(409);
    assertThat(anonymous.get("/api/inspections/" + id + "/record/pdf").statusCode()).isEqualTo(401);
    Http other = Staff.as(server, "zhao", "inspector");
    assertThat(other.get("/api/inspections/" + id + "/record").statusCode()).isEqualTo(404);
  }

  private JsonObject awaitStatus(String id, String status) throws InterruptedException {
    for (int i = 0; i < 200; i++) {
      JsonObject state = inspector.get("/api/inspections/" + id + "/record").bodyAsJsonObject();
      if (status.equals(state.getString("status"))) {
        return state;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the record never became " + status);
  }

  private HttpResponse<Buffer> applicantGet(String path, String token) {
    return anonymous.getWithHeader(path, InspectionsResource.INVITE_HEADER, token);
  }

  private HttpResponse<Buffer> applicantPost(String path, String token, Buffer body) {
    return anonymous.raw().post(server.httpPort(), "localhost", path)
        .putHeader(InspectionsResource.INVITE_HEADER, token).putHeader("Content-Type", "application/json")
        .sendBuffer(body).await();
  }

  static Buffer hugeBody() {
    JsonArray stroke = new JsonArray();
    for (int i = 0; i < 120_000; i++) {
      stroke.add(new JsonArray().add(i).add(i).add(i));
    }
    return Buffer.buffer(new JsonObject().put("width", 300).put("height", 150)
        .put("strokes", new JsonArray().add(stroke)).put("image", "data:image/png;base64,").encode());
  }

  static Buffer signature() throws Exception {
    BufferedImage img = new BufferedImage(300, 120, BufferedImage.TYPE_INT_ARGB);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.BLUE);
    g.drawLine(20, 60, 280, 70);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    JsonArray stroke = new JsonArray();
    for (int i = 0; i < 30; i++) {
      stroke.add(new JsonArray().add(20 + i * 9).add(60 + i / 3).add(i * 16));
    }
    return Buffer.buffer(new JsonObject().put("width", 300).put("height", 120)
        .put("strokes", new JsonArray().add(stroke))
        .put("image", "data:image/png;base64," + Base64.getEncoder().encodeToString(out.toByteArray())).encode());
  }
}
