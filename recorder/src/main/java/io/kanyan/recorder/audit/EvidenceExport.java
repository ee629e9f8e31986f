package io.kanyan.recorder.audit;

import io.kanyan.recorder.keys.KeyHistory;
import io.kanyan.recorder.log.CommitLog;
import io.kanyan.recorder.log.SignedTreeHead;
import io.kanyan.recorder.trail.Chain;
import io.kanyan.recorder.trail.Checkpoints;
import io.kanyan.recorder.trail.Trail;
import io.lettuce.core.StreamMessage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds an inspection's evidence package (layout in {@link EvidencePackage}): the trail, its recordings
 * and snapshots, a fresh signed tree head with every commitment of the inspection and its inclusion proof,
 * the public key and a manifest of hashes. The zip is written off the event loop.
 */
public final class EvidenceExport {

  private static final Logger log = LoggerFactory.getLogger(EvidenceExport.class);

  private final Vertx vertx;
  private final Trail trail;
  private final Checkpoints checkpoints;
  private final Path dataDir;
  private final Clock clock;

  public EvidenceExport(Vertx vertx, Trail trail, Checkpoints checkpoints, Path dataDir, Clock clock) {
    this.vertx = vertx;
    this.trail = trail;
    this.checkpoints = checkpoints;
    this.dataDir = dataDir;
    this.clock = clock;
  }

  /** {@link #export(String, Path, JsonObject)} without case facts. */
  public Future<Path> export(String inspectionId, Path target) {
    return export(inspectionId, target, null);
  }

  /**
   * Writes the package to {@code target}. Commits a checkpoint first, so the package proves every event
   * on the trail at that moment; events appended after that checkpoint are left out (none of them is
   * committed). An inspection whose trail is gone but which the log committed is exported anyway: its
   * package then shows that its events were removed.
   *
   * @param caseFacts the inspection's facts for {@code case.json}, or null
   * @return {@code target}; failed with {@link UnknownInspectionException} when there is no such trail
   */
  public Future<Path> export(String inspectionId, Path target, JsonObject caseFacts) {
    return checkpoints.checkpointNow()
        // The witnesses' cosignatures of that tree head go into the package when they answer.
        .compose(cp -> checkpoints.attestations().lastCosigning().map(cp))
        .compose(cp -> checkpoints.attestations().awaitTimestamp(cp, Duration.ofSeconds(10)).map(cp))
        .compose(cp -> Future.all(trail.readRaw(inspectionId), checkpoints.prove(inspectionId),
                checkpoints.logProblems())
            .compose(all -> {
              List<StreamMessage<String, String>> events = all.resultAt(0);
              CommitLog.Proven proven = all.resultAt(1);
              if (events.isEmpty() && proven.proofs().isEmpty()) {
                return Future.failedFuture(new UnknownInspectionException(inspectionId));
              }
              long committed = proven.proofs().stream().mapToLong(p -> p.leaf().seq()).max().orElse(0);
              List<StreamMessage<String, String>> kept = events.size() > committed && !proven.proofs().isEmpty()
                  ? events.subList(0, (int) committed) : events;
              List<String> logProblems = all.resultAt(2);
              return vertx.executeBlocking(() -> write(inspectionId, kept, proven, logProblems, caseFacts, target),
                  false);
            }))
        .onSuccess(path -> log.info("inspection {}: evidence exported to {}", inspectionId, path));
  }

