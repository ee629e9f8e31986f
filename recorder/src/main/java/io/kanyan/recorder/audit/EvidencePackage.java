package io.kanyan.recorder.audit;

import io.kanyan.recorder.log.LeafProof;
import io.kanyan.recorder.log.SignedTreeHead;
import io.kanyan.recorder.log.note.Ed25519NoteKey;
import io.kanyan.recorder.log.note.NoteVerifier;
import io.kanyan.recorder.trail.SigningKey;
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
   */
  public record Loaded(Evidence evidence, PublicKey packagedKey, List<String> problems) {
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
    return new Loaded(new Evidence(inspectionId, events, treeHead, proofs, files), key, problems);
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
  public static Verdict verify(Path zipFile, PublicKey trustedKey) throws IOException {
    try (ZipFile zip = new ZipFile(zipFile.toFile())) {
      Loaded loaded = read(zip);
      PublicKey key = trustedKey != null ? trustedKey : loaded.packagedKey();
      String keySource = trustedKey != null ? "the trusted key given" : "the key inside the package";
      String origin = loaded.evidence().treeHead().map(sth -> sth.checkpoint().origin()).orElse("kanyan");
      NoteVerifier verifier = Ed25519NoteKey.verifier(origin,
          key != null ? key : SigningKey.generate().publicKey());
      Verdict verdict = Verifier.check(loaded.evidence(), verifier, key == null ? "no usable key" : keySource, true);
      verdict.problems().addAll(0, loaded.problems());
      if (trustedKey != null && loaded.packagedKey() != null && !trustedKey.equals(loaded.packagedKey())) {
        verdict.problems().add(PUBLIC_KEY + " in the package is not the trusted key: it was replaced");
      }
      if (trustedKey == null && loaded.packagedKey() != null) {
        verdict.notes().add("checked against the key inside the package (fingerprint "
            + SigningKey.fingerprint(loaded.packagedKey()) + "): compare it with the key the server publishes,"
            + " or pass --public-key");
      }
      return verdict;
    }
  }
}
