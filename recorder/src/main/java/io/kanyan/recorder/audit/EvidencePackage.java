package io.kanyan.recorder.audit;

import io.kanyan.recorder.timestamp.TimestampVerifier;
import io.kanyan.recorder.timestamp.TimestampException;
import io.kanyan.recorder.log.note.SignedNote;
import io.kanyan.recorder.keys.KeyHistory;
import io.kanyan.recorder.keys.KeyHistoryException;
import io.kanyan.recorder.keys.LogKeys;
import io.kanyan.recorder.log.LeafProof;
import io.kanyan.recorder.log.SignedTreeHead;
import io.kanyan.recorder.log.note.Ed25519NoteKey;
import io.kanyan.recorder.trail.SigningKey;
import io.kanyan.recorder.witness.WitnessPolicy;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The layout of an exported evidence package (a zip) and its reader. Reading is blocking.
 *
 * <pre>
 * manifest.json          format, inspection, export time, and every other entry's path, size and SHA-256
 * trail.jsonl            the trail, one event per line, every field as the stored string
 * tree-head.txt          the commitment log's signed tree head (a C2SP signed note)
 * commitments.json       every leaf committed for this inspection, each with its inclusion proof to it
 * public-key.pem         the log's signing key (compare its fingerprint with the published one)
 * log-key.txt            the same key as a C2SP verifier key (origin+key ID+key)
 * key-history.json       every signing key the server used, each announced by the one before
 * tree-head.tsr          the RFC 3161 timestamp of the tree head (when the server has a TSA)
 * log-check.txt          only when the exporting server found its commitment log tampered with: what
 * case.json              the inspection's facts, when known
 * files/&lt;path&gt;           each recording and snapshot, at its path relative to the data directory
 * README.txt             how to verify
 * </pre>
 */
public final class EvidencePackage {

  public static final String FORMAT = "kanyan-evidence/2";
  public static final String MANIFEST = "manifest.json";
  public static final String TRAIL = "trail.jsonl";
  public static final String TREE_HEAD = "tree-head.txt";
  public static final String COMMITMENTS = "commitments.json";
  public static final String PUBLIC_KEY = "public-key.pem";
  public static final String LOG_KEY = "log-key.txt";
  /** The published history of the server's signing keys (recorder/TRAIL.md section 9.2). */
  public static final String KEY_HISTORY = "key-history.json";
  /** The RFC 3161 token of the tree head as the log signed it (when a TSA is configured). */
  public static final String TREE_HEAD_TIMESTAMP = "tree-head.tsr";
  public static final String LOG_CHECK = "log-check.txt";
  public static final String CASE = "case.json";
  public static final String FILES = "files/";
  public static final String README = "README.txt";

  private EvidencePackage() {
  }

  /**
   * A package as read.
   *
   * @param packagedKey the public key inside the package (null when missing or unreadable)
   * @param problems    what is wrong with the package itself (manifest mismatches, malformed entries)
   * @param caseJson    the inspection's facts ({@code case.json}), null when the package has none
   */
  public record Loaded(Evidence evidence, PublicKey packagedKey, List<String> problems, JsonObject caseJson) {
  }

