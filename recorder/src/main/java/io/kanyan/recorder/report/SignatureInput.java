package io.kanyan.recorder.report;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * A handwritten signature as sent by a signature pad: the strokes (points with their timing) and the PNG image
 * drawn from them, checked and bounded before anything is stored.
 *
 * <p>Wire form: {@code {"width": w, "height": h, "strokes": [[[x, y, t], ...], ...], "image": "data:image/png;base64,..."}}
 * with {@code t} in milliseconds since the pad was first touched.
 *
 * @param strokes the strokes as stored (canonical JSON text: width, height, strokes)
 * @param png     the image bytes
 */
public record SignatureInput(String strokes, byte[] png) {

  public static final int MAX_STROKES = 300;
  public static final int MAX_POINTS = 20_000;
  public static final int MAX_PNG_BYTES = 512 * 1024;
  public static final int MAX_IMAGE_SIDE = 2000;
  private static final String PNG_PREFIX = "data:image/png;base64,";

  /** Checks a signature; fails with {@link RecordException.Code#BAD_SIGNATURE} and a sentence saying what is wrong. */
  public static SignatureInput from(JsonObject body) {
    if (body == null) {
      throw bad("send the signature as a JSON object");
    }
    if (!(body.getValue("strokes") instanceof JsonArray strokes) || strokes.isEmpty()) {
      throw bad("the signature is empty: sign in the box first");
    }
    if (strokes.size() > MAX_STROKES) {
      throw bad("the signature has " + strokes.size() + " strokes; at most " + MAX_STROKES + " are kept. Clear it and sign again");
    }
    int points = 0;
    JsonArray clean = new JsonArray();
    for (Object s : strokes) {
      if (!(s instanceof JsonArray stroke) || stroke.isEmpty()) {
        throw bad("each stroke must be a list of points [x, y, t]");
      }
      points += stroke.size();
      if (points > MAX_POINTS) {
        throw bad("the signature has more than " + MAX_POINTS + " points; clear it and sign again");
      }
      JsonArray cleanStroke = new JsonArray();
      for (Object p : stroke) {
        if (!(p instanceof JsonArray point) || point.size() != 3 || !finite(point.getValue(0))
            || !finite(point.getValue(1)) || !finite(point.getValue(2))) {
          throw bad("each point must be [x, y, t] with finite numbers");
        }
        cleanStroke.add(new JsonArray().add(point.getValue(0)).add(point.getValue(1)).add(point.getValue(2)));
      }
      clean.add(cleanStroke);
    }
    if (points < 2) {
      throw bad("the signature is too short: sign your name in the box");
    }
    Object w = body.getValue("width");
    Object h = body.getValue("height");
    if (!finite(w) || !finite(h)) {
      throw bad("the signature needs the pad's width and height");
    }
    byte[] png = png(body.getValue("image"));
    String canonical = new JsonObject().put("width", w).put("height", h).put("strokes", clean).encode();
    return new SignatureInput(canonical, png);
  }

  private static byte[] png(Object image) {
    if (!(image instanceof String s) || !s.startsWith(PNG_PREFIX)) {
      throw bad("the signature image must be a PNG data URL");
    }
    if ((s.length() - PNG_PREFIX.length()) / 4 * 3 > MAX_PNG_BYTES) {
      throw bad("the signature image is larger than " + MAX_PNG_BYTES / 1024 + " KB");
    }
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(s.substring(PNG_PREFIX.length()));
    } catch (IllegalArgumentException e) {
      throw bad("the signature image is not valid base64");
    }
    if (bytes.length < 8 || bytes[0] != (byte) 0x89 || bytes[1] != 'P' || bytes[2] != 'N' || bytes[3] != 'G') {
      throw bad("the signature image is not a PNG");
    }
    // The declared size is read before decoding, so a small file claiming a huge image is refused unread.
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw bad("the signature image is not a readable PNG");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in);
        if (reader.getWidth(0) > MAX_IMAGE_SIDE || reader.getHeight(0) > MAX_IMAGE_SIDE) {
          throw bad("the signature image is larger than " + MAX_IMAGE_SIDE + " pixels a side");
        }
        reader.read(0);
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof RecordException r) {
        throw r;
      }
      throw bad("the signature image is not a readable PNG");
    }
    return bytes;
  }

  private static boolean finite(Object v) {
    return v instanceof Number n && Double.isFinite(n.doubleValue());
  }

  private static RecordException bad(String message) {
    return new RecordException(RecordException.Code.BAD_SIGNATURE, message);
  }

  /** The stored strokes as bytes. */
  public byte[] strokesBytes() {
    return strokes.getBytes(StandardCharsets.UTF_8);
  }
}
