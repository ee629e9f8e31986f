package io.kanyan.recorder.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_CLASS;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_LABEL;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_VALUE;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKO_PRIVATE_KEY;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKU_USER;

import io.kanyan.recorder.log.note.Ed25519NoteKey;
import io.kanyan.recorder.log.note.SignedNote;
import io.kanyan.recorder.log.note.TlogCheckpoint;
import io.kanyan.recorder.testing.SoftHsm;
import io.kanyan.recorder.trail.SigningKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xipki.pkcs11.wrapper.AttributeVector;
import org.xipki.pkcs11.wrapper.PKCS11Module;
import org.xipki.pkcs11.wrapper.Session;
import org.xipki.pkcs11.wrapper.TokenException;

/** The checkpoint key in a real SoftHSM2 token, generated there by pkcs11-tool. */
class Pkcs11Ed25519KeyTest {

  private static final String CHECKPOINT = "kanyan.example/log\n42\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

  @TempDir
  static Path dir;
  private static SoftHsm hsm;
  private static Path pinFile;

  @BeforeAll
  static void token() throws Exception {
    hsm = SoftHsm.create(dir, "kanyan-test");
    hsm.generateEd25519("checkpoint", "01");
    hsm.generateExtractableEd25519("leaky", "02");
    pinFile = Files.writeString(dir.resolve("pin"), SoftHsm.USER_PIN + "\n");
  }

  private static Map<String, String> env(String keyLabel) {
    return Map.of(Pkcs11Settings.MODULE, SoftHsm.MODULE.toString(), Pkcs11Settings.TOKEN_LABEL, hsm.tokenLabel(),
        Pkcs11Settings.KEY_LABEL, keyLabel, Pkcs11Settings.PIN_FILE, pinFile.toString());
  }

  @Test
  void signsInTheTokenWhatThePublishedPublicKeyVerifies() {
    byte[] text = CHECKPOINT.getBytes(StandardCharsets.UTF_8);
    try (Pkcs11Ed25519Key key = Pkcs11Ed25519Key.open(Pkcs11Settings.from(env("checkpoint")).orElseThrow())) {
      byte[] signature = key.sign(text);

      // The public key as pkcs11-tool exports it is the one the signer reports...
      String exported = hsm.pkcs11Tool("--read-object", "--type", "pubkey", "--label", "checkpoint",
          "-o", dir.resolve("checkpoint.pub").toString());
      assertThat(exported).doesNotContain("error");
      assertThat(SigningKey.parsePublicKeyPem(readString(dir.resolve("checkpoint.pub"))).getEncoded())
          .isEqualTo(key.publicKey().getEncoded());
      // ...and the JDK's Ed25519 verifies the token's signature with it, and only for this text.
      assertThat(signature).hasSize(64);
      assertThat(SigningKey.verify(key.publicKey(), text, signature)).isTrue();
      assertThat(SigningKey.verify(key.publicKey(), (CHECKPOINT + "x").getBytes(StandardCharsets.UTF_8), signature))
          .isFalse();
    }
  }

  @Test
  void signsACheckpointNoteThatItsVerifierKeyAccepts() {
    try (Pkcs11Ed25519Key key = Pkcs11Ed25519Key.open(Pkcs11Settings.from(env("checkpoint")).orElseThrow())) {
      TlogCheckpoint checkpoint = TlogCheckpoint.parse(CHECKPOINT);
      String note = SignedNote.sign(checkpoint.text(), key.noteSigner("kanyan.example/log")).format();

      Ed25519NoteKey published = Ed25519NoteKey.parseVerifierKey(
          Ed25519NoteKey.verifier("kanyan.example/log", key.publicKey()).verifierKey());
      SignedNote parsed = SignedNote.parse(note);
      assertThat(parsed.isSignedBy(published)).isTrue();
      assertThat(TlogCheckpoint.parse(parsed.text())).isEqualTo(checkpoint);
      SignedNote altered = SignedNote.parse(note.replace("\n42\n", "\n43\n"));
      assertThat(altered.isSignedBy(published)).isFalse();
    }
  }

  @Test
  void thePrivateKeyCannotBeReadFromTheToken() throws Exception {
    // Asking the token for the private key's value (CKA_VALUE), logged in with the PIN, yields no key bytes.
    PKCS11Module module = PKCS11Module.getInstance(SoftHsm.MODULE.toString());
    module.initialize();
    try {
      Session session = module.getSlotList(true)[0].getToken().openSession(false);
      session.login(CKU_USER, SoftHsm.USER_PIN.toCharArray());
      long[] handles = session.findObjectsSingle(new AttributeVector().attr(CKA_CLASS, CKO_PRIVATE_KEY)
          .attr(CKA_LABEL, "checkpoint"), 2);
      assertThat(handles).hasSize(1);
      byte[] value;
      try {
        value = session.getAttrValues(handles[0], CKA_VALUE).getByteArrayAttrValue(CKA_VALUE);
      } catch (TokenException refused) {
        value = null;
        assertThat(refused.getMessage()).contains("SENSITIVE");
      }
      assertThat(value).isNull();
    } finally {
      module.finalize(null);
    }
  }

  @Test
  void refusesAKeyTheTokenWouldLetOut() {
    assertThatThrownBy(() -> Pkcs11Ed25519Key.open(Pkcs11Settings.from(env("leaky")).orElseThrow()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("can leave the token");
  }

  @Test
  void namesWhatIsMissingAndNeverPrintsThePin() {
    assertThat(Pkcs11Settings.from(Map.of())).isEmpty();
    assertThatThrownBy(() -> Pkcs11Settings.from(Map.of(Pkcs11Settings.MODULE, SoftHsm.MODULE.toString(),
        Pkcs11Settings.KEY_LABEL, "checkpoint")))
        .hasMessageContaining(Pkcs11Settings.PIN_FILE);
    assertThatThrownBy(() -> Pkcs11Ed25519Key.open(Pkcs11Settings.from(env("absent")).orElseThrow()))
        .hasMessageContaining("no Ed25519 private key labelled 'absent'");
    Pkcs11Settings settings = Pkcs11Settings.from(env("checkpoint")).orElseThrow();
    assertThat(settings.toString()).contains("kanyan-test", "checkpoint").doesNotContain(SoftHsm.USER_PIN);
  }

  private static String readString(Path file) {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
