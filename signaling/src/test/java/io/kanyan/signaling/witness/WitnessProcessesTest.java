package io.kanyan.signaling.witness;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.log.MerkleLog;
import io.kanyan.recorder.log.note.Ed25519NoteKey;
import io.kanyan.recorder.log.note.SignedNote;
import io.kanyan.recorder.log.note.TlogCheckpoint;
import io.kanyan.recorder.trail.Merkle;
import io.kanyan.recorder.audit.VerifyCommand;
import io.kanyan.recorder.log.SignedTreeHead;
import io.kanyan.recorder.testing.LocalTsa;
import io.kanyan.recorder.timestamp.TimestampVerifier;
import java.util.Base64;
import io.kanyan.recorder.trail.Checkpoints;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.SigningKey;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.recorder.witness.CosignatureKey;
import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.TestServer;
import io.vertx.core.json.JsonObject;
import io.kanyan.recorder.witness.TrustSettings;
import io.kanyan.recorder.witness.WitnessPolicy;
import io.kanyan.recorder.witness.Witnesses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two witnesses, each its own OS process started as {@code Main witness}, cosign the log's tree heads over
 * HTTP; a rewritten log is refused by both, and a verifier that requires 2 of 2 tells the genuine tree head from
 * the forged one.
 */
@Timeout(120)
class WitnessProcessesTest {

  /** An inspection id as the API accepts them (a lowercase UUID). */
  private static final String INSPECTION = "6f1c2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5";

  static final String ORIGIN = "kanyan.test/log";

  @TempDir
  static Path dir;
  static Vertx vertx;
  static Ed25519NoteKey logKey;
  static WitnessProcess w1;
  static WitnessProcess w2;
  static Witnesses witnesses;
  static Path serverKeyFile;
  static String serverLogKey;

  @BeforeAll
  static void start() throws Exception {
    KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    logKey = Ed25519NoteKey.signer(ORIGIN, pair.getPublic(), pair.getPrivate());
    // The server's own signing key, made before it starts, so that the witnesses can be told to trust it.
    serverKeyFile = dir.resolve("server-key/checkpoint-ed25519.pem");
    SigningKey serverKey = SigningKey.loadOrCreate(serverKeyFile);
    serverLogKey = serverKey.noteKey(Checkpoints.originOf(serverKey)).verifierKey();
    w1 = WitnessProcess.start(dir.resolve("w1"), "witness.test/w1", logKey.verifierKey(), serverLogKey);
    w2 = WitnessProcess.start(dir.resolve("w2"), "witness.test/w2", logKey.verifierKey(), serverLogKey);
    vertx = Vertx.vertx();
    TrustSettings trust = TrustSettings.from(Map.of(
        Witnesses.WITNESSES, w1.url() + " " + w1.verifierKey() + ", " + w2.url() + " " + w2.verifierKey(),
        WitnessPolicy.QUORUM, "2"));
    witnesses = new Witnesses(vertx, trust.witnesses(), trust.quorum());
  }

  @AfterAll
  static void stop() {
    witnesses.close().await();
    vertx.close().await();
    w1.close();
    w2.close();
  }

  static void grow(MerkleLog log, int leaves, String tag) {
    for (int i = 0; i < leaves; i++) {
      log.append(Merkle.leafHash((tag + log.size()).getBytes(StandardCharsets.UTF_8)));
    }
  }

  static SignedNote treeHead(MerkleLog log) {
    return SignedNote.sign(new TlogCheckpoint(ORIGIN, log.size(), log.root(), List.of()).text(), logKey);
  }

  static SignedNote cosign(MerkleLog log) {
    return witnesses.cosign(treeHead(log), log.size(),
        (from, to) -> Future.succeededFuture(log.consistencyProof(from, to))).await();
  }