  private Path write(String inspectionId, List<StreamMessage<String, String>> events, CommitLog.Proven proven,
      List<String> logProblems, JsonObject caseFacts, Path target) throws IOException {
    Files.createDirectories(target.toAbsolutePath().getParent());
    JsonArray manifestEntries = new JsonArray();
    SignedTreeHead sth = proven.head().orElseThrow(() -> new IllegalStateException("no tree head after a checkpoint"));
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(target))) {
      StringBuilder trailLines = new StringBuilder();
      Set<String> files = new LinkedHashSet<>();
      for (StreamMessage<String, String> entry : events) {
        Map<String, String> fields = entry.getBody();
        JsonObject line = new JsonObject();
        fields.forEach(line::put);
        trailLines.append(line.encode()).append('\n');
        files.addAll(filesOf(fields));
      }
      put(zip, EvidencePackage.TRAIL, trailLines.toString(), manifestEntries);
      put(zip, EvidencePackage.TREE_HEAD, checkpoints.attestations().cosigned(sth.treeSize())
          .filter(note -> note.text().equals(sth.note().text())).orElse(sth.note()).format(), manifestEntries);
      Optional<Path> stamp = checkpoints.attestations().timestampFile(sth.treeSize());
      if (stamp.isPresent()) {
        putStored(zip, EvidencePackage.TREE_HEAD_TIMESTAMP, stamp.get(), manifestEntries);
      }
      JsonArray proofs = new JsonArray();
      proven.proofs().forEach(p -> proofs.add(p.toJson()));
      put(zip, EvidencePackage.COMMITMENTS, new JsonObject().put("inspection", inspectionId)
          .put("treeHead", sth.number()).put("treeSize", sth.treeSize()).put("proofs", proofs).encodePrettily(),
          manifestEntries);
      put(zip, EvidencePackage.PUBLIC_KEY, checkpoints.publicKeyPem(), manifestEntries);
      put(zip, EvidencePackage.LOG_KEY, checkpoints.verifierKey() + "\n", manifestEntries);
      put(zip, EvidencePackage.KEY_HISTORY, KeyHistory.read(AuditServices.keyHistoryFile(checkpoints.settings()))
          .toJson().encodePrettily(), manifestEntries);
      if (!logProblems.isEmpty()) {
        // The exporting server found its own log tampered with: the package says so, and fails verification.
        put(zip, EvidencePackage.LOG_CHECK, String.join("\n", logProblems) + "\n", manifestEntries);
      }
      if (caseFacts != null) {
        put(zip, EvidencePackage.CASE, caseFacts.encodePrettily(), manifestEntries);
      }
      for (String file : files) {
        Path source = Verifier.resolveInside(dataDir, file);
        if (Files.exists(source)) {
          putStored(zip, EvidencePackage.FILES + file, source, manifestEntries);
        } else {
          log.warn("inspection {}: file {} named on the trail is missing; exported without it", inspectionId, file);
        }
      }
      put(zip, EvidencePackage.README, readme(inspectionId), manifestEntries);
      JsonObject manifest = new JsonObject()
          .put("format", EvidencePackage.FORMAT)
          .put("inspection", inspectionId)
          .put("exportedAt", Chain.formatTime(clock.instant()))
          .put("events", events.size())
          .put("treeHead", sth.number())
          .put("publicKeyFingerprint", checkpoints.key().fingerprint())
          .put("entries", manifestEntries);
      zip.putNextEntry(new ZipEntry(EvidencePackage.MANIFEST));
      zip.write(manifest.encodePrettily().getBytes(StandardCharsets.UTF_8));
      zip.closeEntry();
    }
    return target;
  }

  /**
   * The files an event names: a recording's, snapshot's or record's file (a signature's strokes too), and a
   * snapshot's watermarked copy.
   */
  private static List<String> filesOf(Map<String, String> fields) {
    if (!Verifier.FILE_EVENTS.contains(fields.get("type"))) {
      return List.of();
    }
    try {
      JsonObject payload = new JsonObject(fields.get("payload"));
      return java.util.stream.Stream.concat(
              Verifier.fileRefs(fields.get("type"), payload).stream().map(Verifier.FileRef::file),
              java.util.stream.Stream.of(payload.getValue(SnapshotChecks.DISPLAY_FILE)))
          .filter(String.class::isInstance).map(String.class::cast).toList();
    } catch (RuntimeException notJson) {
      return List.of();
    }
  }

  private static void put(ZipOutputStream zip, String name, String text, JsonArray manifest) throws IOException {
    putStream(zip, name, new java.io.ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), manifest);
  }

  /**
   * Recordings and snapshots are compressed already: they are stored as they are (no deflate), which
   * needs their CRC before the entry starts, hence one quick pass ahead. Both passes read the one file opened once:
   * a file replaced meanwhile (a timestamp token another node shares is renamed over the old one) cannot give the
   * second pass other bytes than the first.
   */
  private static void putStored(ZipOutputStream zip, String name, Path source, JsonArray manifest)
      throws IOException {
    try (java.nio.channels.FileChannel file = java.nio.channels.FileChannel.open(source,
        java.nio.file.StandardOpenOption.READ)) {
      CRC32 crc = new CRC32();
      long size = 0;
      java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(256 * 1024);
      for (int n = file.read(buffer); n >= 0; n = file.read(buffer)) {
        crc.update(buffer.flip());
        size += n;
        buffer.clear();
      }
      ZipEntry entry = new ZipEntry(name);
      entry.setMethod(ZipEntry.STORED);
      entry.setSize(size);
      entry.setCompressedSize(size);
      entry.setCrc(crc.getValue());
      file.position(0);
      putStream(zip, entry, java.nio.channels.Channels.newInputStream(file), manifest);
    }
  }

  private static void putStream(ZipOutputStream zip, String name, InputStream in, JsonArray manifest)
      throws IOException {
    putStream(zip, new ZipEntry(name), in, manifest);
  }

  private static void putStream(ZipOutputStream zip, ZipEntry entry, InputStream in, JsonArray manifest)
      throws IOException {
    String name = entry.getName();
    zip.putNextEntry(entry);
    MessageDigest sha = Chain.sha256();
    OutputStream out = new DigestOutputStream(new NonClosing(zip), sha);
    long size = in.transferTo(out);
    zip.closeEntry();
    manifest.add(new JsonObject().put("path", name).put("size", size)
        .put("sha256", HexFormat.of().formatHex(sha.digest())));
  }

  private static String readme(String inspectionId) {
    return "Kanyan evidence package for inspection " + inspectionId + "\n\n"
        + "Verify it with the Kanyan jar (no server or network needed):\n"
        + "  java -cp kanyan.jar io.kanyan.recorder.audit.VerifyCommand this.zip --public-key published-key.pem\n\n"
        + "It checks the hash chain of trail.jsonl and its event times, the SHA-256 of every file under files/\n"
        + "(watermarked copies included), case.json against the trail, the Ed25519 signature of tree-head.txt\n"
        + "(a C2SP signed tlog-checkpoint) and, through commitments.json, every head of this trail the\n"
        + "commitment log ever committed, each with its inclusion proof to that tree head.\n"
        + "The rules are in TRAIL.md of the Kanyan sources, precise enough to write your own verifier.\n";
  }

  /** Lets a digest stream write into the zip without closing it. */
  private static final class NonClosing extends java.io.FilterOutputStream {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() {
      // the zip stays open for the next entry
    }
  }
}
