package io.kanyan.recorder.recording;

import io.kanyan.recorder.trail.Chain;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.recorder.trail.TrailEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots taken by the inspector: the original JPEG is kept byte for byte (its SHA-256 goes on the
 * trail as {@code SNAPSHOT_TAKEN}), and a watermarked copy (time, case number, location) is made for
 * display; its SHA-256 goes on the trail too ({@value #DISPLAY_SHA256}), so a swapped copy is caught. The
 * location is the latest {@code location.fix} on the trail ({@value #LOCATION_SEQ} names it). Decoding,
 * drawing, encoding and the fsynced writes run off the event loop.
 *
 * <p>Files: {@code <dataDir>/inspections/<id>/snapshots/<snapshotId>.jpg} and
 * {@code <snapshotId>.watermarked.jpg}.
 */
public final class Snapshots {

  /** Payload field of {@code snapshot.taken}: the watermarked copy's path (same as the verifier's name). */
  public static final String DISPLAY_FILE = "displayFile";
  /** Payload field of {@code snapshot.taken}: the watermarked copy's lowercase hex SHA-256. */
  public static final String DISPLAY_SHA256 = "displaySha256";
  /** Payload field of {@code snapshot.taken}: the seq of the {@code location.fix} printed on the copy. */
  public static final String LOCATION_SEQ = "locationSeq";

  /**
   * What the taker is told; {@code location} is the applicant's latest fix on the trail, or null when none;
   * {@code displaySha256} is the watermarked copy's SHA-256 (on the trail too).
   */
  public record Snapshot(String id, String takenAt, String sha256, long size, int width, int height,
      JsonObject location, String displaySha256) {

    public JsonObject toJson() {
      return new JsonObject().put("id", id).put("takenAt", takenAt).put("sha256", sha256).put("size", size)
          .put("width", width).put("height", height).put("location", location)
          .put("displaySha256", displaySha256);
    }
  }

  /**
   * The facts printed on the watermark besides the time and the location (which comes from the trail), and the
   * checklist item the snapshot was taken for ({@code itemId}, or null), recorded in {@code snapshot.taken}.
   */
  public record Facts(String caseNumber, String itemId) {

    public Facts(String caseNumber) {
      this(caseNumber, null);
    }
  }

  static {
    // Java2D without a display: set before the first AWT class loads, unless the operator chose.
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(Snapshots.class);
  /** 12 megapixels: a 4K video frame is 8.3. Decoded with its watermarked copy it needs about 100 MB. */
  public static final long DEFAULT_MAX_PIXELS = 12_000_000;
  private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9-]{1,64}");

  private final Vertx vertx;
  private final Trail trail;
  private final Path dataDir;
  private final Clock clock;
  /** The bureau's time zone, for the watermark. */
  private final ZoneId zone;
  private final long maxPixels;

  /** With the default pixel limit ({@link #DEFAULT_MAX_PIXELS}). */
  public Snapshots(Vertx vertx, Trail trail, Path dataDir, Clock clock, ZoneId zone) {
    this(vertx, trail, dataDir, clock, zone, DEFAULT_MAX_PIXELS);
  }

  /**
   * @param maxPixels a JPEG whose header claims more pixels (width x height) is refused before it is decoded
   */
  public Snapshots(Vertx vertx, Trail trail, Path dataDir, Clock clock, ZoneId zone, long maxPixels) {
    this.maxPixels = maxPixels;
    this.vertx = vertx;
    this.trail = trail;
    this.dataDir = dataDir;
    this.clock = clock;
    this.zone = zone;
  }

  /**
   * Checks, stores and watermarks a snapshot, then puts it on the trail.
   *
   * @param jpeg   the JPEG bytes as uploaded
   * @param sha256 the lowercase hex SHA-256 the uploader computed
   */
  public Future<Snapshot> store(String inspectionId, Buffer jpeg, String sha256, String actor, Facts facts) {
    Recordings.checkId(inspectionId);
    String id = UUID.randomUUID().toString();
    Instant takenAt = clock.instant();
    byte[] bytes = jpeg.getBytes();
    // The location printed and recorded is the latest fix on the trail, never one the caller claims.
    return trail.latest(inspectionId, EventType.LOCATION_FIX)
        .compose(fix -> vertx.executeBlocking(() -> write(inspectionId, id, bytes, sha256, takenAt, facts,
            fix.map(Snapshots::location).orElse(null)), false)
            .compose(snapshot -> trail.append("snapshot:" + id, inspectionId, EventType.SNAPSHOT_TAKEN, actor,
                    new JsonObject().put("snapshotId", id).put("takenAt", snapshot.takenAt())
                        .put("file", relative(original(inspectionId, id)))
                        .put("sha256", snapshot.sha256()).put("size", snapshot.size())
                        .put("width", snapshot.width()).put("height", snapshot.height())
                        .put(DISPLAY_FILE, relative(watermarked(inspectionId, id)))
                        .put(DISPLAY_SHA256, snapshot.displaySha256())
                        .put("location", snapshot.location())
                        .put(LOCATION_SEQ, fix.map(TrailEvent::seq).orElse(null))
                        .mergeIn(facts.itemId() == null ? new JsonObject() : new JsonObject().put("itemId", facts.itemId())))
                .map(event -> snapshot)))
        .onSuccess(s -> LOG.info("inspection {}: snapshot {} stored ({}x{}, {} bytes)", inspectionId, id,
            s.width(), s.height(), s.size()));
  }

  /** The location a {@code location.fix} recorded: its lat, lng and accuracy. */
  static JsonObject location(TrailEvent fix) {
    JsonObject p = fix.payloadJson();
    return new JsonObject().put("lat", p.getValue("lat")).put("lng", p.getValue("lng"))
        .put("accuracy", p.getValue("accuracy")).put("serverTime", Chain.formatTime(fix.time()));
  }

  /**
   * Loads Java2D, its fonts and the JPEG codec on a worker thread. The first use can take seconds on a
   * busy machine; doing it at start-up keeps the first snapshot of the day quick.
   */
  public Future<Void> warmUp() {
    return vertx.executeBlocking(() -> {
      BufferedImage tiny = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
      BufferedImage marked = Watermark.apply(tiny, List.of("warm-up"), "warm-up");
      ImageIO.write(marked, "jpg", new ByteArrayOutputStream());
      return null;
    }, false);
  }

  /** The original JPEG of a snapshot (it may not exist). */
  public Path original(String inspectionId, String snapshotId) {
    return dir(inspectionId, snapshotId).resolve(snapshotId + ".jpg");
  }

  /** The watermarked display copy of a snapshot (it may not exist). */
  public Path watermarked(String inspectionId, String snapshotId) {
    return dir(inspectionId, snapshotId).resolve(snapshotId + ".watermarked.jpg");
  }

  /** The thumbnail of a snapshot; only phone photos ({@link Photos}) have one (it may not exist). */
  public Path thumbnail(String inspectionId, String snapshotId) {
    return dir(inspectionId, snapshotId).resolve(snapshotId + ".thumb.jpg");
  }

  private Snapshot write(String inspectionId, String id, byte[] bytes, String declared, Instant takenAt,
      Facts facts, JsonObject location) throws IOException {
    String computed = Sha256.of(bytes);
    if (!computed.equalsIgnoreCase(declared == null ? "" : declared)) {
      throw new RecordingException(RecordingException.Code.HASH_MISMATCH,
          "the snapshot arrived damaged (its SHA-256 does not match); take it again");
    }
    if (bytes.length < 4 || (bytes[0] & 0xff) != 0xFF || (bytes[1] & 0xff) != 0xD8) {
      throw new RecordingException(RecordingException.Code.BAD_MEDIA, "a snapshot must be a JPEG image");
    }
    BufferedImage image = JpegDecoder.decode(bytes, maxPixels);
    writeDurably(original(inspectionId, id), bytes);
    BufferedImage marked = Watermark.apply(image,
        Watermark.Text.of(takenAt, zone, facts.caseNumber(), location));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (!ImageIO.write(marked, "jpg", out)) {
      throw new IllegalStateException("this JDK cannot encode JPEG");
    }
    byte[] display = out.toByteArray();
    writeDurably(watermarked(inspectionId, id), display);
    return new Snapshot(id, takenAt.toString(), computed, bytes.length, image.getWidth(), image.getHeight(),
        location, Sha256.of(display));
  }

  static void writeDurably(Path file, byte[] bytes) throws IOException {
    Files.createDirectories(file.getParent());
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(true);
    }
  }

  private Path dir(String inspectionId, String snapshotId) {
    Recordings.checkId(inspectionId);
    if (!SAFE_ID.matcher(snapshotId).matches()) {
      throw new RecordingException(RecordingException.Code.NOT_FOUND, "no such snapshot");
    }
    return dataDir.resolve("inspections").resolve(inspectionId).resolve("snapshots");
  }

  private String relative(Path file) {
    return dataDir.relativize(file).toString().replace('\\', '/');
  }
}
