package io.kanyan.recorder.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.log.SignedTreeHead;
import io.kanyan.recorder.log.note.Ed25519NoteKey;
import io.kanyan.recorder.trail.Checkpoints;
import io.kanyan.recorder.trail.SigningKey;
import io.kanyan.recorder.trail.Trail;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Randomised tampering, each mutation checked by the online verifier (Redis and files mutated, then
 * restored) and by the offline verifier (a package rebuilt with a consistent manifest, as a careful forger
 * would).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class TamperTest {

  enum Kind { FLIP_EVENT_BYTE, DELETE_EVENT, REORDER_EVENTS, TRUNCATE_TAIL, ALTER_SNAPSHOT, ALTER_RECORDING,
    FOREIGN_CHECKPOINT }

  static final int MUTATIONS = 1_050;
  static final java.util.Set<Kind> EVENT_KINDS =
      java.util.EnumSet.of(Kind.FLIP_EVENT_BYTE, Kind.DELETE_EVENT, Kind.REORDER_EVENTS, Kind.TRUNCATE_TAIL);
  static final List<String> FIELDS = List.of("id", "inspection", "seq", "type", "actor", "time", "payload", "prev", "hash");

  @TempDir
  static Path dataDir;
  static EvidenceFixture fixture;
  static List<StreamMessage<String, String>> storedEvents;
  static Map<String, byte[]> entries;
  static PublicKey trustedKey;
  /** True while the stream in Redis holds a mutated copy (restored lazily, before anything else runs). */
  static boolean streamMutated;
  static SigningKey foreignKey = SigningKey.generate();

  @BeforeAll
  static void build(Vertx vertx) throws IOException {
    fixture = new EvidenceFixture(vertx, dataDir);
    storedEvents = fixture.trail.readRaw(EvidenceFixture.INSPECTION).await();
    entries = fixture.packageEntries();
    trustedKey = fixture.checkpoints.key().publicKey();
  }

  @AfterAll
  static void close() {
    fixture.close();
  }

  @Test
  void untouchedInspectionVerifiesOnlineAndOffline() throws Exception {
    Verdict online = fixture.verifier.verify(EvidenceFixture.INSPECTION).await();
    assertThat(online.problems()).isEmpty();
    assertThat(online.passed()).hasSize(4);
    Verdict offline = EvidencePackage.verify(fixture.zip, trustedKey);
    assertThat(offline.problems()).isEmpty();
    assertThat(offline.passed()).hasSize(4);
    assertThat(entries).containsKeys(EvidencePackage.MANIFEST, EvidencePackage.TRAIL, EvidencePackage.TREE_HEAD,
        EvidencePackage.COMMITMENTS, EvidencePackage.PUBLIC_KEY, EvidencePackage.LOG_KEY, "files/" + EvidenceFixture.SNAPSHOT_1,
        "files/" + EvidenceFixture.SNAPSHOT_2, "files/" + EvidenceFixture.RECORDING);
  }

  @Test
  void verifyCommandExitsZeroWhenIntactAndOneWithASentenceWhenTampered(@TempDir Path dir) throws Exception {
    Path key = dir.resolve("published.pem");
    Files.writeString(key, fixture.checkpoints.publicKeyPem());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int status = VerifyCommand.run(new String[] {fixture.zip.toString(), "--public-key", key.toString()},
        new PrintStream(out, true, StandardCharsets.UTF_8));
    assertThat(status).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("VALID: inspection " + EvidenceFixture.INSPECTION);

    Map<String, byte[]> copy = new LinkedHashMap<>(entries);
    byte[] recording = copy.get("files/" + EvidenceFixture.RECORDING).clone();
    recording[100] ^= 1;
    copy.put("files/" + EvidenceFixture.RECORDING, recording);
    Path forged = writeZip(copy, dir.resolve("forged.zip"), true);
    out.reset();
    status = VerifyCommand.run(new String[] {forged.toString(), "--public-key", key.toString()},
        new PrintStream(out, true, StandardCharsets.UTF_8));
    assertThat(status).isEqualTo(1);
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("TAMPERED: inspection " + EvidenceFixture.INSPECTION + ": the file " + EvidenceFixture.RECORDING)
        .contains("was altered");
    // The log's verifier key (C2SP form) is accepted as the trusted key as well as the PEM.
    Path vkey = dir.resolve("log-key.txt");
    Files.writeString(vkey, fixture.checkpoints.verifierKey() + "\n");
    out.reset();
    assertThat(VerifyCommand.run(new String[] {fixture.zip.toString(), "--public-key", vkey.toString()},
        new PrintStream(out, true, StandardCharsets.UTF_8))).as(out.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(VerifyCommand.run(new String[] {dir.resolve("missing.zip").toString()},
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))).isEqualTo(2);
  }

  @Test
  void verifyCommandRunsAsItsOwnJavaProcess(@TempDir Path dir) throws Exception {
    Path key = dir.resolve("published.pem");
    Files.writeString(key, fixture.checkpoints.publicKeyPem());
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
        System.getProperty("java.class.path"), VerifyCommand.class.getName(), fixture.zip.toString(),
        "--public-key", key.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    assertThat(out).contains("[ok]   inclusion: events #1..").contains("VALID");
  }

  @Test
  void editedPackageWithItsOldManifestIsCaughtByTheManifest(@TempDir Path dir) throws Exception {
    Map<String, byte[]> copy = new LinkedHashMap<>(entries);
    byte[] snapshot = copy.get("files/" + EvidenceFixture.SNAPSHOT_1).clone();
    snapshot[0] ^= 1;
    copy.put("files/" + EvidenceFixture.SNAPSHOT_1, snapshot);
    Verdict verdict = EvidencePackage.verify(writeZip(copy, dir.resolve("naive.zip"), false), trustedKey);
    assertThat(verdict.problems().get(0)).contains("does not match its SHA-256 in the manifest");
  }

  @Test
  void everyRandomMutationIsDetectedOnlineAndOffline(@TempDir Path dir) throws Exception {
    Random random = new Random(20261126);
    Map<Kind, Integer> counts = new EnumMap<>(Kind.class);
    long offlineNanos = 0;
    long onlineNanos = 0;
    for (int i = 0; i < MUTATIONS; i++) {
      Kind kind = Kind.values()[i % Kind.values().length];
      long seed = random.nextLong();
      counts.merge(kind, 1, Integer::sum);

      long t0 = System.nanoTime();
      Verdict offline = offline(kind, new Random(seed), dir.resolve("m" + i + ".zip"));
      offlineNanos += System.nanoTime() - t0;
      assertThat(offline.valid()).as("offline %s #%d: %s", kind, i, offline.describe()).isFalse();
      assertThat(offline.problems().get(0)).as("offline %s #%d", kind, i).contains(expectedWords(kind));

      long t1 = System.nanoTime();
      Verdict online = online(kind, new Random(seed));
      onlineNanos += System.nanoTime() - t1;
      assertThat(online.valid()).as("online %s #%d: %s", kind, i, online.describe()).isFalse();
      assertThat(online.problems().get(0)).as("online %s #%d", kind, i).contains(expectedWords(kind));
      Files.delete(dir.resolve("m" + i + ".zip"));
    }
    System.out.printf("%d mutations: offline %d ms, online %d ms%n", MUTATIONS, offlineNanos / 1_000_000,
        onlineNanos / 1_000_000);
    assertThat(counts.values()).allMatch(n -> n >= 150);
    // Everything restored: the fixture verifies again.
    restoreStream();
    assertThat(fixture.verifier.verify(EvidenceFixture.INSPECTION).await().problems()).isEmpty();
  }

  private static String expectedWords(Kind kind) {
    return switch (kind) {
      case FLIP_EVENT_BYTE, DELETE_EVENT, REORDER_EVENTS -> "hash chain is broken";
      case TRUNCATE_TAIL -> "events were removed";
      case ALTER_SNAPSHOT, ALTER_RECORDING -> "was altered";
      case FOREIGN_CHECKPOINT -> "is not signed by";
    };
  }

  // ---- mutations of the stored events, shared by both sides

  private static List<Map<String, String>> mutateEvents(Kind kind, Random random) {
    List<Map<String, String>> events = new ArrayList<>();
    storedEvents.forEach(e -> events.add(new LinkedHashMap<>(e.getBody())));
    int n = events.size();
    switch (kind) {
      case FLIP_EVENT_BYTE -> {
        Map<String, String> event = events.get(random.nextInt(n));
        String field = FIELDS.get(random.nextInt(FIELDS.size()));
        String value = event.get(field);
        int at = random.nextInt(value.length());
        char replacement;
        do {
          replacement = (char) (33 + random.nextInt(94));
        } while (replacement == value.charAt(at));
        event.put(field, value.substring(0, at) + replacement + value.substring(at + 1));
      }
      case DELETE_EVENT -> events.remove(random.nextInt(n - 1));
      case REORDER_EVENTS -> {
        int a = random.nextInt(n);
        int b;
        do {
          b = random.nextInt(n);
        } while (b == a);
        Collections.swap(events, a, b);
      }
      case TRUNCATE_TAIL -> {
        int keep = random.nextInt(n);
        events.subList(keep, n).clear();
      }
      default -> throw new IllegalArgumentException(kind.name());
    }
    return events;
  }

  private static String fileOf(Kind kind) {
    return kind == Kind.ALTER_RECORDING ? EvidenceFixture.RECORDING
        : new Random().nextBoolean() ? EvidenceFixture.SNAPSHOT_1 : EvidenceFixture.SNAPSHOT_2;
  }

  private static byte[] flipByte(byte[] bytes, Random random) {
    byte[] copy = bytes.clone();
    copy[random.nextInt(copy.length)] ^= (byte) (1 + random.nextInt(255));
    return copy;
  }

  /** The genuine tree head's content, signed under the same origin by another key. */
  private static SignedTreeHead foreignCheckpoint() {
    SignedTreeHead real = fixture.checkpoint;
    String origin = real.checkpoint().origin();
    Ed25519NoteKey foreign = foreignKey.noteKey(origin);
    return SignedTreeHead.sign(foreign, origin, real.number(), real.time(), real.treeSize(), real.root(), real.prev());
  }

  // ---- offline: mutate a copy of the package, rebuild it with a consistent manifest

  private static Verdict offline(Kind kind, Random random, Path target) throws IOException {
    Map<String, byte[]> copy = new LinkedHashMap<>(entries);
    switch (kind) {
      case ALTER_SNAPSHOT, ALTER_RECORDING -> {
        String name = "files/" + fileOf(kind);
        copy.put(name, flipByte(copy.get(name), random));
      }
      case FOREIGN_CHECKPOINT -> {
        copy.put(EvidencePackage.TREE_HEAD, foreignCheckpoint().format().getBytes(StandardCharsets.UTF_8));
        if (random.nextBoolean()) {
          copy.put(EvidencePackage.PUBLIC_KEY, foreignKey.publicKeyPem().getBytes(StandardCharsets.US_ASCII));
        }
      }
      default -> {
        StringBuilder lines = new StringBuilder();
        for (Map<String, String> event : mutateEvents(kind, random)) {
          JsonObject line = new JsonObject();
          event.forEach(line::put);
          lines.append(line.encode()).append('\n');
        }
        copy.put(EvidencePackage.TRAIL, lines.toString().getBytes(StandardCharsets.UTF_8));
      }
    }
    return EvidencePackage.verify(writeZip(copy, target, true), trustedKey);
  }

  static Path writeZip(Map<String, byte[]> content, Path target, boolean recomputeManifest) throws IOException {
    Map<String, byte[]> out = new LinkedHashMap<>(content);
    if (recomputeManifest) {
      JsonObject manifest = new JsonObject(new String(out.get(EvidencePackage.MANIFEST), StandardCharsets.UTF_8));
      JsonArray list = new JsonArray();
      for (Map.Entry<String, byte[]> e : out.entrySet()) {
        if (!e.getKey().equals(EvidencePackage.MANIFEST)) {
          list.add(new JsonObject().put("path", e.getKey()).put("size", e.getValue().length)
              .put("sha256", Verifier.sha256(new ByteArrayInputStream(e.getValue()))));
        }
      }
      out.put(EvidencePackage.MANIFEST, manifest.put("entries", list).encode().getBytes(StandardCharsets.UTF_8));
    }
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(target))) {
      zip.setLevel(java.util.zip.Deflater.NO_COMPRESSION);
      for (Map.Entry<String, byte[]> e : out.entrySet()) {
        zip.putNextEntry(new ZipEntry(e.getKey()));
        zip.write(e.getValue());
        zip.closeEntry();
      }
    }
    return target;
  }

  // ---- online: mutate Redis or the files, verify, restore

  private static Verdict online(Kind kind, Random random) throws IOException {
    if (streamMutated && !EVENT_KINDS.contains(kind)) {
      restoreStream();
    }
    switch (kind) {
      case ALTER_SNAPSHOT, ALTER_RECORDING -> {
        Path file = fixture.dataDir.resolve(fileOf(kind));
        byte[] original = Files.readAllBytes(file);
        Files.write(file, flipByte(original, random));
        try {
          return fixture.verifier.verify(EvidenceFixture.INSPECTION).await();
        } finally {
          Files.write(file, original);
        }
      }
      case FOREIGN_CHECKPOINT -> {
        // A tree head swapped for one signed by another key, checked as the server checks its own. (Editing
        // the running server's log file is an insider attack of its own: InsiderAttackTest.)
        List<Map<String, String>> events = new ArrayList<>();
        storedEvents.forEach(e -> events.add(e.getBody()));
        io.kanyan.recorder.log.CommitLog.Proven proven = fixture.checkpoints.prove(EvidenceFixture.INSPECTION).await();
        return Verifier.check(new Evidence(EvidenceFixture.INSPECTION, events, java.util.Optional.of(foreignCheckpoint()),
            proven.proofs(), Verifier.dataDirFiles(fixture.dataDir)), fixture.checkpoints.verifier(),
            "this server's signing key", false);
      }
      default -> {
        // The next event mutation replaces the stream anyway; anything else restores it first.
        rewriteStream(mutateEvents(kind, random), null);
        streamMutated = true;
        return fixture.verifier.verify(EvidenceFixture.INSPECTION).await();
      }
    }
  }

  private static void restoreStream() {
    List<Map<String, String>> original = new ArrayList<>();
    storedEvents.forEach(e -> original.add(e.getBody()));
    rewriteStream(original, storedEvents);
    streamMutated = false;
  }

  /** Replaces the inspection's stream, keeping the original entry ids when given. */
  private static void rewriteStream(List<Map<String, String>> events, List<StreamMessage<String, String>> ids) {
    String key = Trail.streamKey(EvidenceFixture.INSPECTION);
    fixture.redis.call(c -> c.del(key)).await();
    List<Future<String>> adds = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      String id = ids == null ? "1-" + (i + 1) : ids.get(i).getId();
      Map<String, String> body = events.get(i);
      adds.add(fixture.redis.call(c -> c.xadd(key, new XAddArgs().id(id), body)));
    }
    Future.all(adds).await();
  }
}
