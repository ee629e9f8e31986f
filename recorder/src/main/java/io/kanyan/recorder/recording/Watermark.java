package io.kanyan.recorder.recording;

import java.awt.AlphaComposite;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Draws the display watermark of a snapshot: a band along the bottom with the given lines (time, case
 * number, location) and a faint diagonal repeat of the first line across the picture, so a cropped copy
 * still shows where it came from. Pure Java2D; call it off the event loop.
 */
final class Watermark {

  private Watermark() {
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
      t.setFont(new Font(Font.SANS_SERIF, Font.BOLD, fontSize));
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
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, fontSize));
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
