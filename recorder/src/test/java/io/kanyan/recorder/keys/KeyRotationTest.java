package io.kanyan.recorder.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kanyan.recorder.audit.AuditServices;
import io.kanyan.recorder.audit.CaseFiles;
import io.kanyan.recorder.audit.EvidencePackage;
import io.kanyan.recorder.audit.Verdict;
import io.kanyan.recorder.log.LogEntry;
import io.kanyan.recorder.log.SignedTreeHead;
import io.kanyan.recorder.log.note.Ed25519NoteKey;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.TestRedis;
import io.kanyan.recorder.trail.Checkpoints;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.SigningKey;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.recorder.witness.TrustSettings;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rotating the signing key of a running log (recorder/TRAIL.md §9.2), against a real Redis and real files: the
 * server restarts with the new key and the retiring one, the log keeps its origin and carries on, and every
 * tree head is checked against the key that was in use when it was made. A key the history does not announce,
 * or the retired key signing after the rotation, is tampering, at start-up and offline.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class KeyRotationTest {

  static final String INSPECTION = "0b5c3a52-6f0e-4c55-9d0c-3d1c7f0a9e21";

  @TempDir
  Path dir;
  TestRedis server;
  RedisStore redis;
  Trail trail;
  AuditServices audit;

  @BeforeEach
  void start(Vertx vertx) {
    server = TestRedis.start();
    redis = RedisStore.connect(vertx, server.url()).await();
    trail = new Trail(redis, Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    if (audit != null) {
      audit.stop().await();
    }
    redis.close();
    server.close();
  }

  Path data() {
    return dir.resolve("data");
  }

  Path oldKey() {
    return Checkpoints.Settings.under(data()).keyFile();
  }

  Path newKey() {
    return dir.resolve("new-keys/checkpoint-ed25519.pem");
  }

  Path logFile() {
    return Checkpoints.Settings.under(data()).logFile();
  }

  AuditServices open(Vertx vertx, Map<String, String> env) {
    return AuditServices.start(vertx, redis, trail, new CaseFiles(redis, new byte[32]), data(),
        Checkpoints.Settings.from(env, data()), TrustSettings.from(env), Clock.systemUTC()).await();
  }

  /** The operator's rotation: the new key configured, the retiring key as the previous key. */
  Map<String, String> rotating() {
    Map<String, String> env = new HashMap<>();
    env.put("KANYAN_SIGNING_KEY", newKey().toString());
    env.put(TrustSettings.PREVIOUS_KEY, oldKey().toString());
    return env;
  }

  void note(String text) {
    trail.append(INSPECTION, EventType.NOTE_ADDED, "user:wang", new JsonObject().put("text", text)).await();
  }

  /**
   * Two tree heads under the first key, then the rotation and two more under the new key. Returns the log
   * lines and leaves the server running on the new key.
   */
  List<String> rotateALiveLog(Vertx vertx) throws Exception {
    audit = open(vertx, Map.of());
    String origin = audit.checkpoints().origin();
    note("before the rotation, 1");
    audit.checkpoints().checkpointNow().await();
    note("before the rotation, 2");
    audit.checkpoints().checkpointNow().await();
    audit.stop().await();
    audit = null;

    audit = open(vertx, rotating());
    assertThat(audit.checkpoints().startProblems()).isEmpty();
    assertThat(audit.checkpoints().origin()).as("the log keeps its origin").isEqualTo(origin);
    assertThat(audit.checkpoints().keys().eras()).hasSize(2);
    note("after the rotation, 1");
    audit.checkpoints().checkpointNow().await();
    note("after the rotation, 2");
    audit.checkpoints().checkpointNow().await();
    List<String> lines = Files.readAllLines(logFile());
    assertThat(lines).hasSize(4);
    return lines;
  }

  @Test
  void aRotatedLogCarriesOnAndVerifiesUnderBothKeys(Vertx vertx) throws Exception {
    List<String> lines = rotateALiveLog(vertx);
    SigningKey first = SigningKey.loadOrCreate(oldKey());
    SigningKey second = SigningKey.loadOrCreate(newKey());
    String origin = audit.checkpoints().origin();
    assertThat(LogEntry.parse(lines.get(1)).sth().signedBy(first.noteKey(origin))).isTrue();
    assertThat(LogEntry.parse(lines.get(2)).sth().signedBy(second.noteKey(origin))).isTrue();

    Verdict online = audit.verifier().verify(INSPECTION).await();
    assertThat(online.valid()).as(online.describe()).isTrue();
    assertThat(online.passed()).anyMatch(p -> p.contains("key #2"));

    Path zip = dir.resolve("package.zip");
    audit.export().export(INSPECTION, zip, null).await();
    for (SigningKey pinned : List.of(first, second)) {
      Verdict offline = EvidencePackage.verify(zip, pinned.publicKey());
      assertThat(offline.valid()).as(offline.describe()).isTrue();
      assertThat(offline.passed()).anyMatch(p -> p.contains("key #2") && p.contains("in use at that time"));
    }
    assertThat(EvidencePackage.verify(zip, first.publicKey()).passed())
        .anyMatch(p -> p.contains("was announced by the trusted key through the key history (entries 1..2"));

    // Restarted with the new key alone, the start-up audit passes over tree heads of both keys.
    audit.stop().await();
    audit = null;
    Map<String, String> env = new HashMap<>(rotating());
    env.remove(TrustSettings.PREVIOUS_KEY);
    audit = open(vertx, env);
    note("after the restart");
    audit.checkpoints().checkpointNow().await();
    assertThat(audit.verifier().verify(INSPECTION).await().problems()).isEmpty();
  }

  @Test
  void aTreeHeadSignedByAKeyTheHistoryDoesNotAnnounceIsNamed(Vertx vertx) throws Exception {
    List<String> lines = rotateALiveLog(vertx);
    Path zip = dir.resolve("package.zip");
    audit.export().export(INSPECTION, zip, null).await();
    audit.stop().await();
    audit = null;

    SigningKey stranger = SigningKey.generate();
    String origin = LogEntry.parse(lines.get(0)).sth().checkpoint().origin();
    Ed25519NoteKey strangerNote = stranger.noteKey(origin);
    String strangerId = String.format("%08x", strangerNote.keyId());
    replaceLastLine(resign(LogEntry.parse(lines.get(3)), strangerNote));
    assertThatThrownBy(() -> open(vertx, Map.of("KANYAN_SIGNING_KEY", newKey().toString())))
        .isInstanceOf(Checkpoints.RefusedStartException.class)
        .hasMessageContaining("entry #4 (line 4) of the commitment log is not signed by the log's key")
        .hasMessageContaining("key ID " + strangerId + ", which the key history does not announce");

    Path forged = resignPackage(zip, strangerNote);
    Verdict offline = EvidencePackage.verify(forged, SigningKey.loadOrCreate(oldKey()).publicKey());
    assertThat(offline.valid()).isFalse();
    assertThat(offline.problems()).anyMatch(p -> p.contains("key ID " + strangerId)
        && p.contains("which the key history does not announce"));
  }

  @Test
  void aTreeHeadSignedByTheRetiredKeyAfterTheRotationIsTampering(Vertx vertx) throws Exception {
    List<String> lines = rotateALiveLog(vertx);
    Path zip = dir.resolve("package.zip");
    audit.export().export(INSPECTION, zip, null).await();
    audit.stop().await();
    audit = null;
    String origin = LogEntry.parse(lines.get(0)).sth().checkpoint().origin();
    Ed25519NoteKey retired = SigningKey.loadOrCreate(oldKey()).noteKey(origin);
    Map<String, String> env = Map.of("KANYAN_SIGNING_KEY", newKey().toString());

    // After a tree head of the new key, in log order.
    replaceLastLine(resign(LogEntry.parse(lines.get(3)), retired));
    assertThatThrownBy(() -> open(vertx, env)).isInstanceOf(Checkpoints.RefusedStartException.class)
        .hasMessageContaining("entry #4 (line 4) of the commitment log is signed by the retired key #1")
        .hasMessageContaining("after key #2 signed an earlier tree head");

    // The first tree head after the rotation: dated after the new key's announcement.
    String first = resign(LogEntry.parse(lines.get(2)), retired);
    Files.writeString(logFile(), lines.get(0) + "\n" + lines.get(1) + "\n" + first + "\n");
    redis.call(c -> c.del(Checkpoints.REDIS_KEY)).await();
    redis.call(c -> c.rpush(Checkpoints.REDIS_KEY, lines.get(0), lines.get(1), first)).await();
    assertThatThrownBy(() -> open(vertx, env)).isInstanceOf(Checkpoints.RefusedStartException.class)
        .hasMessageContaining("entry #3 (line 3) of the commitment log (dated")
        .hasMessageContaining("is signed by the retired key #1")
        .hasMessageContaining("replaced by key #2");

    // Offline: the package's tree head (made after the rotation) signed again by the retired key.
    Path forged = resignPackage(zip, retired);
    Verdict offline = EvidencePackage.verify(forged, retired.publicKey());
    assertThat(offline.valid()).isFalse();
    assertThat(offline.problems()).anyMatch(p -> p.contains("is signed by the retired key #1"));
  }

  /** The same entry, its tree head signed by {@code key} instead. */
  static String resign(LogEntry genuine, Ed25519NoteKey key) {
    SignedTreeHead real = genuine.sth();
    SignedTreeHead forged = SignedTreeHead.sign(key, real.checkpoint().origin(), real.number(), real.time(),
        real.treeSize(), real.root(), real.prev());
    return new LogEntry(genuine.from(), genuine.leaves(), genuine.consistency(), forged).line();
  }

  /** Replaces the last line of the log file and of Redis's copy, as an insider with both would. */
  void replaceLastLine(String line) throws IOException {
    List<String> lines = new ArrayList<>(Files.readAllLines(logFile()));
    lines.set(lines.size() - 1, line);
    Files.writeString(logFile(), String.join("\n", lines) + "\n");
    redis.call(c -> c.lset(Checkpoints.REDIS_KEY, -1, line)).await();
  }

  /** A copy of the package whose tree head is signed by {@code key} instead. */
  Path resignPackage(Path zip, Ed25519NoteKey key) throws IOException {
    Path copy = dir.resolve("forged-" + key.keyId() + ".zip");
    try (ZipFile in = new ZipFile(zip.toFile()); OutputStream file = Files.newOutputStream(copy);
        ZipOutputStream out = new ZipOutputStream(file)) {
      for (Enumeration<? extends ZipEntry> entries = in.entries(); entries.hasMoreElements(); ) {
        ZipEntry entry = entries.nextElement();
        byte[] bytes;
        try (InputStream body = in.getInputStream(entry)) {
          bytes = body.readAllBytes();
        }
        if (entry.getName().equals(EvidencePackage.TREE_HEAD)) {
          SignedTreeHead real = SignedTreeHead.parse(new String(bytes, StandardCharsets.UTF_8));
          bytes = SignedTreeHead.sign(key, real.checkpoint().origin(), real.number(), real.time(), real.treeSize(),
              real.root(), real.prev()).format().getBytes(StandardCharsets.UTF_8);
        }
        out.putNextEntry(new ZipEntry(entry.getName()));
        out.write(bytes);
        out.closeEntry();
      }
    }
    return copy;
  }
}