  @Test
  void bothWitnessesCosignTheGenuineLogAndRefuseARewrittenOne() {
    assertThat(w1.pid()).isNotEqualTo(w2.pid()).isNotEqualTo(ProcessHandle.current().pid());
    MerkleLog genuine = new MerkleLog();
    grow(genuine, 6, "event-");
    SignedNote first = cosign(genuine);
    grow(genuine, 5, "event-");
    SignedNote second = cosign(genuine);

    WitnessPolicy twoOfTwo = new WitnessPolicy(WitnessPolicy.parseKeys(w1.verifierKey() + "," + w2.verifierKey()), 2);
    assertThat(twoOfTwo.check(first).cosignedBy()).containsExactlyInAnyOrder("witness.test/w1", "witness.test/w2");
    assertThat(twoOfTwo.check(second).ok()).isTrue();
    // Parsed back from its text, as an auditor gets it, the cosigned tree head still passes.
    assertThat(twoOfTwo.check(SignedNote.parse(second.format())).ok()).isTrue();

    // The insider rewrites event 3, rebuilds the tree, grows it and signs it with the log's own key.
    MerkleLog forged = new MerkleLog();
    grow(forged, 3, "event-");
    forged.append(Merkle.leafHash("event-3 rewritten".getBytes(StandardCharsets.UTF_8)));
    grow(forged, 9, "event-");
    SignedNote refused = cosign(forged);
    WitnessPolicy.Check check = twoOfTwo.check(refused);
    assertThat(check.ok()).isFalse();
    assertThat(check.cosignedBy()).isEmpty();
    assertThat(check.failure()).isEqualTo("cosigned by 0 of the 2 required witnesses");
    assertThat(witnesses.status().get("errors").toString()).contains("HTTP 422");

    // Cosignature lines copied from the genuine tree head onto the forged one do not verify.
    SignedNote pasted = treeHead(forged);
    for (SignedNote.Signature sig : second.signatures().subList(1, 3)) {
      pasted = pasted.withSignature(sig);
    }
    assertThat(twoOfTwo.check(pasted).ok()).isFalse();
    // The forged head alone, signed with the genuine log key, passes the log-key check but not 2-of-2.
    assertThat(pasted.isSignedBy(logKey)).isTrue();

    // The witnesses still follow the genuine log.
    grow(genuine, 2, "event-");
    assertThat(twoOfTwo.check(cosign(genuine)).ok()).isTrue();
    CosignatureKey k1 = CosignatureKey.parseVerifierKey(w1.verifierKey());
    assertThat(new WitnessPolicy(List.of(k1), 1).check(second).ok()).isTrue();
  }

