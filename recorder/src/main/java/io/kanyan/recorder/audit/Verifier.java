package io.kanyan.recorder.audit;

import io.kanyan.recorder.trail.Chain;
import io.kanyan.recorder.trail.Checkpoint;
import io.kanyan.recorder.trail.Checkpoints;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.InclusionProof;
import io.kanyan.recorder.trail.SigningKey;
import io.kanyan.recorder.trail.Trail;
import io.lettuce.core.StreamMessage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Verifies an inspection: its hash chain, the SHA-256 of every file its trail names, the signature of the
 * checkpoint, and the inclusion of the chain head in that checkpoint. Online ({@link #verify(String)}: the
 * trail from Redis, files from the data directory, the checkpoint from the log file outside Redis) and
 * offline ({@link #check}, used by {@link VerifyCommand} on an exported package). Never writes anything.
 */
public final class Verifier {

  /** Payload field of {@code snapshot.taken} and {@code recording.finalised}: lowercase hex SHA-256. */
  public static final String PAYLOAD_SHA256 = "sha256";
  /** Payload field of the same events: the file's path relative to the data directory. */
  public static final String PAYLOAD_FILE = "file";
  /** Payload field of the same events when the file could not be made: why (then no hash is expected). */
  public static final String PAYLOAD_ERROR = "error";
  /** The event types whose payload names a file by {@link #PAYLOAD_FILE} and {@link #PAYLOAD_SHA256}. */
  public static final Set<String> FILE_EVENTS =
      Set.of(EventType.SNAPSHOT_TAKEN.code(), EventType.RECORDING_FINALISED.code());

  private final Vertx vertx;
  private final Trail trail;
  private final Checkpoints checkpoints;
  private final Path dataDir;
  private final CaseBinding caseBinding;

  /** A verifier of trails and files only (no case records to bind). */
  public Verifier(Vertx vertx, Trail trail, Checkpoints checkpoints, Path dataDir) {
    this(vertx, trail, checkpoints, dataDir, null);
  }

  /** A verifier that also checks each inspection's case record against its trail ({@link CaseBinding}). */
  public Verifier(Vertx vertx, Trail trail, Checkpoints checkpoints, Path dataDir, CaseBinding caseBinding) {
    this.vertx = vertx;
    this.trail = trail;
    this.checkpoints = checkpoints;
    this.dataDir = dataDir;
    this.caseBinding = caseBinding;
  }

  /**
   * Verifies an inspection as stored now. The checkpoint is the last line of the checkpoint log (outside
   * Redis) and the trusted key is this server's signing key; the copy in Redis must equal the log's.
   */
  public Future<Verdict> verify(String inspectionId) {
    Future<List<StreamMessage<String, String>>> raw = trail.readRaw(inspectionId);
    Future<Optional<Checkpoint>> logged = checkpoints.readLatestFromLog();
    Future<Optional<Checkpoint>> inRedis = checkpoints.readLatestFromRedis()
        .otherwise(err -> Optional.empty());
    return Future.all(raw, logged, inRedis).compose(all -> {
      Optional<Checkpoint> cp = logged.result();
      Future<Optional<InclusionProof>> proof = cp.isPresent()
          ? checkpoints.prove(cp.get(), inspectionId) : Future.succeededFuture(Optional.empty());
      return proof.compose(p -> vertx.executeBlocking(() -> {
        List<Map<String, String>> events = new ArrayList<>();
        raw.result().forEach(entry -> events.add(entry.getBody()));
        Evidence evidence = new Evidence(inspectionId, events, cp, p, dataDirFiles(dataDir));
        Verdict verdict = check(evidence, checkpoints.key().publicKey(), "this server's signing key", false);
        if (!cp.equals(inRedis.result())) {
          verdict.problems().add("the latest checkpoint in Redis differs from the checkpoint log outside Redis: "
              + "Redis was rewritten or restored without its checkpoint log");
        }
        return verdict;
      }, false));
    }).compose(verdict -> caseBinding == null ? Future.succeededFuture(verdict)
        : caseBinding.verify(inspectionId, verdict));
  }

  /** Files under a data directory. */
  public static Evidence.Files dataDirFiles(Path dataDir) {
    return path -> {
      try (InputStream in = Files.newInputStream(resolveInside(dataDir, path))) {
        return sha256(in);
      } catch (NoSuchFileException e) {
        return null;
      }
    };
  }

  /** Resolves a trail file path, refusing anything that would leave the directory. */
  static Path resolveInside(Path dir, String relative) throws IOException {
    Path resolved = dir.resolve(relative).normalize();
    if (relative.isEmpty() || Path.of(relative).isAbsolute() || !resolved.startsWith(dir.normalize())) {
      throw new IOException("the file path '" + relative + "' leaves the data directory");
    }
    return resolved;
  }

  /** Lowercase hex SHA-256 of a stream, read to its end. */
  public static String sha256(InputStream in) throws IOException {
    MessageDigest sha = Chain.sha256();
    byte[] buffer = new byte[64 * 1024];
    for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
      sha.update(buffer, 0, n);
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  /**
   * Checks evidence against a trusted public key. Blocking (hashes files).
   *
   * @param keySource        words naming where the trusted key came from, for the report
   * @param requireCheckpoint true for exported packages: a package without a checkpoint proves nothing
   */
  public static Verdict check(Evidence evidence, PublicKey trustedKey, String keySource, boolean requireCheckpoint) {
    Verdict verdict = new Verdict(evidence.inspectionId(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    List<Map<String, String>> events = evidence.events();
    String chainBreak = Chain.firstBreakOfFields(evidence.inspectionId(), events);
    if (chainBreak != null) {
      verdict.problems().add("the hash chain is broken: " + chainBreak);
    } else {
      verdict.passed().add("trail: " + events.size() + " events, hash chain intact");
    }
    checkFiles(evidence, verdict);
    SnapshotChecks.check(evidence, verdict);
    EventTimes.check(events, commitments(evidence), verdict);
    if (evidence.checkpoint().isEmpty()) {
      if (requireCheckpoint) {
        verdict.problems().add("there is no checkpoint: nothing anchors this trail");
      } else {
        verdict.notes().add("no checkpoint has been made yet: the trail is not anchored");
      }
      return verdict;
    }
    Checkpoint cp = evidence.checkpoint().get();
    if (!cp.signedBy(trustedKey)) {
      verdict.problems().add("checkpoint #" + cp.number() + " is not signed by " + keySource + " (fingerprint "
          + SigningKey.fingerprint(trustedKey) + "): it was replaced or altered");
      return verdict;
    }
    verdict.passed().add("checkpoint #" + cp.number() + " of " + cp.time() + " (" + cp.treeSize()
        + " chain heads): signature valid, key " + SigningKey.fingerprint(trustedKey) + " (" + keySource + ")");
    checkInclusion(evidence, cp, verdict);
    return verdict;
  }

  /** The commitment the evidence claims for its chain, for the time check (its proof is checked below). */
  private static List<EventTimes.Commitment> commitments(Evidence evidence) {
    if (evidence.checkpoint().isEmpty() || evidence.proof().isEmpty()) {
      return List.of();
    }
    Checkpoint cp = evidence.checkpoint().get();
    return List.of(new EventTimes.Commitment(evidence.proof().get().seq(), cp.time(), "checkpoint #" + cp.number()));
  }

  private static void checkInclusion(Evidence evidence, Checkpoint cp, Verdict verdict) {
    List<Map<String, String>> events = evidence.events();
    if (evidence.proof().isEmpty()) {
      verdict.notes().add("the inspection is newer than checkpoint #" + cp.number()
          + ": its events are not committed yet");
      return;
    }
    InclusionProof proof = evidence.proof().get();
    if (!proof.inspectionId().equals(evidence.inspectionId()) || !proof.verifies(cp)) {
      verdict.problems().add("the inclusion proof does not lead to the root of checkpoint #" + cp.number()
          + ": the committed head of this inspection was altered");
      return;
    }
    if (proof.seq() > events.size()) {
      verdict.problems().add("checkpoint #" + cp.number() + " committed " + proof.seq() + " events but the trail has "
          + events.size() + ": events were removed");
      return;
    }
    String atSeq = proof.seq() < 1 ? null : events.get((int) proof.seq() - 1).get("hash");
    if (!proof.head().equals(atSeq)) {
      verdict.problems().add("event #" + proof.seq() + " is not the one checkpoint #" + cp.number()
          + " committed: the trail was rewritten");
      return;
    }
    verdict.passed().add("inclusion: events #1.." + proof.seq() + " are committed by checkpoint #" + cp.number()
        + " (leaf " + proof.leafIndex() + " of " + proof.treeSize() + ")");
    if (events.size() > proof.seq()) {
      verdict.notes().add("events #" + (proof.seq() + 1) + ".." + events.size() + " are newer than checkpoint #"
          + cp.number() + " and not committed yet");
    }
  }

  private static void checkFiles(Evidence evidence, Verdict verdict) {
    int checked = 0;
    for (Map<String, String> event : evidence.events()) {
      if (!FILE_EVENTS.contains(event.get("type"))) {
        continue;
      }
      String label = "event #" + event.get("seq") + " (" + event.get("type") + ")";
      JsonObject payload;
      try {
        payload = new JsonObject(event.get("payload"));
      } catch (RuntimeException e) {
        verdict.problems().add(label + " has a payload that is not JSON");
        continue;
      }
      String file = payload.getValue(PAYLOAD_FILE) instanceof String f ? f : null;
      String expected = payload.getValue(PAYLOAD_SHA256) instanceof String h ? h : null;
      if (expected == null && payload.getValue(PAYLOAD_ERROR) instanceof String error) {
        // The trail itself says this file could not be finalised: there is nothing to check, and the
        // chain vouches that the note is original.
        verdict.notes().add(label + " records that its file could not be finalised: " + error);
        continue;
      }
      if (file == null || expected == null) {
        verdict.problems().add(label + " names no '" + PAYLOAD_FILE + "' and '" + PAYLOAD_SHA256 + "'");
        continue;
      }
      try {
        String actual = evidence.files().sha256(file);
        if (actual == null) {
          verdict.problems().add("the file " + file + " of " + label + " is missing");
        } else if (!actual.equalsIgnoreCase(expected)) {
          verdict.problems().add("the file " + file + " of " + label + " was altered: its SHA-256 is " + actual
              + " but the trail recorded " + expected);
        } else {
          checked++;
        }
      } catch (IOException | UncheckedIOException e) {
        verdict.problems().add("the file " + file + " of " + label + " cannot be read: " + e.getMessage());
      }
    }
    if (checked > 0) {
      verdict.passed().add("files: " + checked + " recording(s) and snapshot(s) match the hashes on the trail");
    }
  }
}
