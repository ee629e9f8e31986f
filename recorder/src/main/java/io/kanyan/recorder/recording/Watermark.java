package io.kanyan.recorder.recording;

import io.vertx.core.json.JsonObject;
import java.awt.AlphaComposite;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontFormatException;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Draws the display watermark of a snapshot: a band along the bottom with the given lines (time, case
 * number, location) and a faint diagonal repeat of the first line across the picture, so a cropped copy
 * still shows where it came from. Pure Java2D; call it off the event loop.
 *
 * <p>The words are in the bureau's language (Simplified Chinese, as the pages by default) and the time in
 * the bureau's zone ({@code KANYAN_TIME_ZONE}). The text is drawn with a CJK font loaded from its file (the
 * WenQuanYi Micro Hei that {@code deploy/run.sh} and {@code deploy/test.sh} install), not with whatever
 * the JDK's logical "SansSerif" happens to map to, which may have no Chinese glyphs at all.
 */
final class Watermark {

  private static final Logger LOG = LoggerFactory.getLogger(Watermark.class);

  /** CJK font files tried in order (Debian paths of fonts-wqy-microhei, fonts-wqy-zenhei, fonts-noto-cjk). */
  static final List<Path> CJK_FONTS = List.of(
      Path.of("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
      Path.of("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
      Path.of("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"));

  private static final Font BASE_FONT = loadFont();

  private Watermark() {
  }

  /** The words of a snapshot's watermark: band lines and the diagonal tile text. */
  record Text(List<String> lines, String tile) {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss", Locale.ROOT);

    /**
     * @param takenAt  when the snapshot was taken
     * @param zone     the bureau's time zone, shown with its offset and name
     * @param location the applicant's latest fix ({@code lat}, {@code lng}, {@code accuracy}), or null
     */
    static Text of(Instant takenAt, ZoneId zone, String caseNumber, JsonObject location) {
      String time = TIME.withZone(zone).format(takenAt) + " (" + zone.getRules().getOffset(takenAt).getId()
          .replace("Z", "+00:00") + " " + zone.getId() + ")";
      return new Text(List.of(
          "拍摄时间 " + time,
          "案件编号 " + caseNumber,
          "申请人位置 " + describe(location)), "勘验 KANYAN " + caseNumber + " " + TIME.withZone(zone).format(takenAt));
    }

    private static String describe(JsonObject location) {
      if (location == null || location.getValue("lat") == null) {
        return "未知（申请人尚未共享位置）";
      }
      Object accuracy = location.getValue("accuracy");
      return String.format(Locale.ROOT, "%.6f, %.6f%s", location.getDouble("lat"), location.getDouble("lng"),
          accuracy == null ? "" : String.format(Locale.ROOT, "（精度 ±%.0f 米）", location.getDouble("accuracy")));
    }
  }

  static BufferedImage apply(BufferedImage source, Text text) {
    return apply(source, text.lines(), text.tile());
  }

  /** The font the watermark is drawn with, at this size. */
  static Font font(int size) {
    return BASE_FONT.deriveFont(Font.BOLD, (float) size);
  }

  private static Font loadFont() {
    for (Path file : CJK_FONTS) {
      if (!Files.isReadable(file)) {
        continue;
      }
      try {
        return Font.createFonts(file.toFile())[0];
      } catch (IOException | FontFormatException | RuntimeException e) {
        LOG.warn("watermark: cannot load the font {}: {}", file, e.getMessage());
      }
    }
    LOG.warn("watermark: no CJK font found ({}); Chinese text on snapshots may show as boxes. "
        + "Install one with 'apt-get install fonts-wqy-microhei'", CJK_FONTS);
    return new Font(Font.SANS_SERIF, Font.PLAIN, 12);
  }

  static BufferedImage apply(BufferedImage source, List<String> lines, String tile) {
    int width = source.getWidth();
    int height = source.getHeight();
    BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.drawImage(source, 0, 0, null);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      int fontSize = Math.max(12, Math.min(width, height) / 28);
      drawTiles(g, width, height, tile, fontSize);
      drawBand(g, width, height, lines, fontSize);
    } finally {
      g.dispose();
    }
    return out;
  }

  private static void drawTiles(Graphics2D g, int width, int height, String tile, int fontSize) {
    Graphics2D t = (Graphics2D) g.create();
    try {
      t.setComposite(AlphaComposite.getInstance(AlphaComposite.SRC_OVER, 0.18f));
      t.setColor(Color.WHITE);
      t.setFont(font(fontSize));
      t.transform(AffineTransform.getRotateInstance(-Math.PI / 6, width / 2.0, height / 2.0));
      int step = fontSize * 6;
      int textWidth = t.getFontMetrics().stringWidth(tile) + fontSize * 3;
      for (int y = -height; y < height * 2; y += step) {
        for (int x = -width; x < width * 2; x += textWidth) {
          t.drawString(tile, x, y);
        }
      }
    } finally {
      t.dispose();
    }
  }

  private static void drawBand(Graphics2D g, int width, int height, List<String> lines, int fontSize) {
    g.setFont(font(fontSize));
    FontMetrics metrics = g.getFontMetrics();
    int lineHeight = metrics.getHeight();
    int pad = fontSize / 2;
    int bandHeight = lineHeight * lines.size() + pad * 2;
    g.setComposite(AlphaComposite.getInstance(AlphaComposite.SRC_OVER, 0.55f));
    g.setColor(Color.BLACK);
    g.fillRect(0, height - bandHeight, width, bandHeight);
    g.setComposite(AlphaComposite.SrcOver);
    g.setColor(Color.WHITE);
    int y = height - bandHeight + pad + metrics.getAscent();
    for (String line : lines) {
      g.drawString(line, pad, y);
      y += lineHeight;
    }
  }
}