  @Test
  void theServerSubmitsEachTreeHeadToBothAndARewrittenLogLosesItsWitnesses() {
    LocalTsa tsa = LocalTsa.start(vertx, dir.resolve("tsa"), "Kanyan test TSA");
    TestServer server = TestServer.start(Map.of("KANYAN_SIGNING_KEY", serverKeyFile.toString(),
        Witnesses.WITNESSES, w1.url() + " " + w1.verifierKey() + ", " + w2.url() + " " + w2.verifierKey(),
        WitnessPolicy.QUORUM, "2", "KANYAN_TSA_URL", tsa.url(), "KANYAN_TSA_TRUST", tsa.rootCertificate().toString()));
    try {
      Trail trail = new Trail(server.running().storage().redis(), server.clock());
      trail.append(INSPECTION, EventType.NOTE_ADDED, "user:ian", new JsonObject().put("text", "one")).await();
      Checkpoints checkpoints = server.running().server().audit().checkpoints();
      assertThat(checkpoints.verifierKey()).isEqualTo(serverLogKey);
      checkpoints.checkpointNow().await();
      assertThat(checkpoints.attestations().policy().check(checkpoints.attestations().lastCosigning().await())
          .cosignedBy()).containsExactlyInAnyOrder("witness.test/w1", "witness.test/w2");

      trail.append(INSPECTION, EventType.NOTE_ADDED, "user:ian", new JsonObject().put("text", "two")).await();
      long size = checkpoints.checkpointNow().await().treeSize();
      checkpoints.attestations().lastCosigning().await();
      Http admin = new Http(server.vertx(), server.httpPort()).login("admin", TestServer.ADMIN_PASSWORD);
      JsonObject log0 = admin.get("/api/audit/log/consistency?from=1").bodyAsJsonObject();
      assertThat(log0.getLong("size")).isEqualTo(size);
      assertThat(log0.getJsonObject("witnesses").getBoolean("ok")).isTrue();
      WitnessPolicy twoOfTwo = new WitnessPolicy(WitnessPolicy.parseKeys(w1.verifierKey() + " " + w2.verifierKey()), 2);
      assertThat(twoOfTwo.check(SignedNote.parse(log0.getString("treeHead"))).ok()).isTrue();
      // The RFC 3161 token stamps the tree head as the log signed it (the served note minus the witness lines).
      SignedTreeHead latest = checkpoints.latest().orElseThrow();
      checkpoints.attestations().timestamps().orElseThrow()
          .stampNow(size, latest.format().getBytes(StandardCharsets.UTF_8)).await();
      JsonObject log = admin.get("/api/audit/log/consistency?from=1").bodyAsJsonObject();
      SignedNote served = SignedNote.parse(log.getString("treeHead"));
      String asLogged = new SignedNote(served.text(), served.signatures().stream()
          .filter(sig -> sig.keyName().equals(log.getString("origin"))).toList()).format();
      assertThat(TimestampVerifier.fromPem(tsa.rootCertificate())
          .verify(Base64.getDecoder().decode(log.getString("timestamp")), asLogged.getBytes(StandardCharsets.UTF_8))
          .tsa()).contains("Kanyan test TSA");
      assertThat(admin.get("/api/audit/log/attestations").bodyAsJsonObject().getJsonObject("tsa").getLong("stamped"))
          .isGreaterThanOrEqualTo(1);
      // Online and offline verification with 2 of 2 witnesses required pass for the genuine log.
      assertThat(admin.get("/api/audit/inspections/" + INSPECTION + "/verify").bodyAsJsonObject().getBoolean("valid")).isTrue();
      assertThat(verifyOffline(server, "genuine")).contains("cosigned by 2 of the required 2 witnesses")
          .startsWith("exit 0");

      // The insider changes the trail, deletes the commitment log and Redis's copy, and restarts: the server
      // signs a fresh log with its own key, which the witnesses refuse to cosign.
      trail.append(INSPECTION, EventType.NOTE_ADDED, "user:ian", new JsonObject().put("text", "inserted")).await();
      server.running().storage().redis().call(c -> c.del(Checkpoints.REDIS_KEY)).await();
      deleteQuietly(checkpoints.settings().logFile());
      server.restart();
      Checkpoints rewritten = server.running().server().audit().checkpoints();
      rewritten.checkpointNow().await();
      WitnessPolicy.Check check = rewritten.attestations().policy().check(rewritten.attestations().lastCosigning().await());
      assertThat(check.ok()).isFalse();
      assertThat(check.cosignedBy()).isEmpty();
      JsonObject after = new Http(server.vertx(), server.httpPort()).login("admin", TestServer.ADMIN_PASSWORD)
          .get("/api/audit/log/consistency").bodyAsJsonObject();
      assertThat(after.getJsonObject("witnesses").getString("problem"))
          .isEqualTo("cosigned by 0 of the 2 required witnesses");
      assertThat(twoOfTwo.check(SignedNote.parse(after.getString("treeHead"))).ok()).isFalse();
      // ...and fail for the rewritten one, online and offline, naming the missing witnesses.
      JsonObject online = new Http(server.vertx(), server.httpPort()).login("admin", TestServer.ADMIN_PASSWORD)
          .get("/api/audit/inspections/" + INSPECTION + "/verify").bodyAsJsonObject();
      assertThat(online.getBoolean("valid")).isFalse();
      assertThat(online.getJsonArray("problems").encode()).contains("cosigned by 0 of the 2 required witnesses");
      JsonObject status = new Http(server.vertx(), server.httpPort()).login("admin", TestServer.ADMIN_PASSWORD)
          .get("/api/audit/log/attestations").bodyAsJsonObject().getJsonObject("witnesses");
      assertThat(status.getString("lastQuorumFailure")).contains("cosigned by 0 of the 2 required witnesses");
      assertThat(status.getJsonObject("errors").fieldNames())
          .containsExactlyInAnyOrder("witness.test/w1", "witness.test/w2");
      assertThat(verifyOffline(server, "rewritten")).startsWith("exit 1")
          .contains("not witnessed: cosigned by 0 of the 2 required witnesses");
    } finally {
      server.close();
      tsa.close();
    }
  }

  /** Exports the package and runs the offline verifier with the published key and both witness keys. */
  private static String verifyOffline(TestServer server, String name) {
    Checkpoints checkpoints = server.running().server().audit().checkpoints();
    Path zip = dir.resolve(name + ".zip");
    server.running().server().audit().export().export(INSPECTION, zip, null).await();
    Path key = dir.resolve(name + "-key.pem");
    try {
      java.nio.file.Files.writeString(key, checkpoints.publicKeyPem());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    int status = VerifyCommand.run(new String[] {zip.toString(), "--public-key", key.toString(),
        "--witness", w1.verifierKey(), "--witness", w2.verifierKey(), "--quorum", "2"},
        new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
    return "exit " + status + "\n" + out.toString(java.nio.charset.StandardCharsets.UTF_8);
  }

  private static void deleteQuietly(Path file) {
    try {
      java.nio.file.Files.deleteIfExists(file);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
