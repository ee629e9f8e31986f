package io.kanyan.recorder.log.note;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The signed-note codec against the reference vectors of Go's {@code golang.org/x/mod/sumdb/note}
 * ({@code note_test.go}: the PeterNeumann key pair and note) and the C2SP signed-note rules.
 */
class SignedNoteTest {

  static final String VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
  static final String SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
  static final String TEXT = "If you think cryptography is the answer to your problem,\n"
      + "then you don't know what your problem is.\n";
  static final String SIG_LINE =
      "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
  static final String NOTE = TEXT + "\n" + SIG_LINE;

  @Test
  void signingTheGoExampleReproducesItsNoteByteForByte() {
    Ed25519NoteKey signer = Ed25519NoteKey.parseSignerKey(SKEY);
    assertThat(signer.keyId()).isEqualTo(0xc74f20a3);
    assertThat(signer.verifierKey()).isEqualTo(VKEY);
    assertThat(SignedNote.sign(TEXT, signer).format()).isEqualTo(NOTE);
  }

  @Test
  void theGoExampleVerifiesWithItsVerifierKey() {
    Ed25519NoteKey verifier = Ed25519NoteKey.parseVerifierKey(VKEY);
    SignedNote note = SignedNote.parse(NOTE);
    assertThat(note.text()).isEqualTo(TEXT);
    assertThat(note.signatures()).hasSize(1);
    assertThat(note.verifiedBy(List.of(verifier))).containsExactly(verifier);
    assertThat(note.format()).isEqualTo(NOTE);
  }

  @Test
  void anAlteredTextIsRejectedByAKnownKey() {
    Ed25519NoteKey verifier = Ed25519NoteKey.parseVerifierKey(VKEY);
    SignedNote forged = SignedNote.parse(NOTE.replace("cryptography", "cryptographY"));
    assertThatThrownBy(() -> forged.verifiedBy(List.of(verifier))).hasMessageContaining("does not verify");
    assertThat(forged.isSignedBy(verifier)).isFalse();
  }

  @Test
  void signaturesOfUnknownKeysAreIgnoredEvenWithAKnownNameOrId() throws Exception {
    Ed25519NoteKey peter = Ed25519NoteKey.parseSignerKey(SKEY);
    KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    Ed25519NoteKey other = Ed25519NoteKey.signer("PeterNeumann", pair.getPublic(), pair.getPrivate());
    SignedNote both = SignedNote.sign(TEXT, other, peter);
    assertThat(both.verifiedBy(List.of(peter))).containsExactly(peter);
    SignedNote onlyOther = SignedNote.sign(TEXT, other);
    assertThat(onlyOther.verifiedBy(List.of(peter))).isEmpty();
    assertThat(onlyOther.isSignedBy(peter)).isFalse();
  }

  @Test
  void aCosignatureCanBeAddedAndTheNoteStillParses() throws Exception {
    Ed25519NoteKey peter = Ed25519NoteKey.parseSignerKey(SKEY);
    KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    Ed25519NoteKey witness = Ed25519NoteKey.signer("witness.example/w1", pair.getPublic(), pair.getPrivate());
    SignedNote note = SignedNote.parse(NOTE);
    SignedNote cosigned = note.withSignature(SignedNote.sign(TEXT, witness).signatures().get(0));
    SignedNote reparsed = SignedNote.parse(cosigned.format());
    assertThat(reparsed.verifiedBy(List.of(peter, witness))).containsExactly(peter, witness);
  }

  @Test
  void malformedNotesAreRefusedWithAReason() {
    assertThatThrownBy(() -> SignedNote.parse(TEXT + SIG_LINE)).hasMessageContaining("no blank line");
    assertThatThrownBy(() -> SignedNote.parse(NOTE.stripTrailing())).hasMessageContaining("end with a newline");
    assertThatThrownBy(() -> SignedNote.parse(TEXT + "\n")).hasMessageContaining("no signature lines");
    assertThatThrownBy(() -> SignedNote.parse(NOTE.replace("problem,", "problem,\t")))
        .hasMessageContaining("control characters");
    assertThatThrownBy(() -> SignedNote.parse(TEXT + "\n— PeterNeumann AAAA\n")).hasMessageContaining("shorter");
    assertThatThrownBy(() -> SignedNote.parse(TEXT + "\n- PeterNeumann x08go/ZJ=\n")).hasMessageContaining("em dash");
    assertThatThrownBy(() -> Ed25519NoteKey.parseVerifierKey(VKEY.replace("c74f20a3", "c74f20a4")))
        .hasMessageContaining("does not match");
    assertThatThrownBy(() -> Ed25519NoteKey.parseVerifierKey("PeterNeumann+c74f20a3")).isInstanceOf(MalformedNoteException.class);
  }

  @Test
  void theTextMayHoldBlankLinesAndTheLastBlankLineSeparatesTheSignatures() {
    Ed25519NoteKey peter = Ed25519NoteKey.parseSignerKey(SKEY);
    String text = "one\n\ntwo\n";
    SignedNote parsed = SignedNote.parse(SignedNote.sign(text, peter).format());
    assertThat(parsed.text()).isEqualTo(text);
    assertThat(parsed.isSignedBy(peter)).isTrue();
  }

  @Test
  void keyIdFollowsTheSpecFormula() {
    Ed25519NoteKey verifier = Ed25519NoteKey.parseVerifierKey(VKEY);
    byte[] raw = Base64.getDecoder().decode("ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
    assertThat(Ed25519NoteKey.keyId("PeterNeumann", (byte) 1, java.util.Arrays.copyOfRange(raw, 1, 33)))
        .isEqualTo(verifier.keyId()).isEqualTo(0xc74f20a3);
  }
}
