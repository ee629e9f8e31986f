package io.kanyan.recorder.recording;

import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.recorder.trail.TrailEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Full-resolution photos taken by the applicant's phone at the inspector's request ({@code photo.requested}).
 * Each is a {@code snapshot.taken} with {@code source: "phone"}: the original is kept byte for byte, EXIF and
 * all; the watermarked display copy and a thumbnail are re-encoded from the pixels, so they carry no EXIF.
 * The EXIF GPS position, if any, is compared with the applicant's latest live fix on the trail.
 *
 * <p>The photo id is the phone's: sending the same photo again returns the stored one ({@code duplicate});
 * another photo under that id, or a second photo for an answered request, is refused. Files sit beside the
 * frame-grab snapshots: {@code <id>.jpg}, {@code <id>.watermarked.jpg}, {@code <id>.thumb.jpg}.
 */
public final class Photos {

  /** A 12 MP phone photo is 4032 x 3024 (12.2 million); this leaves room for 20 MP sensors. */
  public static final long DEFAULT_MAX_PIXELS = 24_000_000;
  /** An EXIF position further than this (plus the live fix's accuracy) from the live fix is flagged. */
  public static final double GPS_TOLERANCE_METRES = 500;
  /** The thumbnail's longer side. */
  static final int THUMBNAIL_SIZE = 320;
  private static final Pattern PHOTO_ID = Pattern.compile("[A-Za-z0-9-]{8,64}");
  private static final Logger LOG = LoggerFactory.getLogger(Photos.class);

  /** What the phone sends besides the bytes; {@code deviceLocation} is its own latest fix, or null. */
  public record Upload(String requestId, String deviceTime, JsonObject deviceLocation) {
  }

  /** A stored photo: its {@code snapshot.taken} payload, and whether this upload was a repeat. */
  public record Photo(String id, JsonObject payload, boolean duplicate) {

    public JsonObject toJson() {
      return payload.copy().put("id", id).put("duplicate", duplicate);
    }
  }

  private final Vertx vertx;
  private final Trail trail;
  private final Snapshots snapshots;
  private final Path dataDir;
  private final Clock clock;
  private final ZoneId zone;
  private final long maxPixels;

  public Photos(Vertx vertx, Trail trail, Snapshots snapshots, Path dataDir, Clock clock, ZoneId zone,
      long maxPixels) {
    this.vertx = vertx;
    this.trail = trail;
    this.snapshots = snapshots;
    this.dataDir = dataDir;
    this.clock = clock;
    this.zone = zone;
    this.maxPixels = maxPixels;
  }

  /** True for an id a phone may choose (a UUID fits). */
  public static boolean isPhotoId(String id) {
    return id != null && PHOTO_ID.matcher(id).matches();
  }

  /** The thumbnail of a photo (it may not exist: frame grabs have none). */
  public Path thumbnail(String inspectionId, String photoId) {
    return snapshots.thumbnail(inspectionId, photoId);
  }

  /**
   * Checks and stores a photo answering request {@code upload.requestId()}, or returns the one already stored
   * under {@code photoId} when the bytes are the same.
   *
   * @param caseNumber printed on the watermark
   */
  public Future<Photo> store(String inspectionId, String photoId, Buffer jpeg, String sha256, String caseNumber,
      Upload upload) {
    Recordings.checkId(inspectionId);
    if (!isPhotoId(photoId)) {
      return Future.failedFuture(new RecordingException(RecordingException.Code.BAD_MEDIA,
          "a photo id must be 8-64 letters, digits or '-' (a UUID)"));
    }
    return trail.read(inspectionId).compose(events -> {
      TrailEvent request = null;
      TrailEvent fix = null;
      for (TrailEvent e : events) {
        JsonObject p = e.payloadJson();
        if (e.type() == EventType.SNAPSHOT_TAKEN && photoId.equals(p.getString("snapshotId"))) {
          return repeat(photoId, p, sha256);
        }
        if (e.type() == EventType.SNAPSHOT_TAKEN && upload.requestId().equals(p.getString("requestId"))) {
          return Future.failedFuture(new RecordingException(RecordingException.Code.PHOTO_CONFLICT,
              "this photo request was already answered with another photo; the inspector can ask again"));
        }
        if (e.type() == EventType.PHOTO_REQUESTED && upload.requestId().equals(p.getString("requestId"))) {
          request = e;
        } else if (e.type() == EventType.LOCATION_FIX) {
          fix = e;
        }
      }
      if (request == null) {
        return Future.failedFuture(new RecordingException(RecordingException.Code.UNKNOWN_REQUEST,
            "the inspector made no photo request " + upload.requestId() + " in this inspection"));
      }
      return fresh(inspectionId, photoId, jpeg.getBytes(), sha256, caseNumber, upload, request, fix);
    });
  }

