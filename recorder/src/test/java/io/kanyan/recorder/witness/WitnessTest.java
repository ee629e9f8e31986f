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
}
