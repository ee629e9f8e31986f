package io.kanyan.recorder.recording;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The snapshot watermark speaks the bureau's language, in its time zone, with a font that has the glyphs. */
class WatermarkTest {

  static final Instant TAKEN = Instant.parse("2026-11-29T08:05:09Z");

  @Test
  void wordsAreChineseAndTheTimeIsInTheBureausZone() {
    Watermark.Text text = Watermark.Text.of(TAKEN, ZoneId.of("Asia/Shanghai"), "KY-2026-001",
        new JsonObject().put("lat", 31.2304).put("lng", 121.4737).put("accuracy", 12.4));
    assertThat(text.lines()).containsExactly(
        "拍摄时间 2026-11-29 16:05:09 (+08:00 Asia/Shanghai)",
        "案件编号 KY-2026-001",
        "申请人位置 31.230400, 121.473700（精度 ±12 米）");
    assertThat(text.tile()).contains("KY-2026-001").contains("2026-11-29 16:05:09");

    Watermark.Text noFix = Watermark.Text.of(TAKEN, ZoneId.of("Europe/Berlin"), "KY-2", null);
    assertThat(noFix.lines().get(0)).isEqualTo("拍摄时间 2026-11-29 09:05:09 (+01:00 Europe/Berlin)");
    assertThat(noFix.lines().get(2)).isEqualTo("申请人位置 未知（申请人尚未共享位置）");
  }

  @Test
  void drawsChineseWithAFontThatHasTheGlyphs() {
    assertThat(Watermark.CJK_FONTS.stream().anyMatch(Files::isReadable))
        .as("a CJK font is installed (deploy/test.sh installs fonts-wqy-microhei)").isTrue();
    Font font = Watermark.font(24);
    String words = String.join("", Watermark.Text.of(TAKEN, ZoneId.of("Asia/Shanghai"), "KY-1", null).lines());
    assertThat(font.canDisplayUpTo(words)).as("every character of the watermark has a glyph").isEqualTo(-1);
    // Missing glyphs all draw the same box: two different characters must draw differently.
    assertThat(Arrays.equals(pixels(font, "时"), pixels(font, "间"))).isFalse();
  }

  private static int[] pixels(Font font, String character) {
    BufferedImage image = new BufferedImage(40, 40, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setColor(Color.WHITE);
    g.setFont(font);
    g.drawString(character, 4, 30);
    g.dispose();
    return image.getRGB(0, 0, 40, 40, null, 0, 40);
  }
}
