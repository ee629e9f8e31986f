package io.kanyan.signaling.media.kurento;

import io.kanyan.recorder.recording.Remux;
import io.kanyan.signaling.media.Media;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Segments that a previous run of this server left as KMS wrote them ({@code <id>/<role>-<n>.kms.<ext>}),
 * because it stopped in the middle of a call: at start-up each is finalised as usual (remux + SHA-256) and
 * reported, so the evidence reaches the trail instead of lying unnoticed on disk. Each leftover is handled once:
 * after its event is on the trail it is deleted (finalised) or renamed {@code <name>.unfinalisable} (it could not be
 * finalised), so the next start does not find it again.
 */
final class LeftoverRecordings {

  private static final Logger log = LoggerFactory.getLogger(LeftoverRecordings.class);
  private static final Pattern RAW = Pattern.compile("(inspector|applicant)-(\\d+)\\.kms\\.(webm|mp4)");
  /** Suffix of a leftover that could not be finalised, moved aside (kept as evidence, reported once). */
  static final String UNFINALISABLE = ".unfinalisable";

  private LeftoverRecordings() {
  }

  /** Finds and finalises every leftover segment under {@code recordingsDir}, one after another. */
  static Future<List<Media.Leftover>> finalise(Vertx vertx, Path recordingsDir) {
    return finalise(vertx, recordingsDir, id -> Future.succeededFuture(false));
  }

  /**
   * The same, leaving alone the segments of inspections whose call another node runs now ({@code liveElsewhere}):
   * on a recordings directory shared by several nodes those files are being written, not left over.
   */
  static Future<List<Media.Leftover>> finalise(Vertx vertx, Path recordingsDir,
      java.util.function.Function<String, Future<Boolean>> liveElsewhere) {
    return vertx.executeBlocking(() -> find(recordingsDir), false).compose(raws -> {
      List<Media.Leftover> done = new ArrayList<>();
      Future<Void> chain = Future.succeededFuture();
      for (Path raw : raws) {
        String inspectionId = raw.getParent().getFileName().toString();
        chain = chain.compose(x -> liveElsewhere.apply(inspectionId)).compose(live -> {
          if (live) {
            log.info("recordings: {} belongs to a call another node runs now; not a leftover", raw.getFileName());
            return Future.succeededFuture();
          }
          return finaliseOne(vertx, recordingsDir, raw).map(done::add).mapEmpty();
        });
      }
      return chain.map(done);
    });
  }

  private static Future<Media.Leftover> finaliseOne(Vertx vertx, Path recordingsDir, Path raw) {
    Matcher m = RAW.matcher(raw.getFileName().toString());
    if (!m.matches()) {
      return Future.failedFuture(new IllegalArgumentException("not a recording segment: " + raw));
    }
    String inspectionId = raw.getParent().getFileName().toString();
    Path finalised = raw.resolveSibling(m.group(1) + "-" + m.group(2) + "." + m.group(3));
    Path aside = raw.resolveSibling(raw.getFileName() + UNFINALISABLE);
    Path dataDir = recordingsDir.toAbsolutePath().getParent();
    String eventId = UUID.nameUUIDFromBytes(("leftover:" + inspectionId + "/" + raw.getFileName())
        .getBytes(StandardCharsets.UTF_8)).toString();
    JsonObject details = new JsonObject().put("role", m.group(1)).put("segment", Integer.parseInt(m.group(2)))
        .put("path", recordingsDir.relativize(finalised).toString()).put("interrupted", true).put("recovered", true);
    log.warn("inspection {}: finalising {} left by a previous run of the server", inspectionId, raw.getFileName());
    // The raw file goes only after the event is on the trail (settle): a crash in between finalises it again at the
    // next start and appends the same event id, which the trail stores once.
    return Remux.finalise(vertx, raw, finalised)
        .map(f -> new Media.Leftover(inspectionId, eventId,
            details.put("file", dataDir.relativize(f.path().toAbsolutePath()).toString())
                .put("sha256", f.sha256()).put("sizeBytes", f.sizeBytes()).put("durationMillis", f.durationMillis()),
            () -> vertx.fileSystem().delete(raw.toString())))
        .recover(err -> {
          log.error("inspection {}: leftover {} cannot be finalised ({}); moving it aside as {}", inspectionId, raw,
              err.getMessage(), aside.getFileName());
          details.put("path", recordingsDir.relativize(aside).toString()).put("error", err.getMessage());
          return Future.succeededFuture(new Media.Leftover(inspectionId, eventId, details,
              () -> vertx.fileSystem().move(raw.toString(), aside.toString())));
        });
  }

  private static List<Path> find(Path recordingsDir) throws IOException {
    if (!Files.isDirectory(recordingsDir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.find(recordingsDir, 2,
        (p, attrs) -> attrs.isRegularFile() && RAW.matcher(p.getFileName().toString()).matches())) {
      return files.sorted().toList();
    }
  }
}