  private static Future<Photo> repeat(String photoId, JsonObject stored, String sha256) {
    if (!stored.getString("sha256", "").equalsIgnoreCase(sha256)) {
      return Future.failedFuture(new RecordingException(RecordingException.Code.PHOTO_CONFLICT,
          "photo " + photoId + " was already stored with other content; send a new photo under a new id"));
    }
    return Future.succeededFuture(new Photo(photoId, stored, true));
  }

  private Future<Photo> fresh(String inspectionId, String photoId, byte[] bytes, String sha256, String caseNumber,
      Upload upload, TrailEvent request, TrailEvent fix) {
    Instant receivedAt = clock.instant();
    JsonObject live = fix == null ? null : Snapshots.location(fix);
    JsonObject asked = request.payloadJson();
    return vertx.executeBlocking(() -> write(inspectionId, photoId, bytes, sha256, receivedAt, caseNumber, live),
            false)
        .compose(made -> {
          JsonObject payload = made.put("snapshotId", photoId).put("source", "phone")
              .put("requestId", upload.requestId()).put("requestedBy", request.actor())
              .put("requestSeq", request.seq()).put("deviceTime", upload.deviceTime())
              .put("deviceLocation", upload.deviceLocation()).put("location", live)
              .put(Snapshots.LOCATION_SEQ, fix == null ? null : fix.seq());
          if (asked.getString("itemId") != null) {
            payload.put("itemId", asked.getString("itemId"));
          }
          return trail.append("snapshot:" + photoId, inspectionId, EventType.SNAPSHOT_TAKEN, "applicant", payload)
              // An event already under this id (a crash after the append, before the answer) is the stored photo.
              .map(event -> new Photo(photoId, event.payloadJson(), !event.payloadJson().equals(payload)));
        })
        .onSuccess(p -> LOG.info("inspection {}: phone photo {} stored ({}x{}, {} bytes)", inspectionId, photoId,
            p.payload().getValue("width"), p.payload().getValue("height"), p.payload().getValue("size")));
  }

  /** Checks, writes the three files and returns the payload's facts about them (blocking). */
  private JsonObject write(String inspectionId, String id, byte[] bytes, String declared, Instant receivedAt,
      String caseNumber, JsonObject live) throws IOException {
    String computed = Sha256.of(bytes);
    if (!computed.equalsIgnoreCase(declared)) {
      throw new RecordingException(RecordingException.Code.HASH_MISMATCH,
          "the photo arrived damaged (its SHA-256 does not match what the phone computed); send it again");
    }
    if (bytes.length < 4 || (bytes[0] & 0xff) != 0xFF || (bytes[1] & 0xff) != 0xD8) {
      throw new RecordingException(RecordingException.Code.BAD_MEDIA, "a photo must be a JPEG image");
    }
    BufferedImage stored = JpegDecoder.decode(bytes, maxPixels);
    ExifFacts exif = ExifFacts.of(bytes);
    Path original = snapshots.original(inspectionId, id);
    Snapshots.writeDurably(original, bytes);
    BufferedImage upright = upright(stored, exif.orientation());
    BufferedImage marked = Watermark.apply(upright, Watermark.Text.of(receivedAt, zone, caseNumber, live));
    byte[] display = jpeg(marked);
    Snapshots.writeDurably(snapshots.watermarked(inspectionId, id), display);
    byte[] thumb = jpeg(thumbnail(marked));
    Snapshots.writeDurably(thumbnail(inspectionId, id), thumb);
    return new JsonObject().put("takenAt", receivedAt.toString())
        .put("file", relative(original)).put("sha256", computed).put("size", bytes.length)
        .put("width", stored.getWidth()).put("height", stored.getHeight())
        .put(Snapshots.DISPLAY_FILE, relative(snapshots.watermarked(inspectionId, id)))
        .put(Snapshots.DISPLAY_SHA256, Sha256.of(display))
        .put("thumbnailFile", relative(thumbnail(inspectionId, id))).put("thumbnailSha256", Sha256.of(thumb))
        .put("exif", exifFacts(exif, live));
  }

