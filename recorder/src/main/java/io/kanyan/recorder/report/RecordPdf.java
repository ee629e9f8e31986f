package io.kanyan.recorder.report;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.EncodeHintType;
import com.google.zxing.WriterException;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.QRCodeWriter;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Calendar;
import java.util.GregorianCalendar;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.fontbox.ttf.TrueTypeCollection;
import org.apache.fontbox.ttf.TrueTypeFont;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDDocumentInformation;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.font.PDType0Font;
import org.apache.pdfbox.pdmodel.graphics.image.JPEGFactory;
import org.apache.pdfbox.pdmodel.graphics.image.PDImageXObject;

/**
 * Renders an inspection record (勘验笔录) as a PDF with Apache PDFBox. Blocking: run it off the event loop.
 *
 * <p>The text is set in WenQuanYi (Debian's fonts-wqy-microhei or -zenhei, TrueType collections whose licence
 * allows embedding), embedded as a subset with its ToUnicode map, so the text can be searched and copied. Every
 * page carries its number, the trail head hash the record was made from, the verify URL and its QR code.
 */
public final class RecordPdf {

  /** CJK TrueType collections tried in order (Debian paths). */
  public static final List<Path> FONTS = List.of(
      Path.of("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
      Path.of("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"));

  static final Map<String, String> CONCLUSIONS = Map.of("pass", "通过", "fail", "不通过", "rectify", "限期整改");
  static final Map<String, String> RESULTS = Map.of("conforms", "符合", "not_conforms", "不符合",
      "not_applicable", "不适用", "measured", "实测");
  static final int THUMBNAIL_WIDTH = 800;
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss", Locale.ROOT);

  private final Path dataDir;
  private final ZoneId zone;
  private final List<Path> fonts;

  /**
   * @param dataDir where the snapshot and signature files named by the record live
   * @param zone    the bureau's time zone, for the times printed
   */
  public RecordPdf(Path dataDir, ZoneId zone) {
    this(dataDir, zone, FONTS);
  }

  RecordPdf(Path dataDir, ZoneId zone, List<Path> fonts) {
    this.dataDir = dataDir;
    this.zone = zone;
    this.fonts = fonts;
  }

  /** A rendered record: its bytes and page count. */
  public record Rendered(byte[] pdf, int pages) {
  }

  /** Renders the record. */
  public Rendered render(RecordContent c) throws IOException {
    Path fontFile = fonts.stream().filter(Files::isReadable).findFirst().orElseThrow(() -> new IOException(
        "no CJK font to embed: install fonts-wqy-microhei (apt-get install fonts-wqy-microhei)"));
    try (TrueTypeCollection collection = new TrueTypeCollection(fontFile.toFile());
        PDDocument doc = new PDDocument()) {
      TrueTypeFont[] first = new TrueTypeFont[1];
      collection.processAllFonts(ttf -> {
        if (first[0] == null) {
          first[0] = ttf;
        }
      });
      PDType0Font font = PDType0Font.load(doc, first[0], true);
      PDDocumentInformation info = doc.getDocumentInformation();
      info.setTitle("现场勘验笔录 " + c.caseNumber());
      info.setCreator("Kanyan");
      info.setProducer("Kanyan (Apache PDFBox)");
      info.setCreationDate(calendar(c.end() != null ? c.end() : Instant.now()));
      List<PDPage> pages;
      try (PdfCanvas canvas = new PdfCanvas(doc, font)) {
        body(canvas, doc, c);
        pages = canvas.pages();
      }
      footers(doc, font, pages, c);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      doc.save(out);
      return new Rendered(out.toByteArray(), pages.size());
    }
  }

  private void body(PdfCanvas p, PDDocument doc, RecordContent c) throws IOException {
    p.centred("现场勘验笔录", 20);
    p.centred("Remote site inspection record", 9);
    p.gap(6);
    p.field("案件编号", c.caseNumber(), 10.5f);
    p.field("勘验事项", c.matterName() + (c.matterCode() == null ? "" : "（" + c.matterCode() + "）")
        + (c.checklistVersion() == null ? "" : "　核查标准第 " + c.checklistVersion() + " 版"), 10.5f);
    p.field("申请人", c.applicantName(), 10.5f);
    p.field("勘验地址", c.siteAddress() + (c.siteLat() == null ? ""
        : String.format(Locale.ROOT, "（%.6f, %.6f）", c.siteLat(), c.siteLng())), 10.5f);
    p.field("申请人位置", location(c), 10.5f);
    p.field("勘验人员", c.inspectorName(), 10.5f);
    p.field("开始时间", time(c.start()), 10.5f);
    p.field("结束时间", time(c.end()), 10.5f);
    p.field("勘验时长", duration(c.start(), c.end()), 10.5f);
    p.rule();
    p.heading("一、核查项目");
    if (c.items().isEmpty()) {
      p.paragraph("本次勘验未绑定核查标准（创建于事项清单之前），以下记录备注、截图与结论。", 9.5f, 12);
    }
    int n = 0;
    for (RecordContent.Item item : c.items()) {
      n++;
      p.gap(3);
      p.paragraph(n + ". " + item.title() + (item.required() ? "（必查）" : ""), 10.5f, 6);
      String result = item.result() == null ? "未作答" : RESULTS.getOrDefault(item.result(), item.result());
      if (item.value() != null) {
        result += "　" + item.value() + (item.unit() == null ? "" : " " + item.unit());
      }
      p.field("　　结果", result, 9.5f);
      if (item.remark() != null && !item.remark().isBlank()) {
        p.field("　　说明", item.remark(), 9.5f);
      }
      photos(p, doc, item.photos(), 24);
    }
    p.rule();
    p.heading("二、勘验记录");
    if (c.notes().isEmpty()) {
      p.paragraph("（无）", 9.5f, 12);
    }
    for (RecordContent.Note note : c.notes()) {
      p.paragraph(time(note.time()) + "　" + note.text(), 9.5f, 12);
    }
    if (!c.otherPhotos().isEmpty()) {
      p.paragraph("现场截图（未关联核查项目）", 9.5f, 12);
      photos(p, doc, c.otherPhotos(), 12);
    }
    p.rule();
    p.heading("三、勘验结论");
    p.field("结论", c.conclusion() == null ? "未作结论" : CONCLUSIONS.getOrDefault(c.conclusion(), c.conclusion()),
        10.5f);
    p.field("意见", c.remark(), 10.5f);
    if (!c.rectifyItems().isEmpty() || c.rectifyDeadline() != null) {
      p.field("整改项目", String.join("；", c.rectifyItems()), 10.5f);
      p.field("整改期限", c.rectifyDeadline(), 10.5f);
    }
    p.rule();
    signatures(p, doc, c);
  }

  private void signatures(PdfCanvas p, PDDocument doc, RecordContent c) throws IOException {
    p.need(150);
    p.heading("四、签名");
    for (String party : List.of("applicant", "inspector")) {
      String label = party.equals("applicant") ? "申请人签名" : "勘验人员签名";
      RecordContent.Signed signed = c.signatures().stream().filter(s -> party.equals(s.party())).findFirst()
          .orElse(null);
      if (signed != null) {
        p.field(label, signed.name() + "　签于 " + time(signed.time()), 10.5f);
        Path image = file(signed.imageFile());
        if (image != null) {
          p.images(List.of(PDImageXObject.createFromFile(image.toString(), doc)), List.of(""), 160, 60, 96);
        }
      } else if (party.equals("applicant") && c.refusal() != null) {
        p.field(label, "申请人拒绝签名（" + time(c.refusal().time()) + "）。理由：" + c.refusal().reason(), 10.5f);
      } else {
        p.field(label, "（待签名）", 10.5f);
      }
    }
  }

  private void photos(PdfCanvas p, PDDocument doc, List<RecordContent.Photo> photos, float indent)
      throws IOException {
    List<PDImageXObject> images = new ArrayList<>();
    List<String> captions = new ArrayList<>();
    for (RecordContent.Photo photo : photos) {
      Path file = file(photo.file());
      if (file == null) {
        p.paragraph("［截图文件缺失：" + photo.file() + "］", 8, indent);
        continue;
      }
      images.add(thumbnail(doc, file));
      captions.add(time(photo.takenAt()));
    }
    if (!images.isEmpty()) {
      p.images(images, captions, 118, 88, indent);
    }
  }

  /**
   * A snapshot as a thumbnail: at most {@link #THUMBNAIL_WIDTH} pixels wide (enough for print at its size on the
   * page, and the watermark stays legible), so twenty full-resolution photos do not make a 50 MB record.
   */
  private static PDImageXObject thumbnail(PDDocument doc, Path file) throws IOException {
    BufferedImage image = ImageIO.read(file.toFile());
    if (image == null) {
      throw new IOException("the snapshot " + file.getFileName() + " is not a readable image");
    }
    if (image.getWidth() > THUMBNAIL_WIDTH) {
      int height = Math.max(1, image.getHeight() * THUMBNAIL_WIDTH / image.getWidth());
      BufferedImage small = new BufferedImage(THUMBNAIL_WIDTH, height, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = small.createGraphics();
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.drawImage(image, 0, 0, THUMBNAIL_WIDTH, height, null);
      g.dispose();
      image = small;
    }
    return JPEGFactory.createFromImage(doc, image, 0.85f);
  }

  /** A file named by the trail, inside the data directory, or null when it is missing or outside. */
  private Path file(String relative) {
    if (relative == null || relative.isEmpty() || Path.of(relative).isAbsolute()) {
      return null;
    }
    Path resolved = dataDir.resolve(relative).normalize();
    return resolved.startsWith(dataDir.normalize()) && Files.isReadable(resolved) ? resolved : null;
  }

  private void footers(PDDocument doc, PDType0Font font, List<PDPage> pages, RecordContent c) throws IOException {
    BitMatrix qr = qr(c.verifyUrl());
    for (int i = 0; i < pages.size(); i++) {
      try (PDPageContentStream out = new PDPageContentStream(doc, pages.get(i),
          PDPageContentStream.AppendMode.APPEND, true, true)) {
        float size = 7.5f;
        float x = PdfCanvas.MARGIN;
        float base = PdfCanvas.MARGIN + 44;
        out.setLineWidth(0.5f);
        out.moveTo(PdfCanvas.MARGIN, base + 14);
        out.lineTo(PdfCanvas.PAGE.getWidth() - PdfCanvas.MARGIN, base + 14);
        out.stroke();
        line(out, font, "第 " + (i + 1) + " 页 / 共 " + pages.size() + " 页　　案件编号 " + c.caseNumber(), x, base, 9);
        line(out, font, "留痕链头 #" + c.headSeq() + "  " + c.headHash(), x, base - 14, size);
        line(out, font, "核验 " + c.verifyUrl(), x, base - 26, size);
        line(out, font, "本笔录由 Kanyan 依据不可篡改的勘验留痕生成；扫码或访问上述地址核验。", x, base - 38, size);
        drawQr(out, qr, PdfCanvas.PAGE.getWidth() - PdfCanvas.MARGIN - 58, PdfCanvas.MARGIN - 12, 58);
      }
    }
  }

  private static void line(PDPageContentStream out, PDType0Font font, String text, float x, float y, float size)
      throws IOException {
    StringBuilder safe = new StringBuilder();
    text.codePoints().filter(cp -> !Character.isISOControl(cp)).forEach(safe::appendCodePoint);
    out.beginText();
    out.setFont(font, size);
    out.newLineAtOffset(x, y);
    out.showText(safe.toString());
    out.endText();
  }

  static BitMatrix qr(String text) throws IOException {
    try {
      return new QRCodeWriter().encode(text, BarcodeFormat.QR_CODE, 0, 0,
          Map.of(EncodeHintType.ERROR_CORRECTION, ErrorCorrectionLevel.M, EncodeHintType.MARGIN, 1));
    } catch (WriterException e) {
      throw new IOException("cannot make a QR code of the verify URL: " + e.getMessage(), e);
    }
  }

  /** Draws the QR code as filled squares (vector, sharp at any zoom). */
  private static void drawQr(PDPageContentStream out, BitMatrix m, float x, float y, float size) throws IOException {
    float cell = size / m.getWidth();
    for (int row = 0; row < m.getHeight(); row++) {
      for (int col = 0; col < m.getWidth(); col++) {
        if (m.get(col, row)) {
          out.addRect(x + col * cell, y + size - (row + 1) * cell, cell, cell);
        }
      }
    }
    out.fill();
  }

  private String location(RecordContent c) {
    RecordContent.Fix fix = c.measured();
    if (fix == null) {
      return "未取得（申请人未共享位置）";
    }
    String text = String.format(Locale.ROOT, "%.6f, %.6f", fix.lat(), fix.lng())
        + (fix.accuracy() == null ? "" : String.format(Locale.ROOT, "（精度 ±%.0f 米）", fix.accuracy()))
        + "，" + time(fix.time());
    Double d = c.distanceMeters();
    return d == null ? text + "；勘验地址无坐标，未计算距离"
        : text + String.format(Locale.ROOT, "；距勘验地址 %.0f 米", d);
  }

  String time(Instant t) {
    return t == null ? "—" : TIME.withZone(zone).format(t) + " (" + zone.getRules().getOffset(t).getId()
        .replace("Z", "+00:00") + ")";
  }

  static String duration(Instant start, Instant end) {
    if (start == null || end == null) {
      return "—";
    }
    Duration d = Duration.between(start, end);
    return d.toHours() > 0 ? d.toHours() + " 小时 " + d.toMinutesPart() + " 分 " + d.toSecondsPart() + " 秒"
        : d.toMinutes() + " 分 " + d.toSecondsPart() + " 秒";
  }

  private static Calendar calendar(Instant t) {
    GregorianCalendar cal = new GregorianCalendar(java.util.TimeZone.getTimeZone("UTC"));
    cal.setTimeInMillis(t.toEpochMilli());
    return cal;
  }
}
