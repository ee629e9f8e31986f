package io.kanyan.signaling.witness;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.log.MerkleLog;
import io.kanyan.recorder.log.note.Ed25519NoteKey;
import io.kanyan.recorder.log.note.SignedNote;
import io.kanyan.recorder.log.note.TlogCheckpoint;
import io.kanyan.recorder.trail.Merkle;
import io.kanyan.recorder.witness.CosignatureKey;
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

  static final String ORIGIN = "kanyan.test/log";

  @TempDir
  static Path dir;
  static Vertx vertx;
  static Ed25519NoteKey logKey;
  static WitnessProcess w1;
  static WitnessProcess w2;
  static Witnesses witnesses;

  @BeforeAll
  static void start() throws Exception {
    KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    logKey = Ed25519NoteKey.signer(ORIGIN, pair.getPublic(), pair.getPrivate());
    w1 = WitnessProcess.start(dir.resolve("w1"), "witness.test/w1", logKey.verifierKey());
    w2 = WitnessProcess.start(dir.resolve("w2"), "witness.test/w2", logKey.verifierKey());
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
}
