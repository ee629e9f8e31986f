package io.kanyan.recorder.report;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.font.PDType0Font;
import org.apache.pdfbox.pdmodel.graphics.image.PDImageXObject;

/**
 * Flowing layout on A4 pages: wrapped text with one embedded (subset) CJK font, images, rules, and a new page
 * when the cursor reaches the bottom margin (which leaves room for the footer drawn afterwards). Text is made
 * safe for the font first: control characters are dropped and characters the font lacks become {@code ?}, so
 * no name or remark can break the rendering.
 */
final class PdfCanvas implements AutoCloseable {

  static final PDRectangle PAGE = PDRectangle.A4;
  static final float MARGIN = 48;
  /** Space kept at the bottom of every page for the footer (page number, head hash, verify URL, QR code). */
  static final float FOOTER = 78;

  private final PDDocument doc;
  private final PDType0Font font;
  private final Map<Integer, Boolean> glyphs = new HashMap<>();
  private final List<PDPage> pages = new ArrayList<>();
  private PDPageContentStream out;
  private float y;

  PdfCanvas(PDDocument doc, PDType0Font font) throws IOException {
    this.doc = doc;
    this.font = font;
    newPage();
  }

  List<PDPage> pages() {
    return pages;
  }

  float width() {
    return PAGE.getWidth() - 2 * MARGIN;
  }

  void newPage() throws IOException {
    if (out != null) {
      out.close();
    }
    PDPage page = new PDPage(PAGE);
    doc.addPage(page);
    pages.add(page);
    out = new PDPageContentStream(doc, page);
    y = PAGE.getHeight() - MARGIN;
  }

  /** Ensures {@code height} points fit above the footer, else starts a new page. */
  void need(float height) throws IOException {
    if (y - height < MARGIN + FOOTER) {
      newPage();
    }
  }

  void gap(float points) {
    y -= points;
  }

  /** A line of text centred on the page. */
  void centred(String text, float size) throws IOException {
    String safe = safe(text);
    need(size * 1.6f);
    float w = textWidth(safe, size);
    y -= size * 1.3f;
    show(safe, (PAGE.getWidth() - w) / 2, y, size);
    y -= size * 0.3f;
  }

  /** Wrapped text starting at {@code indent} from the left margin. */
  void paragraph(String text, float size, float indent) throws IOException {
    for (String line : wrap(safe(text), size, width() - indent)) {
      need(size * 1.5f);
      y -= size * 1.25f;
      show(line, MARGIN + indent, y, size);
      y -= size * 0.25f;
    }
  }

  /** A section heading, kept on the page of what follows it. */
  void heading(String text) throws IOException {
    need(80);
    paragraph(text, 12, 0);
  }

  /** A label in a fixed column and its wrapped value beside it. */
  void field(String label, String value, float size) throws IOException {
    float labelWidth = 96;
    List<String> lines = wrap(safe(value == null || value.isBlank() ? "—" : value), size, width() - labelWidth);
    for (int i = 0; i < lines.size(); i++) {
      need(size * 1.5f);
      y -= size * 1.25f;
      if (i == 0) {
        show(safe(label), MARGIN, y, size);
      }
      show(lines.get(i), MARGIN + labelWidth, y, size);
      y -= size * 0.25f;
    }
  }

  /** A horizontal rule across the text width. */
  void rule() throws IOException {
    need(8);
    y -= 4;
    out.setLineWidth(0.5f);
    out.moveTo(MARGIN, y);
    out.lineTo(PAGE.getWidth() - MARGIN, y);
    out.stroke();
    y -= 4;
  }

  /**
   * A row of images, each scaled into a {@code boxWidth} x {@code boxHeight} box, with a caption under each.
   * Starts a new row (and page) as needed.
   */
  void images(List<PDImageXObject> images, List<String> captions, float boxWidth, float boxHeight, float indent)
      throws IOException {
    float gapX = 8;
    int perRow = Math.max(1, (int) ((width() - indent + gapX) / (boxWidth + gapX)));
    for (int start = 0; start < images.size(); start += perRow) {
      need(boxHeight + 16);
      float top = y - 2;
      for (int i = start; i < Math.min(images.size(), start + perRow); i++) {
        PDImageXObject img = images.get(i);
        float scale = Math.min(boxWidth / img.getWidth(), boxHeight / img.getHeight());
        float w = img.getWidth() * scale;
        float h = img.getHeight() * scale;
        float x = MARGIN + indent + (i - start) * (boxWidth + gapX);
        out.drawImage(img, x, top - h, w, h);
        show(safe(captions.get(i)), x, top - h - 9, 7);
      }
      y = top - boxHeight - 14;
    }
  }

  float textWidth(String safeText, float size) throws IOException {
    return font.getStringWidth(safeText) / 1000 * size;
  }

  void show(String safeText, float x, float baseline, float size) throws IOException {
    out.beginText();
    out.setFont(font, size);
    out.newLineAtOffset(x, baseline);
    out.showText(safeText);
    out.endText();
  }

  /** Breaks text into lines that fit {@code width}: at any character (CJK), preferring a space for Latin words. */
  List<String> wrap(String text, float size, float width) throws IOException {
    List<String> lines = new ArrayList<>();
    for (String para : text.split("\n", -1)) {
      StringBuilder line = new StringBuilder();
      int lastSpace = -1;
      for (int i = 0; i < para.length(); ) {
        int cp = para.codePointAt(i);
        line.appendCodePoint(cp);
        if (cp == ' ') {
          lastSpace = line.length();
        }
        if (textWidth(line.toString(), size) > width && line.length() > 1) {
          int cut = lastSpace > 0 && line.length() - lastSpace < 20 ? lastSpace : line.length() - Character.charCount(cp);
          lines.add(line.substring(0, cut).stripTrailing());
          String rest = line.substring(cut);
          line.setLength(0);
          line.append(rest.stripLeading());
          lastSpace = -1;
        }
        i += Character.charCount(cp);
      }
      lines.add(line.toString());
    }
    return lines;
  }

  /** Drops control characters and replaces characters the font has no glyph for. */
  String safe(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder sb = new StringBuilder(text.length());
    text.codePoints().forEach(cp -> {
      if (cp == '\n') {
        sb.append('\n');
      } else if (cp == '\t') {
        sb.append(' ');
      } else if (!Character.isISOControl(cp)) {
        sb.appendCodePoint(glyphs.computeIfAbsent(cp, this::hasGlyph) ? cp : '?');
      }
    });
    return sb.toString();
  }

  private boolean hasGlyph(int cp) {
    try {
      font.encode(new String(Character.toChars(cp)));
      return font.getStringWidth(new String(Character.toChars(cp))) > 0 || cp == ' ';
    } catch (IOException | IllegalArgumentException e) {
      return false;
    }
  }

  PDPageContentStream stream() {
    return out;
  }

  float y() {
    return y;
  }

  @Override
  public void close() throws IOException {
    if (out != null) {
      out.close();
      out = null;
    }
  }
}
