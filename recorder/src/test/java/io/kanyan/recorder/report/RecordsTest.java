package io.kanyan.recorder.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kanyan.recorder.audit.EvidenceExport;
import io.kanyan.recorder.audit.EvidencePackage;
import io.kanyan.recorder.audit.Verdict;
import io.kanyan.recorder.audit.Verifier;
import io.kanyan.recorder.recording.Sha256;
import io.kanyan.recorder.recording.Snapshots;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.TestRedis;
import io.kanyan.recorder.trail.Checkpoints;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.recorder.trail.TrailEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneId;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.font.PDFont;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.PDSignature;
import org.apache.pdfbox.rendering.PDFRenderer;
import org.apache.pdfbox.text.PDFTextStripper;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The inspection record from a real trail in a real Redis: rendered with PDFBox (text extracted, Chinese
 * included), signed by both parties, PDF-signed (checked with BouncyCastle), bounded and refused where it must
 * be, exported and verified offline.
 */
class RecordsTest {

  static final ZoneId ZONE = ZoneId.of("Asia/Shanghai");
  /** Page 1 as an image; like the browser tests' screenshots it lands under target/ and is copied to the docs by hand. */
  static final Path SCREENSHOT = Path.of("target", "screenshots", "record-page1.png");

  static Vertx vertx;
  static TestRedis server;
  static RedisStore redis;
  static Trail trail;
  @TempDir
  static Path dataDir;
  static Records records;
  static Snapshots snapshots;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    server = TestRedis.start();
    redis = RedisStore.connect(vertx, server.url()).await();
    trail = new Trail(redis, Clock.systemUTC());
    snapshots = new Snapshots(vertx, trail, dataDir, Clock.systemUTC(), ZONE);
    records = records(new RecordPdf(dataDir, ZONE));
  }

  static Records records(RecordPdf pdf) {
    return new Records(vertx, trail, redis, dataDir, pdf, () -> SigningCertificate.resolve(null, null, dataDir),
        id -> "https://inspect.bureau.example/auditor.html#inspection=" + id, Clock.systemUTC());
  }

  @AfterAll
  static void stop() {
    redis.close();
    server.close();
    vertx.close().await();
  }

  @Test
  void rendersTheWholeRecordWithChineseTextThatCanBeExtracted() throws Exception {
    String id = inspection(true);
    RecordState state = records.renderIfConcluded(id).await();

    assertThat(state.status()).isEqualTo("rendered");
    byte[] pdf = Files.readAllBytes(dataDir.resolve(state.rendered().getString("file")));
    assertThat(Sha256.of(pdf)).isEqualTo(state.rendered().getString("sha256"));
    try (PDDocument doc = Loader.loadPDF(pdf)) {
      String text = new PDFTextStripper().getText(doc);
      assertThat(text).contains("现场勘验笔录", "KY-2026-0815", "食品经营许可", "第 2 版", "张三丰",
          "上海市浦东新区张江路 88 号", "王检查", "经营场所面积", "36.5 m²", "符合", "不符合", "防鼠设施缺少挡鼠板",
          "消防通道畅通", "限期整改", "2026-12-15", "距勘验地址", "（待签名）");
      List<TrailEvent> events = trail.read(id).await();
      TrailEvent headAtRender = events.get(events.size() - 2);
      for (int page = 1; page <= doc.getNumberOfPages(); page++) {
        PDFTextStripper one = new PDFTextStripper();
        one.setStartPage(page);
        one.setEndPage(page);
        assertThat(one.getText(doc)).contains("第 " + page + " 页 / 共 " + doc.getNumberOfPages() + " 页",
            headAtRender.hash(), "https://inspect.bureau.example/auditor.html#inspection=" + id);
      }
      PDFont font = doc.getPage(0).getResources().getFont(doc.getPage(0).getResources().getFontNames().iterator().next());
      assertThat(font.isEmbedded()).isTrue();
      assertThat(font.getName()).contains("+"); // a subset
      // The photo thumbnails: a 1920-pixel snapshot is embedded at thumbnail size.
      var resources = doc.getPage(0).getResources();
      List<Integer> widths = new java.util.ArrayList<>();
      for (var name : resources.getXObjectNames()) {
        if (resources.getXObject(name) instanceof org.apache.pdfbox.pdmodel.graphics.image.PDImageXObject image) {
          widths.add(image.getWidth());
        }
      }
      assertThat(widths).containsExactlyInAnyOrder(640, RecordPdf.THUMBNAIL_WIDTH);
    }
  }

  @Test
  void aRecordWithoutAChecklistHasTheNotesAndConclusion() throws Exception {
    // Names are printed as text, whatever they hold: markup, control characters, characters the font lacks.
    String id = inspection(false, "张江路 88 号 <script>alert(1)</script>\u0007 🏠");
    RecordState state = records.renderIfConcluded(id).await();
    try (PDDocument doc = Loader.loadPDF(dataDir.resolve(state.rendered().getString("file")).toFile())) {
      String text = new PDFTextStripper().getText(doc);
      assertThat(text).contains("未绑定核查标准", "消防通道畅通", "限期整改", "现场截图",
          "张江路 88 号 <script>alert(1)</script>");
    }
  }

  @Test
  void bothSignaturesFinaliseAPdfSignedRecordThatVerifiesOffline() throws Exception {
    String id = inspection(true);
    records.renderIfConcluded(id).await();
    RecordState afterApplicant = records.sign(id, RecordState.APPLICANT, "applicant", signature(40)).await();
    assertThat(afterApplicant.status()).isEqualTo("rendered");
    assertThat(afterApplicant.signatures()).containsKey("applicant");

    RecordState done = records.sign(id, RecordState.INSPECTOR, "user:wang", signature(60)).await();

    assertThat(done.status()).isEqualTo("finalised");
    Path file = dataDir.resolve(done.finalised().getString("file"));
    byte[] pdf = Files.readAllBytes(file);
    assertThat(Sha256.of(pdf)).isEqualTo(done.finalised().getString("sha256"));
    try (PDDocument doc = Loader.loadPDF(pdf)) {
      String text = new PDFTextStripper().getText(doc);
      assertThat(text).contains("申请人签名", "张三丰　签于", "勘验人员签名", "王检查　签于");
      assertThat(text).doesNotContain("（待签名）");
      PDSignature sig = doc.getSignatureDictionaries().get(0);
      assertValidCms(sig, pdf);
      int[] range = sig.getByteRange();
      assertThat((long) range[2] + range[3]).isEqualTo(pdf.length); // covers the whole file
      savePageOne(doc);
    }
    assertThat(pdfsig(file)).contains("Signature Validation: Signature is Valid.", "Total document signed",
        "Kanyan inspection records");
    // Altering one signed byte breaks the PDF signature.
    byte[] altered = pdf.clone();
    altered[100] ^= 1;
    try (PDDocument doc = Loader.loadPDF(pdf)) {
      PDSignature sig = doc.getSignatureDictionaries().get(0);
      assertThat(cmsValid(sig, altered)).isFalse();
    }

    // The trail holds the hashes of the signature data; the stored files match them.
    JsonObject signed = trail.read(id).await().stream().filter(e -> e.type() == EventType.RECORD_SIGNED)
        .findFirst().orElseThrow().payloadJson();
    assertThat(Sha256.of(Files.readAllBytes(dataDir.resolve(signed.getString("strokesFile")))))
        .isEqualTo(signed.getString("strokesSha256"));
    assertThat(new JsonObject(Files.readString(dataDir.resolve(signed.getString("strokesFile"))))
        .getJsonArray("strokes").getJsonArray(0).getJsonArray(0).size()).isEqualTo(3);

    // Exported and verified offline; a swapped PDF is detected.
    Checkpoints checkpoints = Checkpoints.open(vertx, redis, Clock.systemUTC(),
        Checkpoints.Settings.under(dataDir.resolve("cp-" + id))).await();
    EvidenceExport export = new EvidenceExport(vertx, trail, checkpoints, dataDir, Clock.systemUTC());
    Path zip = export.export(id, dataDir.resolve("exports/" + id + ".zip")).await();
    try (ZipFile z = new ZipFile(zip.toFile())) {
      assertThat(z.getEntry("files/" + done.finalised().getString("file"))).isNotNull();
      assertThat(z.getEntry("files/" + signed.getString("strokesFile"))).isNotNull();
    }
    Verdict intact = EvidencePackage.verify(zip, null);
    assertThat(intact.problems()).isEmpty();
    assertThat(String.join("\n", intact.passed())).contains("PDF digital signature valid", "Kanyan");

    Path swapped = dataDir.resolve("exports/" + id + "-swapped.zip");
    byte[] other = Files.readAllBytes(dataDir.resolve(done.rendered().getString("file")));
    replaceEntry(zip, swapped, "files/" + done.finalised().getString("file"), other);
    Verdict caught = EvidencePackage.verify(swapped, null);
    assertThat(String.join("\n", caught.problems())).contains(done.finalised().getString("file"), "was altered");

    // Altered on the server's disk: the online verifier says so too.
    Files.write(file, altered);
    Verdict online = new Verifier(vertx, trail, checkpoints, dataDir).verify(id).await();
    assertThat(String.join("\n", online.problems())).contains(done.finalised().getString("file"), "was altered");
    Files.write(file, pdf);
  }

  @Test
  void refusesASecondSignatureAndAnySignatureAfterFinalising() {
    String id = inspection(true);
    records.renderIfConcluded(id).await();
    records.refuse(id, "applicant", "我不同意第 3 项的结论").await();
    assertThatThrownBy(() -> records.sign(id, RecordState.APPLICANT, "applicant", signature(20)).await())
        .isInstanceOfSatisfying(RecordException.class, e -> assertThat(e.code())
            .isEqualTo(RecordException.Code.ALREADY_SIGNED));
    records.sign(id, RecordState.INSPECTOR, "user:wang", signature(30)).await();
    assertThatThrownBy(() -> records.sign(id, RecordState.INSPECTOR, "user:wang", signature(30)).await())
        .isInstanceOfSatisfying(RecordException.class, e -> assertThat(e.code())
            .isEqualTo(RecordException.Code.FINALISED));
    RecordState state = records.state(id).await();
    assertThat(state.status()).isEqualTo("finalised");
    assertThat(state.refusal().getString("reason")).isEqualTo("我不同意第 3 项的结论");
  }

  @Test
  void nothingCanBeSignedBeforeTheRecordExists() {
    String id = inspection(true);
    assertThatThrownBy(() -> records.sign(id, RecordState.INSPECTOR, "user:wang", signature(30)).await())
        .isInstanceOfSatisfying(RecordException.class, e -> assertThat(e.code())
            .isEqualTo(RecordException.Code.NOT_READY));
  }

  @Test
  void hugeOrMalformedStrokeDataIsRefusedWithAClearError() {
    JsonArray many = new JsonArray();
    for (int s = 0; s < 50; s++) {
      JsonArray stroke = new JsonArray();
      for (int i = 0; i < 500; i++) {
        stroke.add(new JsonArray().add(i).add(i).add(i));
      }
      many.add(stroke);
    }
    JsonObject huge = new JsonObject().put("width", 300).put("height", 150).put("strokes", many)
        .put("image", pngDataUrl(10));
    assertThatThrownBy(() -> SignatureInput.from(huge)).hasMessageContaining("more than 20000 points");
    assertThatThrownBy(() -> SignatureInput.from(new JsonObject().put("strokes", new JsonArray())))
        .hasMessageContaining("empty");
    JsonObject notPng = huge.copy().put("strokes", new JsonArray().add(new JsonArray()
        .add(new JsonArray().add(1).add(2).add(3)).add(new JsonArray().add(4).add(5).add(6))))
        .put("image", "data:image/png;base64," + Base64.getEncoder().encodeToString("GIF89a".getBytes()));
    assertThatThrownBy(() -> SignatureInput.from(notPng)).hasMessageContaining("not a PNG");
  }

  @Test
  void aRenderingFailureIsOnTheTrailClaimsNoFileAndCanBeRetried() throws Exception {
    String id = inspection(true);
    Records broken = records(new RecordPdf(dataDir, ZONE, List.of(Path.of("/nonexistent/font.ttc"))));

    assertThatThrownBy(() -> broken.renderIfConcluded(id).await())
        .isInstanceOfSatisfying(RecordException.class, e -> assertThat(e.code())
            .isEqualTo(RecordException.Code.RENDER_FAILED));

    List<TrailEvent> events = trail.read(id).await();
    assertThat(events.get(events.size() - 1).type()).isEqualTo(EventType.RECORD_FAILED);
    assertThat(events.get(events.size() - 1).payloadJson().getString("error")).contains("fonts-wqy-microhei");
    assertThat(events).noneMatch(e -> e.type() == EventType.RECORD_RENDERED);
    assertThat(events.stream().filter(e -> e.type() == EventType.INSPECTION_ENDED)).hasSize(1);
    assertThat(Files.exists(dataDir.resolve("inspections/" + id + "/record"))
        && listFiles(dataDir.resolve("inspections/" + id + "/record")).stream()
        .anyMatch(p -> p.toString().endsWith(".pdf"))).isFalse();

    RecordState retried = records.retry(id).await();
    assertThat(retried.status()).isEqualTo("rendered");
    assertThat(Files.exists(dataDir.resolve(retried.rendered().getString("file")))).isTrue();
    assertThatThrownBy(() -> records.retry(id).await())
        .isInstanceOfSatisfying(RecordException.class, e -> assertThat(e.code())
            .isEqualTo(RecordException.Code.NOTHING_TO_RETRY));
  }

  @Test
  void aConclusionAStoppedServerDidNotRenderIsRenderedOnceAtTheNextStartHoweverManyNodesSweep() throws Exception {
    String id = inspection(true);
    records.expect(id).await();
    // The server that took the conclusion stops right before rendering.
    io.vertx.core.Promise<Void> stopped = io.vertx.core.Promise.promise();
    Records before = records(new RecordPdf(dataDir, ZONE));
    before.hold(stopped.future());
    Future<RecordState> late = before.renderIfConcluded(id);
    assertThat(pending(id)).isTrue();

    // Two nodes start over the same Redis and files, and both sweep.
    Records one = records(new RecordPdf(dataDir, ZONE));
    Records two = records(new RecordPdf(dataDir, ZONE));
    Future.all(one.sweep(), two.sweep()).await();

    assertThat(eventsOf(id, EventType.RECORD_RENDERED)).hasSize(1);
    assertThat(pending(id)).isFalse();
    RecordState state = one.state(id).await();
    assertThat(state.status()).isEqualTo("rendered");
    assertThat(Sha256.of(Files.readAllBytes(dataDir.resolve(state.rendered().getString("file")))))
        .isEqualTo(state.rendered().getString("sha256"));

    // The stopped one carries on after all (a node that was only slow): still one record.rendered, file intact.
    stopped.complete();
    assertThat(late.await().status()).isEqualTo("rendered");
    assertThat(one.sweep().await()).isZero();
    List<TrailEvent> rendered = eventsOf(id, EventType.RECORD_RENDERED);
    assertThat(rendered).hasSize(1);
    assertThat(rendered.get(0).id()).isEqualTo(Records.RENDERED_ID);
    JsonObject named = rendered.get(0).payloadJson();
    assertThat(Sha256.of(Files.readAllBytes(dataDir.resolve(named.getString("file")))))
        .isEqualTo(named.getString("sha256"));
    assertThat(listFiles(dataDir.resolve("inspections/" + id + "/record")).stream()
        .map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".pdf") || n.endsWith(".tmp")))
        .containsExactly(Path.of(named.getString("file")).getFileName().toString());
  }

  @Test
  void aRecordBothPartiesSignedThatAStoppedServerDidNotFinaliseIsFinalisedOnceAtTheNextStart() throws Exception {
    String id = inspection(true);
    records.renderIfConcluded(id).await();
    records.sign(id, RecordState.APPLICANT, "applicant", signature(30)).await();
    assertThat(pending(id)).isFalse();

    io.vertx.core.Promise<Void> stopped = io.vertx.core.Promise.promise();
    Records before = records(new RecordPdf(dataDir, ZONE));
    before.hold(stopped.future());
    Future<RecordState> late = before.sign(id, RecordState.INSPECTOR, "user:wang", signature(40));
    while (eventsOf(id, EventType.RECORD_SIGNED).size() < 2) {
      Thread.sleep(20);
    }
    assertThat(pending(id)).isTrue();
    assertThat(records(new RecordPdf(dataDir, ZONE)).state(id).await().needsFinalising()).isTrue();

    Records after = records(new RecordPdf(dataDir, ZONE));
    assertThat(after.sweep().await()).isEqualTo(1);

    assertThat(eventsOf(id, EventType.RECORD_FINALISED)).hasSize(1);
    assertThat(pending(id)).isFalse();
    stopped.complete();
    assertThat(late.await().status()).isEqualTo("finalised");
    List<TrailEvent> finalised = eventsOf(id, EventType.RECORD_FINALISED);
    assertThat(finalised).hasSize(1);
    assertThat(finalised.get(0).id()).isEqualTo(Records.FINALISED_ID);
    JsonObject named = finalised.get(0).payloadJson();
    Path file = dataDir.resolve(named.getString("file"));
    assertThat(Sha256.of(Files.readAllBytes(file))).isEqualTo(named.getString("sha256"));
    assertThat(pdfsig(file)).contains("Signature Validation: Signature is Valid.");
  }

  @Test
  void aSweepLeavesAnOpenInspectionPendingAndDropsOnesThatOweNothing() {
    String open = UUID.randomUUID().toString();
    append(open, EventType.INSPECTION_CREATED, "user:wang", new JsonObject().put("caseNumber", "KY-OPEN"));
    records.expect(open).await();
    String signedLater = inspection(true);
    records.renderIfConcluded(signedLater).await();
    redis.call(c -> c.sadd(Records.PENDING_KEY, signedLater)).await();
    String gone = UUID.randomUUID().toString();
    records.expect(gone).await();

    assertThat(records.sweep().await()).isZero();

    assertThat(pending(open)).isTrue(); // its conclusion may be under way
    assertThat(pending(signedLater)).isFalse(); // rendered, waiting for signatures: nothing owed
    assertThat(pending(gone)).isFalse(); // no trail: nothing will ever be owed
    assertThat(eventsOf(signedLater, EventType.RECORD_RENDERED)).hasSize(1);
    redis.call(c -> c.srem(Records.PENDING_KEY, open)).await();
  }

  @Test
  void aRepeatedReadOfTheStateReadsOnlyWhatWasAppendedSinceTheHeadItSawLast() {
    String id = inspection(true);
    records.renderIfConcluded(id).await();
    String url = "https://inspect.bureau.example/auditor.html#inspection=" + id;
    // The same state and content as from the whole trail.
    assertThat(records.state(id).await()).isEqualTo(RecordState.of(trail.read(id).await()));
    assertThat(records.content(id).await()).isEqualTo(RecordContent.from(trail.read(id).await(), url));

    // Remove the first event behind the reader's back: a later read does not read it again...
    String first = trail.readRaw(id).await().get(0).getId();
    redis.call(c -> c.xdel(Trail.streamKey(id), first)).await();
    records.sign(id, RecordState.APPLICANT, "applicant", signature(20)).await();
    RecordState state = records.state(id).await();
    assertThat(state.applicantName()).isEqualTo("张三丰");
    assertThat(state.signatures()).containsKey(RecordState.APPLICANT); // ...but it reads what came since
    assertThat(records.content(id).await().signatures()).hasSize(1);

    // The head it saw is gone (the stream was rewritten): the whole trail is read again.
    List<io.lettuce.core.StreamMessage<String, String>> raw = trail.readRaw(id).await();
    redis.call(c -> c.xdel(Trail.streamKey(id), raw.get(raw.size() - 1).getId())).await();
    assertThat(records.state(id).await().applicantName()).isEmpty();
  }

  static boolean pending(String id) {
    return redis.call(c -> c.sismember(Records.PENDING_KEY, id)).await();
  }

  static List<TrailEvent> eventsOf(String id, EventType type) {
    return trail.read(id).await().stream().filter(e -> e.type() == type).toList();
  }

  // --- fixtures ---

  /** A concluded inspection on the trail, with (or without) a bound checklist and answers. */
  static String inspection(boolean checklist) {
    return inspection(checklist, "上海市浦东新区张江路 88 号");
  }

  static String inspection(boolean checklist, String address) {
    String id = UUID.randomUUID().toString();
    append(id, EventType.INSPECTION_CREATED, "user:wang", new JsonObject().put("id", id)
        .put("caseNumber", "KY-2026-0815").put("matterType", "食品经营许可").put("inspector", "wang")
        .put("inspectorName", "王检查").put("applicantName", "张三丰").put("applicantPhone", "138****0000")
        .put("siteAddress", address)
        .put("siteLat", 31.2035).put("siteLng", 121.5907));
    if (checklist) {
      append(id, EventType.CHECKLIST_BOUND, "user:wang", new JsonObject().put("matterCode", "FOOD-BIZ")
          .put("matterName", "食品经营许可").put("checklistVersion", 2).put("items", new JsonArray()
              .add(item("area", "经营场所面积", "measure", "m²"))
              .add(item("layout", "布局与操作流程（生熟分开）", "conformance", null))
              .add(item("pests", "防鼠、防蝇、防虫设施", "conformance", null))
              .add(item("storage", "原料贮存条件", "conformance", null))));
    }
    append(id, EventType.CALL_CONNECTED, "system", new JsonObject());
    append(id, EventType.LOCATION_FIX, "applicant", new JsonObject().put("lat", 31.2041).put("lng", 121.5911)
        .put("accuracy", 12.0));
    String s1 = snapshot(id, Color.ORANGE);
    String s2 = snapshot(id, Color.GRAY, 1920, 1080);
    append(id, EventType.NOTE_ADDED, "user:wang", new JsonObject().put("text", "消防通道畅通，灭火器在有效期内。"));
    if (checklist) {
      append(id, EventType.CHECKLIST_ANSWERED, "user:wang", answer("area", "measured", "36.5", "m²", "", s1));
      append(id, EventType.CHECKLIST_ANSWERED, "user:wang", answer("layout", "conforms", null, null, "", s2));
      append(id, EventType.CHECKLIST_ANSWERED, "user:wang", answer("pests", "conforms", null, null, "", null));
      // a correction: the latest answer wins
      append(id, EventType.CHECKLIST_ANSWERED, "user:wang",
          answer("pests", "not_conforms", null, null, "防鼠设施缺少挡鼠板", null));
    }
    append(id, EventType.INSPECTION_ENDED, "user:wang", new JsonObject().put("reason", "concluded")
        .put("conclusion", "rectify").put("remark", "防鼠设施整改后复查。")
        .put("rectifyItems", new JsonArray().add("pests")).put("rectifyDeadline", "2026-12-15"));
    append(id, EventType.PARTICIPANT_LEFT, "applicant", new JsonObject());
    return id;
  }

  static JsonObject item(String id, String title, String type, String unit) {
    return new JsonObject().put("id", id).put("title", title).put("guidance", "请将镜头对准" + title)
        .put("required", true).put("photoRequired", type.equals("measure")).put("answerType", type).put("unit", unit);
  }

  static JsonObject answer(String item, String result, String value, String unit, String remark, String snapshot) {
    return new JsonObject().put("itemId", item).put("checklistVersion", 2).put("result", result)
        .put("value", value).put("unit", unit).put("remark", remark)
        .put("snapshots", snapshot == null ? new JsonArray() : new JsonArray().add("snapshot:" + snapshot));
  }

  static void append(String id, EventType type, String actor, JsonObject payload) {
    trail.append(id, type, actor, payload).await();
  }

  static String snapshot(String id, Color color) {
    return snapshot(id, color, 640, 480);
  }

  static String snapshot(String id, Color color, int width, int height) {
    try {
      BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = img.createGraphics();
      g.setColor(color);
      g.fillRect(0, 0, width, height);
      g.setColor(Color.WHITE);
      g.fillRect(width / 5, height / 5, width * 3 / 5, height * 3 / 5);
      g.dispose();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ImageIO.write(img, "jpg", out);
      byte[] jpeg = out.toByteArray();
      return snapshots.store(id, Buffer.buffer(jpeg), Sha256.of(jpeg), "user:wang",
          new Snapshots.Facts("KY-2026-0815"))
          .await().id();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static SignatureInput signature(int points) {
    JsonArray stroke = new JsonArray();
    for (int i = 0; i < points; i++) {
      stroke.add(new JsonArray().add(20 + i * 4).add(60 + Math.sin(i / 3.0) * 25).add(i * 16));
    }
    return SignatureInput.from(new JsonObject().put("width", 300).put("height", 150)
        .put("strokes", new JsonArray().add(stroke)).put("image", pngDataUrl(points)));
  }

  static String pngDataUrl(int points) {
    try {
      BufferedImage img = new BufferedImage(300, 120, BufferedImage.TYPE_INT_ARGB);
      Graphics2D g = img.createGraphics();
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setColor(new Color(20, 30, 90));
      g.setStroke(new BasicStroke(3));
      for (int i = 1; i < points; i++) {
        g.drawLine(20 + (i - 1) * 4, (int) (60 + Math.sin((i - 1) / 3.0) * 25), 20 + i * 4,
            (int) (60 + Math.sin(i / 3.0) * 25));
      }
      g.dispose();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ImageIO.write(img, "png", out);
      return "data:image/png;base64," + Base64.getEncoder().encodeToString(out.toByteArray());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static void assertValidCms(PDSignature sig, byte[] pdf) throws Exception {
    assertThat(sig.getSubFilter()).isEqualTo(PDSignature.SUBFILTER_ADBE_PKCS7_DETACHED.getName());
    assertThat(cmsValid(sig, pdf)).isTrue();
  }

  static boolean cmsValid(PDSignature sig, byte[] pdf) throws Exception {
    CMSSignedData cms = new CMSSignedData(new CMSProcessableByteArray(sig.getSignedContent(pdf)),
        sig.getContents(pdf));
    SignerInformation signer = cms.getSignerInfos().getSigners().iterator().next();
    @SuppressWarnings("unchecked")
    X509CertificateHolder cert = (X509CertificateHolder) cms.getCertificates().getMatches(signer.getSID())
        .iterator().next();
    assertThat(cert.getSubject().toString()).contains("Kanyan");
    try {
      return signer.verify(new JcaSimpleSignerInfoVerifierBuilder().build(cert));
    } catch (org.bouncycastle.cms.CMSException e) {
      return false;
    }
  }

  /** What poppler's {@code pdfsig} (an ordinary PDF reader's signature check) says of a PDF. */
  static String pdfsig(Path pdf) throws IOException, InterruptedException {
    if (!Files.isExecutable(Path.of("/usr/bin/pdfsig"))) {
      throw new AssertionError("pdfsig is missing: apt-get install poppler-utils (deploy/test.sh installs it)");
    }
    Process p = new ProcessBuilder("/usr/bin/pdfsig", pdf.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    p.waitFor();
    return out;
  }

  static void savePageOne(PDDocument doc) throws IOException {
    PDFRenderer renderer = new PDFRenderer(doc);
    Files.createDirectories(SCREENSHOT.getParent());
    ImageIO.write(renderer.renderImageWithDPI(0, 110), "png", SCREENSHOT.toFile());
    // The last page (signatures) for a look by hand; not kept in the repository.
    Files.createDirectories(Path.of("target"));
    ImageIO.write(renderer.renderImageWithDPI(doc.getNumberOfPages() - 1, 80), "png",
        Path.of("target", "record-last-page.png").toFile());
  }

  static void replaceEntry(Path zip, Path target, String name, byte[] content) throws IOException {
    try (ZipFile in = new ZipFile(zip.toFile()); OutputStream file = Files.newOutputStream(target);
        ZipOutputStream out = new ZipOutputStream(file)) {
      for (ZipEntry e : Collections.list(in.entries())) {
        out.putNextEntry(new ZipEntry(e.getName()));
        if (e.getName().equals(name)) {
          out.write(content);
        } else {
          try (InputStream data = in.getInputStream(e)) {
            data.transferTo(out);
          }
        }
        out.closeEntry();
      }
    }
  }

  static List<Path> listFiles(Path dir) throws IOException {
    try (var s = Files.list(dir)) {
      return s.toList();
    }
  }
}