  /** The EXIF facts for the trail, with the GPS check against the live fix. */
  static JsonObject exifFacts(ExifFacts exif, JsonObject live) {
    JsonObject out = new JsonObject().put("cameraTime", exif.cameraTime()).put("orientation", exif.orientation())
        .put("gps", exif.gps());
    if (exif.gps() == null) {
      out.put("gpsCheck", "no-exif-gps");
    } else if (live == null || live.getValue("lat") == null) {
      out.put("gpsCheck", "no-live-fix");
    } else {
      double distance = ExifFacts.metresBetween(exif.gps(), live);
      double accuracy = live.getValue("accuracy") instanceof Number a ? a.doubleValue() : 0;
      out.put("gpsDistanceMetres", Math.round(distance))
          .put("gpsCheck", distance > GPS_TOLERANCE_METRES + accuracy ? "mismatch" : "match");
    }
    return out;
  }

  /** The picture turned as its EXIF orientation says (1, 3, 6, 8; mirrored ones are shown as stored). */
  private static BufferedImage upright(BufferedImage image, int orientation) {
    int quarterTurns = switch (orientation) {
      case 6 -> 1;
      case 3 -> 2;
      case 8 -> 3;
      default -> 0;
    };
    if (quarterTurns == 0) {
      return image;
    }
    int w = image.getWidth();
    int h = image.getHeight();
    boolean swap = quarterTurns % 2 == 1;
    BufferedImage out = new BufferedImage(swap ? h : w, swap ? w : h, BufferedImage.TYPE_INT_RGB);
    AffineTransform turn = new AffineTransform();
    turn.translate(out.getWidth() / 2.0, out.getHeight() / 2.0);
    turn.quadrantRotate(quarterTurns);
    turn.translate(-w / 2.0, -h / 2.0);
    Graphics2D g = out.createGraphics();
    try {
      g.drawImage(image, turn, null);
    } finally {
      g.dispose();
    }
    return out;
  }

  /** Scales down by halves (each step bilinear), so a 12 MP picture makes a smooth small thumbnail. */
  private static BufferedImage thumbnail(BufferedImage image) {
    BufferedImage current = image;
    double scale = (double) THUMBNAIL_SIZE / Math.max(image.getWidth(), image.getHeight());
    int targetW = Math.max(1, (int) Math.round(image.getWidth() * Math.min(1, scale)));
    int targetH = Math.max(1, (int) Math.round(image.getHeight() * Math.min(1, scale)));
    do {
      int w = Math.max(targetW, current.getWidth() / 2);
      int h = Math.max(targetH, current.getHeight() / 2);
      BufferedImage next = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = next.createGraphics();
      try {
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(current, 0, 0, w, h, null);
      } finally {
        g.dispose();
      }
      current = next;
    } while (current.getWidth() > targetW || current.getHeight() > targetH);
    return current;
  }

  private static byte[] jpeg(BufferedImage image) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (!ImageIO.write(image, "jpg", out)) {
      throw new IllegalStateException("this JDK cannot encode JPEG");
    }
    return out.toByteArray();
  }

  private String relative(Path file) {
    return dataDir.relativize(file).toString().replace('\\', '/');
  }
}
