package io.kanyan.recorder.witness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kanyan.recorder.audit.AuditServices;
import io.kanyan.recorder.audit.CaseFiles;
import io.kanyan.recorder.audit.EvidencePackage;
import io.kanyan.recorder.audit.Verdict;
import io.kanyan.recorder.keys.KeyHistory;
import io.kanyan.recorder.keys.KeyHistoryException;
import io.kanyan.recorder.keys.Pkcs11Settings;
import io.kanyan.recorder.log.SignedTreeHead;
import io.kanyan.recorder.log.note.Ed25519NoteKey;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.LocalTsa;
import io.kanyan.recorder.testing.SoftHsm;
import io.kanyan.recorder.testing.TestRedis;
import io.kanyan.recorder.timestamp.TimestampVerifier;
import io.kanyan.recorder.trail.Checkpoints;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.SigningKey;
import io.kanyan.recorder.trail.Trail;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checkpoint job as deployed with everything outside the data directory: the signing key in a SoftHSM2
 * token, every tree head stamped by a local RFC 3161 TSA ({@code openssl ts}), the key announced in the
 * published key history.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class TrustedCheckpointsTest {

  @TempDir
  Path dir;
  TestRedis server;
  RedisStore redis;
  LocalTsa tsa;
  AuditServices audit;

  @BeforeEach
  void start(Vertx vertx) {
    server = TestRedis.start();
    redis = RedisStore.connect(vertx, server.url()).await();
    tsa = LocalTsa.start(vertx, dir.resolve("tsa"), "Kanyan test TSA");
    SoftHsm hsm = SoftHsm.create(dir.resolve("hsm"), "kanyan-trusted");
    hsm.generateEd25519("checkpoint", "01");
  }

  @AfterEach
  void stop() {
    if (audit != null) {
      audit.stop().await();
    }
    tsa.close();
    redis.close();
    server.close();
  }

  Map<String, String> env() throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put(Pkcs11Settings.MODULE, SoftHsm.MODULE.toString());
    env.put(Pkcs11Settings.TOKEN_LABEL, "kanyan-trusted");
    env.put(Pkcs11Settings.KEY_LABEL, "checkpoint");
    env.put(Pkcs11Settings.PIN_FILE, Files.writeString(dir.resolve("pin"), SoftHsm.USER_PIN).toString());
    env.put("KANYAN_TSA_URL", tsa.url());
    env.put("KANYAN_TSA_TRUST", tsa.rootCertificate().toString());
    return env;
  }

  AuditServices open(Vertx vertx, Map<String, String> env) {
    Trail trail = new Trail(redis, Clock.systemUTC());
    return AuditServices.start(vertx, redis, trail, new CaseFiles(redis, new byte[32]), dir.resolve("data"),
        Checkpoints.Settings.under(dir.resolve("data")), TrustSettings.from(env), Clock.systemUTC()).await();
  }

  @Test
  void treeHeadsAreSignedInTheTokenStampedAndTheKeyIsAnnounced(Vertx vertx) throws Exception {
    audit = open(vertx, env());
    Checkpoints checkpoints = audit.checkpoints();
    assertThat(checkpoints.key().inToken()).isTrue();
    // Nothing of the key is in the data directory.
    assertThat(Files.exists(Checkpoints.Settings.under(dir.resolve("data")).keyFile())).isFalse();

    new Trail(redis, Clock.systemUTC()).append("insp-1", EventType.NOTE_ADDED, "user:a", new JsonObject()).await();
    SignedTreeHead sth = checkpoints.checkpointNow().await();

    // Signed by the token: the public key read from the token verifies it; the checkpoint is a C2SP note.
    Ed25519NoteKey tokenKey = Ed25519NoteKey.verifier(checkpoints.origin(), checkpoints.key().publicKey());
    assertThat(sth.signedBy(tokenKey)).isTrue();
    assertThat(tokenKey.verifierKey()).isEqualTo(checkpoints.verifierKey());

    // Stamped by the TSA: the token's imprint is the SHA-256 of the signed tree head, and it chains to the root.
    byte[] signed = sth.format().getBytes(StandardCharsets.UTF_8);
    checkpoints.attestations().timestamps().orElseThrow().stampNow(sth.treeSize(), signed).await();
    byte[] token = checkpoints.attestations().timestamp(sth.treeSize()).orElseThrow();
    assertThat(TimestampVerifier.fromPem(tsa.rootCertificate()).verify(token, signed).tsa())
        .contains("Kanyan test TSA");

    // The evidence package carries the token; the offline verifier checks it with the TSA's root.
    Path zip = dir.resolve("insp-1.zip");
    audit.export().export("insp-1", zip, null).await();
    Verdict stamped = EvidencePackage.verify(zip, checkpoints.key().publicKey(), WitnessPolicy.none(),
        TimestampVerifier.fromPem(tsa.rootCertificate()));
    assertThat(stamped.valid()).as(stamped.describe()).isTrue();
    assertThat(stamped.passed()).anyMatch(p -> p.contains("stamped at") && p.contains("Kanyan test TSA"));
    try (LocalTsa other = LocalTsa.start(vertx, dir.resolve("other-tsa"), "Another TSA")) {
      Verdict foreign = EvidencePackage.verify(zip, checkpoints.key().publicKey(), WitnessPolicy.none(),
          TimestampVerifier.fromPem(other.rootCertificate()));
      assertThat(foreign.valid()).isFalse();
      assertThat(foreign.problems()).anyMatch(p -> p.contains("does not chain to a configured trust anchor"));
    }

    // The key history announces exactly this key.
    KeyHistory history = KeyHistory.read(AuditServices.keyHistoryFile(checkpoints.settings()));
    assertThat(history.keys()).extracting(Ed25519NoteKey::verifierKey).containsExactly(checkpoints.verifierKey());
  }

  @Test
  void anotherKeyIsRefusedUntilTheRetiringKeyAnnouncesIt(Vertx vertx) throws Exception {
    Path data = dir.resolve("data");
    Path fileKey = Checkpoints.Settings.under(data).keyFile();
    audit = open(vertx, Map.of());
    String fileVkey = audit.checkpoints().verifierKey();
    audit.stop().await();

    // Moving the key into the token without announcing it: the start is refused.
    assertThatThrownBy(() -> open(vertx, env())).isInstanceOf(KeyHistoryException.class)
        .hasMessageContaining("KANYAN_SIGNING_PREVIOUS_KEY");
    audit = null;

    // With the retiring key at hand, the token key is announced, signed by both.
    Map<String, String> rotating = env();
    rotating.put(TrustSettings.PREVIOUS_KEY, fileKey.toString());
    audit = open(vertx, rotating);
    List<KeyHistory.Entry> entries = KeyHistory.read(AuditServices.keyHistoryFile(audit.checkpoints().settings()))
        .verify(Optional.of(fileVkey));
    assertThat(entries).extracting(e -> e.key().verifierKey())
        .containsExactly(fileVkey, audit.checkpoints().verifierKey());
    assertThat(entries.get(1).note().isSignedBy(SigningKey.loadOrCreate(fileKey).noteKey(
        Checkpoints.originOf(SigningKey.loadOrCreate(fileKey))))).isTrue();

    // An auditor who pinned the retired key still verifies a package signed by the token key, through the
    // key history inside the package; a key the history does not announce is refused.
    new Trail(redis, Clock.systemUTC()).append("insp-9", EventType.NOTE_ADDED, "user:a", new JsonObject()).await();
    Path zip = dir.resolve("insp-9.zip");
    audit.export().export("insp-9", zip, null).await();
    PublicKey retired = SigningKey.loadOrCreate(fileKey).publicKey();
    Verdict verdict = EvidencePackage.verify(zip, retired);
    assertThat(verdict.valid()).as(verdict.describe()).isTrue();
    assertThat(verdict.passed()).anyMatch(p -> p.contains("was announced by the trusted key through the key history"));
    Verdict stranger = EvidencePackage.verify(zip, SigningKey.generate().publicKey());
    assertThat(stranger.valid()).isFalse();
    assertThat(stranger.problems()).anyMatch(p -> p.contains("it was replaced (the key history does not lead"));
  }
}
