package io.kanyan.recorder.recording;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes an uploaded JPEG defensively: the dimensions are read from the header first and a picture above the
 * pixel limit is refused before any pixel is decoded (a 17 KB file can claim 20000 x 20000, 1.6 GB decoded);
 * a truncated or corrupt file, which the JDK decoder reports as a warning or an exception, is refused too.
 */
final class JpegDecoder {

  private JpegDecoder() {
  }

  /**
   * @throws RecordingException {@code BAD_MEDIA} when the bytes are not one whole, readable JPEG within the
   *                            pixel limit
   */
  static BufferedImage decode(byte[] bytes, long maxPixels) {
    Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("jpeg");
    if (!readers.hasNext()) {
      throw new IllegalStateException("this JDK cannot decode JPEG");
    }
    ImageReader reader = readers.next();
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
      reader.setInput(in, true, true);
      long width = reader.getWidth(0);
      long height = reader.getHeight(0);
      if (width * height > maxPixels) {
        throw new RecordingException(RecordingException.Code.BAD_MEDIA, "the snapshot is " + width + " x " + height
            + " pixels, more than the " + maxPixels + " this server takes; send a smaller picture");
      }
      List<String> warnings = new ArrayList<>();
      reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
      BufferedImage image = reader.read(0);
      if (!warnings.isEmpty()) {
        throw new RecordingException(RecordingException.Code.BAD_MEDIA,
            "the snapshot is incomplete or damaged (" + warnings.get(0) + "); take it again");
      }
      return image;
    } catch (RecordingException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      // The JDK decoder reports junk as IIOException, and some corrupt files as index or state errors.
      throw new RecordingException(RecordingException.Code.BAD_MEDIA, "the snapshot is not a readable JPEG image", e);
    } finally {
      reader.dispose();
    }
  }
}
