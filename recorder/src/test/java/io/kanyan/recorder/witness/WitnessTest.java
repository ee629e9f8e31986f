package io.kanyan.recorder.witness;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.log.MerkleLog;
import io.kanyan.recorder.log.note.Ed25519NoteKey;
import io.kanyan.recorder.log.note.NoteVerifier;
import io.kanyan.recorder.log.note.SignedNote;
import io.kanyan.recorder.log.note.TlogCheckpoint;
import io.kanyan.recorder.trail.Merkle;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The witness's checks and answers, status code by status code, as c2sp.org/tlog-witness lists them. */
class WitnessTest {

  static final String ORIGIN = "kanyan.example/log";
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-29T12:00:00Z"), ZoneOffset.UTC);

  @TempDir
  Path dir;
  Ed25519NoteKey logKey;
  KeyPair witnessPair;
  CosignatureKey witnessKey;
  Witness witness;
  MerkleLog tree;

  @BeforeEach
  void setUp() throws Exception {
    KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    logKey = Ed25519NoteKey.signer(ORIGIN, pair.getPublic(), pair.getPrivate());
    witnessKey = CosignatureKey.loadOrCreate(dir.resolve("witness.key"), "witness.example/w1", CLOCK);
    witness = new Witness(witnessKey, Map.of(ORIGIN, List.<NoteVerifier>of(logKey)),
        new WitnessState(dir.resolve("state")));
    tree = new MerkleLog();
  }

  static MerkleLog grow(MerkleLog log, int leaves, String tag) {
    for (int i = 0; i < leaves; i++) {
      log.append(Merkle.leafHash((tag + log.size()).getBytes(StandardCharsets.UTF_8)));
    }
    return log;
  }

  SignedNote checkpoint(MerkleLog log, Ed25519NoteKey key) {
    return SignedNote.sign(new TlogCheckpoint(ORIGIN, log.size(), log.root(), List.of()).text(), key);
  }

  String body(long old, List<byte[]> proof, SignedNote note) {
    return new AddCheckpoint(old, proof, note.format()).format();
  }

  @Test
  void cosignsTheFirstCheckpointAndEachConsistentSuccessor() throws Exception {
    grow(tree, 5, "a");
    SignedNote first = checkpoint(tree, logKey);
    Witness.Answer answer = witness.addCheckpoint(body(0, List.of(), first));
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body()).startsWith("\u2014 witness.example/w1 ").endsWith("\n");

    // The cosignature is exactly what c2sp.org/tlog-cosignature defines, checked here with the JDK alone:
    byte[] blob = Base64.getDecoder().decode(answer.body().trim().split(" ")[2]);
    ByteBuffer buffer = ByteBuffer.wrap(blob);
    int keyId = buffer.getInt();
    long time = buffer.getLong();
    byte[] sig = Arrays.copyOfRange(blob, 12, blob.length);
    byte[] witnessPublic = Arrays.copyOfRange(Base64.getDecoder().decode(witnessKey.verifierKey().split("\\+", 3)[2]),
        1, 33);
    assertThat(keyId).isEqualTo(Ed25519NoteKey.keyId("witness.example/w1", (byte) 0x04, witnessPublic));
    assertThat(time).isEqualTo(CLOCK.instant().getEpochSecond());
    Signature ed = Signature.getInstance("Ed25519");
    ed.initVerify(Ed25519NoteKey.publicKeyFromRaw(witnessPublic));
    ed.update(("cosignature/v1\ntime " + time + "\n" + first.text()).getBytes(StandardCharsets.UTF_8));
    assertThat(ed.verify(sig)).isTrue();

