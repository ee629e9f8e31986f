package io.kanyan.recorder.recording;

import com.drew.imaging.ImageMetadataReader;
import com.drew.imaging.ImageProcessingException;
import com.drew.lang.GeoLocation;
import com.drew.metadata.Metadata;
import com.drew.metadata.MetadataException;
import com.drew.metadata.exif.ExifIFD0Directory;
import com.drew.metadata.exif.ExifSubIFDDirectory;
import com.drew.metadata.exif.GpsDirectory;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.TimeZone;

/**
 * What a photo's EXIF says about where and how it was taken: the GPS position, the camera's own time and the
 * orientation the picture is meant to be shown in. Read with metadata-extractor from the bytes, without
 * decoding any pixel; a photo without EXIF (or with EXIF the library cannot parse) simply has none of these.
 *
 * @param gps         the EXIF GPS position ({@code lat}, {@code lng}), or null
 * @param cameraTime  the camera's DateTimeOriginal as written (no zone), or null
 * @param orientation the EXIF orientation (1 = as stored; 3, 6, 8 = rotated), 1 when absent
 */
record ExifFacts(JsonObject gps, String cameraTime, int orientation) {

  static final ExifFacts NONE = new ExifFacts(null, null, 1);

  static ExifFacts of(byte[] jpeg) {
    Metadata metadata;
    try {
      metadata = ImageMetadataReader.readMetadata(new ByteArrayInputStream(jpeg), jpeg.length);
    } catch (ImageProcessingException | IOException | RuntimeException e) {
      return NONE; // unreadable metadata is no reason to refuse a picture the decoder accepts
    }
    JsonObject gps = null;
    GpsDirectory gpsDir = metadata.getFirstDirectoryOfType(GpsDirectory.class);
    GeoLocation where = gpsDir == null ? null : gpsDir.getGeoLocation();
    if (where != null && !where.isZero() && Math.abs(where.getLatitude()) <= 90
        && Math.abs(where.getLongitude()) <= 180) {
      gps = new JsonObject().put("lat", where.getLatitude()).put("lng", where.getLongitude());
    }
    String cameraTime = null;
    ExifSubIFDDirectory sub = metadata.getFirstDirectoryOfType(ExifSubIFDDirectory.class);
    if (sub != null && sub.getDateOriginal(TimeZone.getTimeZone("UTC")) != null) {
      cameraTime = sub.getString(ExifSubIFDDirectory.TAG_DATETIME_ORIGINAL);
    }
    int orientation = 1;
    ExifIFD0Directory ifd0 = metadata.getFirstDirectoryOfType(ExifIFD0Directory.class);
    if (ifd0 != null && ifd0.containsTag(ExifIFD0Directory.TAG_ORIENTATION)) {
      try {
        orientation = ifd0.getInt(ExifIFD0Directory.TAG_ORIENTATION);
      } catch (MetadataException e) {
        orientation = 1;
      }
    }
    return new ExifFacts(gps, cameraTime, orientation);
  }

  /** Great-circle distance in metres between two positions ({@code lat}, {@code lng} in degrees). */
  static double metresBetween(JsonObject a, JsonObject b) {
    double lat1 = Math.toRadians(a.getDouble("lat"));
    double lat2 = Math.toRadians(b.getDouble("lat"));
    double dLat = lat2 - lat1;
    double dLng = Math.toRadians(b.getDouble("lng") - a.getDouble("lng"));
    double h = Math.sin(dLat / 2) * Math.sin(dLat / 2)
        + Math.cos(lat1) * Math.cos(lat2) * Math.sin(dLng / 2) * Math.sin(dLng / 2);
    return 2 * 6_371_000 * Math.asin(Math.min(1, Math.sqrt(h)));
  }
}