  /** Reads a package. The {@link ZipFile} must stay open while the evidence's files are hashed. */
  public static Loaded read(ZipFile zip) throws IOException {
    List<String> problems = new ArrayList<>();
    JsonObject manifest = json(zip, MANIFEST, problems);
    String inspectionId = manifest == null ? null : manifest.getString("inspection");
    checkManifest(zip, manifest, problems);
    List<Map<String, String>> events = readTrail(zip, problems);
    if (inspectionId == null) {
      inspectionId = events.isEmpty() ? "(unknown)" : String.valueOf(events.get(0).get("inspection"));
    }
    Optional<SignedTreeHead> treeHead = Optional.empty();
    String note = text(zip, TREE_HEAD);
    if (note == null) {
      problems.add("the package has no " + TREE_HEAD);
    } else {
      try {
        treeHead = Optional.of(SignedTreeHead.parse(note));
      } catch (IllegalArgumentException e) {
        problems.add(TREE_HEAD + " is not a signed tree head: " + e.getMessage());
      }
    }
    List<LeafProof> proofs = new ArrayList<>();
    JsonObject commitments = json(zip, COMMITMENTS, problems);
    if (commitments != null) {
      try {
        for (Object proof : commitments.getJsonArray("proofs")) {
          proofs.add(LeafProof.fromJson((JsonObject) proof));
        }
      } catch (RuntimeException e) {
        problems.add(COMMITMENTS + " is not a list of inclusion proofs: " + e.getMessage());
      }
    }
    String logCheck = text(zip, LOG_CHECK);
    if (logCheck != null) {
      logCheck.lines().filter(line -> !line.isBlank()).forEach(line -> problems.add(
          "the exporting server found its commitment log tampered with: " + line));
    }
    PublicKey key = null;
    String pem = text(zip, PUBLIC_KEY);
    if (pem == null) {
      problems.add("the package has no " + PUBLIC_KEY);
    } else {
      try {
        key = SigningKey.parsePublicKeyPem(pem);
      } catch (IllegalArgumentException e) {
        problems.add(PUBLIC_KEY + " is not an Ed25519 public key");
      }
    }
    Evidence.Files files = new Evidence.Files() {
      @Override
      public String sha256(String path) throws IOException {
        ZipEntry entry = zip.getEntry(FILES + path);
        if (entry == null || path.contains("..")) {
          return null;
        }
        try (InputStream in = zip.getInputStream(entry)) {
          return Verifier.sha256(in);
        }
      }

      @Override
      public byte[] read(String path) throws IOException {
        ZipEntry entry = zip.getEntry(FILES + path);
        if (entry == null || path.contains("..")) {
          return null;
        }
        try (InputStream in = zip.getInputStream(entry)) {
          return in.readAllBytes();
        }
      }
    };
    JsonObject caseJson = zip.getEntry(CASE) == null ? null : json(zip, CASE, problems);
    return new Loaded(new Evidence(inspectionId, events, treeHead, proofs, files), key, problems, caseJson);
  }

  private static void checkManifest(ZipFile zip, JsonObject manifest, List<String> problems) throws IOException {
    if (manifest == null) {
      return;
    }
    if (!FORMAT.equals(manifest.getString("format"))) {
      problems.add(MANIFEST + " names an unknown format " + manifest.getValue("format"));
    }
    Map<String, String> listed = new HashMap<>();
    JsonArray entries = manifest.getJsonArray("entries", new JsonArray());
    for (Object item : entries) {
      if (item instanceof JsonObject e && e.getValue("path") instanceof String p && e.getValue("sha256") instanceof String h) {
        listed.put(p, h);
      } else {
        problems.add(MANIFEST + " has a malformed entry");
      }
    }
    for (ZipEntry entry : Collections.list(zip.entries())) {
      if (entry.isDirectory() || entry.getName().equals(MANIFEST)) {
        continue;
      }
      String expected = listed.remove(entry.getName());
      if (expected == null) {
        problems.add(entry.getName() + " is in the package but not in its manifest");
        continue;
      }
      try (InputStream in = zip.getInputStream(entry)) {
        if (!Verifier.sha256(in).equals(expected)) {
          problems.add(entry.getName() + " does not match its SHA-256 in the manifest: it was altered");
        }
      }
    }
    listed.keySet().forEach(missing -> problems.add(missing + " is in the manifest but missing from the package"));
  }