    grow(tree, 6, "b");
    SignedNote second = checkpoint(tree, logKey);
    answer = witness.addCheckpoint(body(5, tree.consistencyProof(5, 11), second));
    assertThat(answer.status()).isEqualTo(200);
    SignedNote cosigned = SignedNote.parse(second.format() + answer.body());
    WitnessPolicy policy = new WitnessPolicy(List.of(CosignatureKey.parseVerifierKey(witnessKey.verifierKey())), 1);
    assertThat(policy.check(cosigned).ok()).isTrue();
    assertThat(witness.latestCosigned(ORIGIN)).hasValueSatisfying(note -> assertThat(note).contains("\n11\n"));
  }

  @Test
  void answersTheStatusCodesOfTheSpec() throws Exception {
    grow(tree, 4, "a");
    SignedNote four = checkpoint(tree, logKey);
    assertThat(witness.addCheckpoint(body(0, List.of(), four)).status()).isEqualTo(200);

    // 409 with the witness's size when the old size is not the one it cosigned
    Witness.Answer conflict = witness.addCheckpoint(body(0, List.of(), four));
    assertThat(conflict.status()).isEqualTo(409);
    assertThat(conflict.contentType()).isEqualTo("text/x.tlog.size");
    assertThat(conflict.body()).isEqualTo("4\n");
    // 400: old size above the checkpoint's; and a body that is not a request
    assertThat(witness.addCheckpoint(body(9, List.of(), four)).status()).isEqualTo(400);
    assertThat(witness.addCheckpoint("hello\n").status()).isEqualTo(400);
    // 404: a log the witness does not know
    KeyPair other = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    Ed25519NoteKey stranger = Ed25519NoteKey.signer("stranger.example/log", other.getPublic(), other.getPrivate());
    SignedNote foreign = SignedNote.sign(new TlogCheckpoint("stranger.example/log", 4, tree.root(), List.of()).text(),
        stranger);
    assertThat(witness.addCheckpoint(body(0, List.of(), foreign)).status()).isEqualTo(404);
    // 403: the right origin signed by someone else's key
    Ed25519NoteKey impostor = Ed25519NoteKey.signer(ORIGIN, other.getPublic(), other.getPrivate());
    assertThat(witness.addCheckpoint(body(4, List.of(), checkpoint(tree, impostor))).status()).isEqualTo(403);
    // 200 again for the same tree head, re-cosigned
    assertThat(witness.addCheckpoint(body(4, List.of(), four)).status()).isEqualTo(200);
  }

  @Test
  void refusesARewrittenLogAndRemembersAcrossRestarts() {
    grow(tree, 8, "a");
    assertThat(witness.addCheckpoint(body(0, List.of(), checkpoint(tree, logKey))).status()).isEqualTo(200);

    // The insider rewrites leaf 3 and rebuilds the tree; signed with the log's own key.
    MerkleLog forged = new MerkleLog();
    grow(forged, 3, "a");
    forged.append(Merkle.leafHash("fail->pass".getBytes(StandardCharsets.UTF_8)));
    for (long i = 4; i < 8; i++) {
      forged.append(Merkle.leafHash(("a" + i).getBytes(StandardCharsets.UTF_8)));
    }
    // Same size, other root: 409.
    assertThat(witness.addCheckpoint(body(8, List.of(), checkpoint(forged, logKey))).status()).isEqualTo(409);
    // Grown further, the consistency proof from 8 cannot verify: 422.
    grow(forged, 3, "c");
    Witness.Answer rewritten = witness.addCheckpoint(body(8, forged.consistencyProof(8, 11), checkpoint(forged, logKey)));
    assertThat(rewritten.status()).isEqualTo(422);

    // A restarted witness (same state directory) still holds the genuine size 8.
    Witness restarted = new Witness(CosignatureKey.loadOrCreate(dir.resolve("witness.key"), "ignored", CLOCK),
        Map.of(ORIGIN, List.<NoteVerifier>of(logKey)), new WitnessState(dir.resolve("state")));
    assertThat(restarted.key()).isEqualTo(witnessKey);
    assertThat(restarted.addCheckpoint(body(0, List.of(), checkpoint(forged, logKey))).body()).isEqualTo("8\n");
    grow(tree, 3, "c");
    assertThat(restarted.addCheckpoint(body(8, tree.consistencyProof(8, 11), checkpoint(tree, logKey))).status())
        .isEqualTo(200);
  }

  /**
   * Vectors made by the Go witness (transparency-dev/witness, persistence/sqlite/sql_test.go, TestDeadlock): a
   * log "monkeys" signed by Go's sumdb/note at sizes 5 and 8, a consistency proof between them computed by Go,
   * and a witness signer key as Go's note.GenerateKey writes it. This witness takes all of them.
   */
  @Test
  void interoperatesWithTheGoWitnessVectors() {
    Ed25519NoteKey monkeys = Ed25519NoteKey.parseVerifierKey("monkeys+db4d9f7e+AULaJMvTtDLHPUcUrjdDad9vDlh/PTfC2VV60JUtCfWT");
    CosignatureKey goKey = CosignatureKey.parseSignerKey(
        "PRIVATE+KEY+witness+f13a86db+AaLa/dfyBhyo/m0Z7WCi98ENVZWtrP8pxgRNrx7tIWiA", CLOCK);
    Witness go = new Witness(goKey, Map.of("monkeys", List.<NoteVerifier>of(monkeys)),
        new WitnessState(dir.resolve("go-state")));
    String init = "monkeys\n5\n41smjBUiAU70EtKlT6lIOIYtRTYxYXsDB+XHfcvu/BE=\n\n\u2014 monkeys "
        + "202fftzGl3LVoqjXfwCFZZXs8I+5G22+Ek2K0AOyBuSJ/8/CZawNF+6fNlTKOCd622pbzJNkkJFWuw9DbicZCkEx9AY=\n";
    String next = "monkeys\n8\nV8K9aklZ4EPB+RMOk1/8VsJUdFZR77GDtZUQq84vSbo=\n\n\u2014 monkeys "
        + "202ffoUEboiQYpHzICeaFmoy3RNviHTpAxYrq/eO4QQVQMvu9UebKBMX2MJC76NLthZaKsnKbCA8GxrjePZhvDCH7Ag=\n";
    java.util.HexFormat hex = java.util.HexFormat.of();
    List<byte[]> proof = List.of(
        hex.parseHex("b9e1d62618f7fee8034e4c5010f727ab24d8e4705cb296c374bf2025a87a10d2"),
        hex.parseHex("aac66cd7a79ce4012d80762fe8eec3a77f22d1ca4145c3f4cee022e7efcd599d"),
        hex.parseHex("89d0f753f66a290c483b39cd5e9eafb12021293395fad3d4a2ad053cfbcfdc9e"),
        hex.parseHex("29e40bb79c966f4c6fe96aff6f30acfce5f3e8d84c02215175d6e018a5dee833"));

    assertThat(go.addCheckpoint(new AddCheckpoint(0, List.of(), init).format()).status()).isEqualTo(200);
    Witness.Answer answer = go.addCheckpoint(new AddCheckpoint(5, proof, next).format());
    assertThat(answer.status()).isEqualTo(200);
    // A root changed after Go signed it no longer carries the log's signature.
    Witness.Answer forged = go.addCheckpoint(new AddCheckpoint(8, List.of(), next.replace("V8K9", "W8K9")).format());
    assertThat(forged.status()).isEqualTo(403);

    // Its cosignature verifies under the cosignature/v1 form of the key, with the key ID Go computes
    // (SHA-256("witness\n" || 0x04 || public key)[:4]), and under the plain 0x01 verifier key form as well.
    SignedNote cosigned = SignedNote.parse(next + answer.body());
    CosignatureKey published = CosignatureKey.parseVerifierKey(goKey.verifierKey());
    assertThat(goKey.verifierKey()).startsWith("witness+");
    assertThat(new WitnessPolicy(List.of(published), 1).check(cosigned).ok()).isTrue();
    assertThat(cosigned.isSignedBy(monkeys)).isTrue();
    byte[] raw = Arrays.copyOfRange(Base64.getDecoder().decode(goKey.verifierKey().split("\\+", 3)[2]), 1, 33);
    String plainVkey = Ed25519NoteKey.verifier("witness", Ed25519NoteKey.publicKeyFromRaw(raw)).verifierKey();
    assertThat(new WitnessPolicy(List.of(CosignatureKey.parseVerifierKey(plainVkey)), 1).check(cosigned).ok())
        .isTrue();
  }
}
