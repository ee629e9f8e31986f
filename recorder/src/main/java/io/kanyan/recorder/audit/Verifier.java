package io.kanyan.recorder.audit;

import io.kanyan.recorder.keys.LogKeys;
import io.kanyan.recorder.log.CommitLog;
import io.kanyan.recorder.log.note.Ed25519NoteKey;
import io.kanyan.recorder.log.LeafProof;
import io.kanyan.recorder.log.SignedTreeHead;
import io.kanyan.recorder.log.note.SignedNote;
import io.kanyan.recorder.witness.Attestations;
import io.kanyan.recorder.witness.WitnessPolicy;
import io.kanyan.recorder.report.PdfSignatureCheck;
import io.kanyan.recorder.trail.Chain;
import io.kanyan.recorder.trail.Checkpoints;
import io.kanyan.recorder.trail.EventType;
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
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.Map;
import java.util.Set;

/**
 * Verifies an inspection: its hash chain, the SHA-256 of every file its trail names, the signature of the
 * commitment log's latest tree head, and every head the log ever committed for it, each through its
 * inclusion proof. Online ({@link #verify(String)}: the trail from Redis, files from the data directory, the
 * commitment log outside Redis, which is itself checked) and offline ({@link #check}, used by
 * {@link VerifyCommand} on an exported package). Never writes anything.
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
      Set.of(EventType.SNAPSHOT_TAKEN.code(), EventType.RECORDING_FINALISED.code(), EventType.RECORD_RENDERED.code(),
          EventType.RECORD_SIGNED.code(), EventType.RECORD_FINALISED.code());
  /** The second file of {@code record.signed}: the signature's strokes, with their own hash. */
  public static final String PAYLOAD_STROKES_FILE = "strokesFile";
  public static final String PAYLOAD_STROKES_SHA256 = "strokesSha256";

  /** A file an event names and the hash the trail recorded for it (either may be null when malformed). */
  public record FileRef(String file, String sha256) {
  }

  /** The files an event of {@link #FILE_EVENTS} names: its file, and for {@code record.signed} its strokes too. */
  public static List<FileRef> fileRefs(String type, JsonObject payload) {
    List<FileRef> refs = new ArrayList<>();
    refs.add(new FileRef(payload.getValue(PAYLOAD_FILE) instanceof String f ? f : null,
        payload.getValue(PAYLOAD_SHA256) instanceof String h ? h : null));
    if (EventType.RECORD_SIGNED.code().equals(type)) {
      refs.add(new FileRef(payload.getValue(PAYLOAD_STROKES_FILE) instanceof String f ? f : null,
          payload.getValue(PAYLOAD_STROKES_SHA256) instanceof String h ? h : null));
    }
    return refs;
  }

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
   * Verifies an inspection as stored now, against every leaf the commitment log ever committed for it and
   * the log's latest signed tree head, with this server's key. The log itself is checked too (edited,
   * truncated or forked lines, Redis's copy); anything wrong there is a failure of every verification.
   */
  public Future<Verdict> verify(String inspectionId) {
    Future<List<StreamMessage<String, String>>> raw = trail.readRaw(inspectionId);
    Future<CommitLog.Proven> proven = checkpoints.prove(inspectionId);
    Future<List<String>> logProblems = checkpoints.logProblems();
    // A tree head made a moment ago may still be with the witnesses: wait briefly for their answer.
    Future<?> cosigned = checkpoints.attestations().lastCosigning().timeout(5, TimeUnit.SECONDS).otherwiseEmpty();
    return Future.all(raw, proven, logProblems, cosigned).compose(all -> vertx.executeBlocking(() -> {
      List<Map<String, String>> events = new ArrayList<>();
      raw.result().forEach(entry -> events.add(entry.getBody()));
      Evidence evidence = new Evidence(inspectionId, events, proven.result().head(), proven.result().proofs(),
          dataDirFiles(dataDir));
      Verdict verdict = check(evidence, checkpoints.keys(), "this server's key history", false);
      logProblems.result().forEach(p -> verdict.problems().add("the commitment log: " + p));
      Attestations attestations = checkpoints.attestations();
      checkWitnesses(evidence.treeHead().map(sth -> attestations.cosigned(sth.treeSize())
          .filter(note -> note.text().equals(sth.note().text())).orElse(sth.note())), attestations.policy(), verdict);
      return verdict;
    }, false)).compose(verdict -> caseBinding == null ? Future.succeededFuture(verdict)
        : caseBinding.verify(inspectionId, verdict));
  }

  /**
   * Requires the tree head to be cosigned by k of the n configured witnesses (nothing when none is required).
   */
  public static void checkWitnesses(Optional<SignedNote> treeHead, WitnessPolicy policy, Verdict verdict) {
    if (policy.quorum() == 0 || treeHead.isEmpty()) {
      return;
    }
    WitnessPolicy.Check check = policy.check(treeHead.get());
    if (check.ok()) {
      verdict.passed().add("the tree head is cosigned by " + check.cosignedBy().size() + " of the required "
          + check.quorum() + " witnesses (" + String.join(", ", check.cosignedBy()) + ")");
    } else {
      verdict.problems().add("the tree head is not witnessed: " + check.failure()
          + "; a log the witnesses did not see grow (rewritten, forked or shown only to you) cannot be trusted");
    }
  }

  /** Files under a data directory. */
  public static Evidence.Files dataDirFiles(Path dataDir) {
    return new Evidence.Files() {
      @Override
      public String sha256(String path) throws IOException {
        try (InputStream in = Files.newInputStream(resolveInside(dataDir, path))) {
          return Verifier.sha256(in);
        } catch (NoSuchFileException e) {
          return null;
        }
      }

      @Override
      public byte[] read(String path) throws IOException {
        try {
          return Files.readAllBytes(resolveInside(dataDir, path));
        } catch (NoSuchFileException e) {
          return null;
        }
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
   * Checks evidence against a trusted log key. Blocking (hashes files).
   *
   * @param keySource         words naming where the trusted key came from, for the report
   * @param requireCommitment true for exported packages: every event must be committed (an export commits
   *                          first), so a package without a tree head or proofs proves nothing and fails
   */
  public static Verdict check(Evidence evidence, Ed25519NoteKey trustedKey, String keySource,
      boolean requireCommitment) {
    return check(evidence, LogKeys.single(trustedKey), keySource, requireCommitment);
  }

  /**
   * Checks evidence against the log's keys: its tree head must be signed by a key of the (verified) key
   * history, made while that key was in use. Blocking (hashes files).
   */
  public static Verdict check(Evidence evidence, LogKeys trustedKeys, String keySource, boolean requireCommitment) {
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
    if (evidence.treeHead().isEmpty()) {
      if (requireCommitment || !evidence.commitments().isEmpty()) {
        verdict.problems().add("there is no signed tree head: nothing anchors this trail");
      } else {
        verdict.notes().add("no checkpoint has been made yet: the trail is not anchored");
      }
      return verdict;
    }
    SignedTreeHead sth = evidence.treeHead().get();
    LogKeys.Match signer = trustedKeys.check(sth.note(), sth.time(), 0, "tree head #" + sth.number());
    if (!signer.ok()) {
      verdict.problems().add(signer.problem() + ", checked against " + keySource + " (origin "
          + trustedKeys.origin() + "): it was replaced or altered");
      return verdict;
    }
    LogKeys.Era era = signer.era().orElseThrow();
    verdict.passed().add("tree head #" + sth.number() + " of " + sth.time() + " (" + sth.treeSize()
        + " leaves): signature valid, " + (trustedKeys.eras().size() == 1 ? "key " + trustedKeys.origin()
        : era.describe() + " of " + trustedKeys.origin() + ", in use at that time") + " (" + keySource + ")");
    checkCommitments(evidence, sth, verdict, requireCommitment);
    return verdict;
  }

  /**
   * The commitments the evidence claims for its chain, for the time check: one per committed leaf of this
   * inspection, each dated by the tree head that includes it (their proofs are checked below).
   */
  private static List<EventTimes.Commitment> commitments(Evidence evidence) {
    if (evidence.treeHead().isEmpty()) {
      return List.of();
    }
    SignedTreeHead sth = evidence.treeHead().get();
    return evidence.commitments().stream()
        .filter(p -> p.leaf().inspection().equals(evidence.inspectionId()))
        .map(p -> new EventTimes.Commitment(p.leaf().seq(), sth.time(), "tree head #" + sth.number()))
        .toList();
  }

  private static void checkCommitments(Evidence evidence, SignedTreeHead sth, Verdict verdict,
      boolean requireCommitment) {
    List<Map<String, String>> events = evidence.events();
    List<LeafProof> proofs = evidence.commitments();
    if (proofs.isEmpty()) {
      if (requireCommitment) {
        verdict.problems().add("no commitment of this inspection is in the package: its inclusion proofs were "
            + "removed, so nothing ties these " + events.size() + " events to tree head #" + sth.number());
      } else if (!events.isEmpty()) {
        verdict.notes().add("the inspection is newer than tree head #" + sth.number()
            + ": its events are not committed yet");
      }
      return;
    }
    long committedUpTo = 0;
    int ok = 0;
    for (LeafProof proof : proofs) {
      long seq = proof.leaf().seq();
      String label = "the commitment of event #" + seq + " (leaf " + proof.index() + ")";
      if (!proof.leaf().inspection().equals(evidence.inspectionId())) {
        verdict.problems().add(label + " belongs to inspection " + proof.leaf().inspection());
        continue;
      }
      if (!proof.verifies(sth)) {
        verdict.problems().add("the inclusion proof of " + label + " does not lead to the root of tree head #"
            + sth.number() + ": the committed head of this inspection was altered");
        continue;
      }
      committedUpTo = Math.max(committedUpTo, seq);
      if (seq > events.size() || seq < 1) {
        verdict.problems().add("tree head #" + sth.number() + " committed event #" + seq + " but the trail has "
            + events.size() + " events: events were removed");
        continue;
      }
      if (!proof.leaf().head().equals(events.get((int) seq - 1).get("hash"))) {
        verdict.problems().add("event #" + seq + " is not the one the log committed (leaf " + proof.index()
            + "): the trail was rewritten");
        continue;
      }
      ok++;
    }
    if (ok == proofs.size()) {
      verdict.passed().add("inclusion: events #1.." + committedUpTo + " are committed by " + proofs.size()
          + " leaf/leaves, all included in tree head #" + sth.number());
    }
    if (events.size() > committedUpTo) {
      String range = "events #" + (committedUpTo + 1) + ".." + events.size();
      if (requireCommitment) {
        verdict.problems().add(range + " are not committed by any leaf in the package: they were added");
      } else {
        verdict.notes().add(range + " are newer than tree head #" + sth.number() + " and not committed yet");
      }
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
      if (payload.getValue(PAYLOAD_SHA256) == null && payload.getValue(PAYLOAD_ERROR) instanceof String error) {
        // The trail itself says this file could not be finalised: there is nothing to check, and the
        // chain vouches that the note is original.
        verdict.notes().add(label + " records that its file could not be finalised: " + error);
        continue;
      }
      for (FileRef ref : fileRefs(event.get("type"), payload)) {
        boolean intact = checkFile(evidence, verdict, label, ref.file(), ref.sha256());
        checked += intact ? 1 : 0;
        if (intact && EventType.RECORD_FINALISED.code().equals(event.get("type"))) {
          checkPdfSignature(evidence, verdict, label, ref.file());
        }
      }
    }
    if (checked > 0) {
      verdict.passed().add("files: " + checked + " recording(s), snapshot(s) and record file(s) match the hashes"
          + " on the trail");
    }
  }

  /** The finalised record's own PDF digital signature, as a PDF reader would check it. */
  private static void checkPdfSignature(Evidence evidence, Verdict verdict, String label, String file) {
    try {
      byte[] pdf = evidence.files().read(file);
      String signer = PdfSignatureCheck.check(pdf);
      verdict.passed().add("record " + file + ": PDF digital signature valid (" + signer + ")");
    } catch (IOException | UncheckedIOException e) {
      verdict.problems().add("the record " + file + " of " + label + ": " + e.getMessage());
    }
  }

  private static boolean checkFile(Evidence evidence, Verdict verdict, String label, String file, String expected) {
    if (file == null || expected == null) {
      verdict.problems().add(label + " names no '" + PAYLOAD_FILE + "' and '" + PAYLOAD_SHA256 + "'");
      return false;
    }
    try {
      String actual = evidence.files().sha256(file);
      if (actual == null) {
        verdict.problems().add("the file " + file + " of " + label + " is missing");
      } else if (!actual.equalsIgnoreCase(expected)) {
        verdict.problems().add("the file " + file + " of " + label + " was altered: its SHA-256 is " + actual
            + " but the trail recorded " + expected);
      } else {
        return true;
      }
    } catch (IOException | UncheckedIOException e) {
      verdict.problems().add("the file " + file + " of " + label + " cannot be read: " + e.getMessage());
    }
    return false;
  }
}