  private static List<Map<String, String>> readTrail(ZipFile zip, List<String> problems) throws IOException {
    List<Map<String, String>> events = new ArrayList<>();
    String text = text(zip, TRAIL);
    if (text == null) {
      problems.add("the package has no " + TRAIL);
      return events;
    }
    int lineNo = 0;
    for (String line : text.split("\n")) {
      lineNo++;
      if (line.isBlank()) {
        continue;
      }
      Map<String, String> fields = new LinkedHashMap<>();
      try {
        new JsonObject(line).forEach(field -> fields.put(field.getKey(), (String) field.getValue()));
      } catch (RuntimeException e) {
        problems.add(TRAIL + " line " + lineNo + " is not an event (a JSON object of strings)");
      }
      events.add(fields);
    }
    return events;
  }

  private static JsonObject json(ZipFile zip, String name, List<String> problems) throws IOException {
    String text = text(zip, name);
    if (text == null) {
      problems.add("the package has no " + name);
      return null;
    }
    try {
      return new JsonObject(text);
    } catch (RuntimeException e) {
      problems.add(name + " is not valid JSON");
      return null;
    }
  }

  private static String text(ZipFile zip, String name) throws IOException {
    ZipEntry entry = zip.getEntry(name);
    if (entry == null) {
      return null;
    }
    try (InputStream in = zip.getInputStream(entry)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /**
   * Opens and verifies a package file. Blocking. The trusted key is checked under the package tree head's
   * origin as its key name (the origin is signed, so a forger cannot change it).
   *
   * @param trustedKey the published key, or null to check against the key inside the package (reported)
   */
  /**
   * The package's key history, verified; empty when the package has none (made before key histories).
   *
   * @throws RuntimeException ({@link KeyHistoryException} or a JSON error) when it is there but does not hold
   */
  private static Optional<List<KeyHistory.Entry>> keyHistory(ZipFile zip) throws IOException {
    String json = text(zip, KEY_HISTORY);
    if (json == null) {
      return Optional.empty();
    }
    List<KeyHistory.Entry> entries = KeyHistory.fromJson(new JsonObject(json)).verify(Optional.empty());
    return entries.isEmpty() ? Optional.empty() : Optional.of(entries);
  }

  /** The keys a package is checked against, where they came from, and what the report says about them. */
  private record Trust(LogKeys keys, String source, List<String> passed, List<String> problems, List<String> notes) {
  }

  /**
   * Decides which keys to trust: the package's key history when the trusted key (if given) is in it, each key
   * for its era; otherwise the one trusted or packaged key.
   */
  private static Trust trust(ZipFile zip, Loaded loaded, PublicKey trustedKey) throws IOException {
    String origin = loaded.evidence().treeHead().map(sth -> sth.checkpoint().origin()).orElse("kanyan");
    PublicKey packaged = loaded.packagedKey();
    List<String> passed = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    Optional<List<KeyHistory.Entry>> history;
    try {
      history = keyHistory(zip);
    } catch (RuntimeException broken) {
      problems.add("the key history is broken: " + broken.getMessage());
      history = Optional.empty();
    }
    if (history.isPresent()) {
      LogKeys keys = LogKeys.of(history.get());
      if (packaged != null && keys.find(packaged).isEmpty()) {
        problems.add(PUBLIC_KEY + " in the package is not a key of its key history: it was replaced");
      }
      if (trustedKey == null) {
        notes.add("checked against the key history inside the package (first key "
            + keys.eras().get(0).key().verifierKey() + "): compare it with the key the server publishes, or pass"
            + " --public-key");
        return new Trust(keys, "the key history inside the package", passed, problems, notes);
      }
      Optional<LogKeys.Era> pinned = keys.find(trustedKey);
      if (pinned.isPresent()) {
        if (pinned.get().number() < keys.current().number()) {
          passed.add("the package's signing key " + keys.current().key().verifierKey() + " was announced by the "
              + "trusted key through the key history (entries " + pinned.get().number() + ".." + keys.eras().size()
              + ", each signed by the key before it)");
        }
        return new Trust(keys, "the trusted key given and its key history", passed, problems, notes);
      }
      problems.add(PUBLIC_KEY + " in the package is not the trusted key: it was replaced (the key history does not "
          + "lead from the trusted key to the package's key)");
      return new Trust(LogKeys.single(Ed25519NoteKey.verifier(origin, trustedKey)), "the trusted key given", passed,
          problems, notes);
    }
    PublicKey key = trustedKey != null ? trustedKey : packaged;
    if (trustedKey != null && packaged != null && !trustedKey.equals(packaged)) {
      problems.add(PUBLIC_KEY + " in the package is not the trusted key: it was replaced");
    }
    if (trustedKey == null && packaged != null) {
      notes.add("checked against the key inside the package (fingerprint " + SigningKey.fingerprint(packaged)
          + "): compare it with the key the server publishes, or pass --public-key");
    }
    return new Trust(LogKeys.single(Ed25519NoteKey.verifier(origin, key != null ? key : SigningKey.generate().publicKey())),
        key == null ? "no usable key" : trustedKey != null ? "the trusted key given" : "the key inside the package",
        passed, problems, notes);
  }

  /** The tree head as the log signed it (its own signature line only) is what the TSA stamped. */
  private static void checkTimestamp(ZipFile zip, Optional<SignedTreeHead> treeHead, TimestampVerifier tsa,
      Verdict verdict) throws IOException {
    ZipEntry entry = zip.getEntry(TREE_HEAD_TIMESTAMP);
    if (entry == null || treeHead.isEmpty()) {
      verdict.problems().add(TREE_HEAD_TIMESTAMP + " is missing: the tree head has no RFC 3161 timestamp");
      return;
    }
    SignedNote note = treeHead.get().note();
    String origin = treeHead.get().checkpoint().origin();
    byte[] stamped = new SignedNote(note.text(), note.signatures().stream()
        .filter(sig -> sig.keyName().equals(origin)).toList()).format().getBytes(StandardCharsets.UTF_8);
    try (InputStream in = zip.getInputStream(entry)) {
      TimestampVerifier.Stamp stamp = tsa.verify(in.readAllBytes(), stamped);
      verdict.passed().add("the tree head was stamped at " + stamp.time() + " by " + stamp.tsa()
          + " (RFC 3161, serial " + stamp.serial() + ")");
    } catch (TimestampException e) {
      verdict.problems().add(TREE_HEAD_TIMESTAMP + " does not hold: " + e.getMessage());
    }
  }

  public static Verdict verify(Path zipFile, PublicKey trustedKey) throws IOException {
    return verify(zipFile, trustedKey, WitnessPolicy.none());
  }

  /** The same, requiring the package's tree head to be cosigned by k of the given witnesses. Blocking. */
  public static Verdict verify(Path zipFile, PublicKey trustedKey, WitnessPolicy witnesses) throws IOException {
    return verify(zipFile, trustedKey, witnesses, null);
  }

  /**
   * The same, also requiring, when {@code tsa} is given, an RFC 3161 timestamp of the tree head that verifies
   * under those trust anchors. Blocking.
   */
  public static Verdict verify(Path zipFile, PublicKey trustedKey, WitnessPolicy witnesses, TimestampVerifier tsa)
      throws IOException {
    try (ZipFile zip = new ZipFile(zipFile.toFile())) {
      Loaded loaded = read(zip);
      Trust trust = trust(zip, loaded, trustedKey);
      Verdict verdict = Verifier.check(loaded.evidence(), trust.keys(), trust.source(), true);
      CaseBinding.verifyPackaged(loaded.caseJson(), loaded.evidence().events(), verdict);
      verdict.problems().addAll(0, loaded.problems());
      Verifier.checkWitnesses(loaded.evidence().treeHead().map(SignedTreeHead::note), witnesses, verdict);
      if (tsa != null) {
        checkTimestamp(zip, loaded.evidence().treeHead(), tsa, verdict);
      }
      verdict.passed().addAll(trust.passed());
      verdict.problems().addAll(trust.problems());
      verdict.notes().addAll(trust.notes());
      return verdict;
    }
  }
}
