package io.kanyan.recorder.witness;

import io.kanyan.recorder.log.note.Ed25519NoteKey;
import io.kanyan.recorder.log.note.MalformedNoteException;
import io.kanyan.recorder.log.note.NoteSigner;
import io.kanyan.recorder.log.note.NoteVerifier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * A witness's Ed25519 cosigning key (c2sp.org/tlog-cosignature, cosignature/v1, signature type {@code 0x04}).
 * A cosignature is {@code u64 timestamp || Ed25519 signature} over
 * {@code "cosignature/v1\ntime <timestamp>\n" || checkpoint text}. Key ID = SHA-256(name || 0x0A || 0x04 ||
 * public key)[:4]. As a {@link NoteVerifier} it checks cosignature lines with {@code SignedNote.verifiedBy}.
 *
 * <p>Keys are written as Go-style texts: verifier key {@code <name>+<hex id>+<base64(0x04 || public key)>};
 * signer key {@code PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || 32-byte seed)>}, a plain Ed25519 note key as
 * the Go witness (transparency-dev) keeps it. Ed25519 through BouncyCastle's
 * lightweight API, which derives the public key from the seed (the JDK has no call for that).
 */
public final class CosignatureKey implements NoteSigner, NoteVerifier {

  public static final byte TYPE_COSIGNATURE_V1 = 0x04;
  private static final String SIGNER_PREFIX = "PRIVATE+KEY+";

  private final String name;
  private final Ed25519PublicKeyParameters publicKey;
  private final Ed25519PrivateKeyParameters privateKey;
  private final int keyId;
  private final Clock clock;

  private CosignatureKey(String name, Ed25519PublicKeyParameters publicKey, Ed25519PrivateKeyParameters privateKey,
      Clock clock) {
    Ed25519NoteKey.checkKeyName(name);
    this.name = name;
    this.publicKey = publicKey;
    this.privateKey = privateKey;
    this.clock = clock;
    this.keyId = Ed25519NoteKey.keyId(name, TYPE_COSIGNATURE_V1, publicKey.getEncoded());
  }

  /** A new random key. */
  public static CosignatureKey generate(String name, Clock clock) {
    Ed25519PrivateKeyParameters key = new Ed25519PrivateKeyParameters(new SecureRandom());
    return new CosignatureKey(name, key.generatePublicKey(), key, clock);
  }

  /**
   * Parses a verifier key {@code <name>+<hex id>+<base64(type || key)>}, checking its key ID: type 0x04 (the
   * cosignature/v1 form) or 0x01 (a plain Ed25519 note key, which Go's {@code NewVerifierForCosignatureV1} also
   * takes; its key ID is then the 0x01 one).
   */
  public static CosignatureKey parseVerifierKey(String vkey) {
    String[] parts = vkey.trim().split("\\+", 3);
    if (parts.length != 3 || parts[0].isEmpty()) {
      throw new MalformedNoteException("a witness verifier key is <name>+<key id>+<key>: " + vkey);
    }
    byte[] key = decode(parts[2]);
    if (key.length != 33 || (key[0] != TYPE_COSIGNATURE_V1 && key[0] != Ed25519NoteKey.TYPE_ED25519)) {
      throw new MalformedNoteException("not an Ed25519 witness key (type 0x04 or 0x01): " + parts[0]);
    }
    CosignatureKey parsed = new CosignatureKey(parts[0], new Ed25519PublicKeyParameters(key, 1), null,
        Clock.systemUTC());
    checkId(parts[1], parts[0], key);
    return parsed;
  }

  /**
   * Parses a signer key {@code PRIVATE+KEY+<name>+<hex id>+<base64(type || seed)>}: type 0x01 (a plain Ed25519
   * note key, as Go's {@code note.GenerateKey} writes and {@code NewSignerForCosignatureV1} reads) or 0x04.
   */
  public static CosignatureKey parseSignerKey(String skey, Clock clock) {
    if (!skey.startsWith(SIGNER_PREFIX)) {
      throw new MalformedNoteException("a witness signer key starts with " + SIGNER_PREFIX);
    }
    String[] parts = skey.trim().substring(SIGNER_PREFIX.length()).split("\\+", 3);
    if (parts.length != 3) {
      throw new MalformedNoteException("a witness signer key is PRIVATE+KEY+<name>+<key id>+<key>");
    }
    byte[] key = decode(parts[2]);
    if (key.length != 33 || (key[0] != TYPE_COSIGNATURE_V1 && key[0] != Ed25519NoteKey.TYPE_ED25519)) {
      throw new MalformedNoteException("not an Ed25519 witness signer key (type 0x01 or 0x04): " + parts[0]);
    }
    Ed25519PrivateKeyParameters privateKey = new Ed25519PrivateKeyParameters(key, 1);
    CosignatureKey parsed = new CosignatureKey(parts[0], privateKey.generatePublicKey(), privateKey, clock);
    byte[] typedPublic = new byte[33];
    typedPublic[0] = key[0];
    System.arraycopy(parsed.publicKey.getEncoded(), 0, typedPublic, 1, 32);
    checkId(parts[1], parts[0], typedPublic);
    return parsed;
  }

  /**
   * Loads the signer key from {@code file}, or generates one named {@code name} there (mode 0600) with its
   * verifier key in {@code <file>.pub}. Blocking.
   */
  public static CosignatureKey loadOrCreate(Path file, String name, Clock clock) {
    try {
      if (Files.exists(file)) {
        return parseSignerKey(Files.readString(file, StandardCharsets.US_ASCII), clock);
      }
      CosignatureKey key = generate(name, clock);
      Files.createDirectories(file.toAbsolutePath().getParent());
      try {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (FileAlreadyExistsException e) {
        throw new IOException("refusing to overwrite the witness key " + file, e);
      }
      Files.writeString(file, key.signerKey() + "\n", StandardCharsets.US_ASCII);
      Files.writeString(file.resolveSibling(file.getFileName() + ".pub"), key.verifierKey() + "\n",
          StandardCharsets.US_ASCII);
      return key;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the witness key " + file, e);
    }
  }

  @Override
  public String keyName() {
    return name;
  }

  @Override
  public int keyId() {
    return keyId;
  }

  /** The verifier key text, to give to the logs and auditors that rely on this witness. */
  public String verifierKey() {
    return name + "+" + String.format("%08x", keyId) + "+" + Base64.getEncoder().encodeToString(typed(publicKey
        .getEncoded()));
  }

  /** Written as a plain Ed25519 note key (type 0x01), so that Go's witness tools read the same file. */
  private String signerKey() {
    byte[] seed = new byte[33];
    seed[0] = Ed25519NoteKey.TYPE_ED25519;
    System.arraycopy(privateKey.getEncoded(), 0, seed, 1, 32);
    return SIGNER_PREFIX + name + "+" + String.format("%08x", Ed25519NoteKey.keyId(name, Ed25519NoteKey.TYPE_ED25519,
        publicKey.getEncoded())) + "+" + Base64.getEncoder().encodeToString(seed);
  }

  /** Cosigns a checkpoint text now: {@code u64 timestamp || Ed25519 signature}. */
  @Override
  public byte[] sign(byte[] checkpointText) {
    if (privateKey == null) {
      throw new IllegalStateException("witness key " + name + " is a verifier only");
    }
    long time = clock.instant().getEpochSecond();
    Ed25519Signer signer = new Ed25519Signer();
    signer.init(true, privateKey);
    byte[] message = message(time, checkpointText);
    signer.update(message, 0, message.length);
    return ByteBuffer.allocate(8 + 64).putLong(time).put(signer.generateSignature()).array();
  }

  @Override
  public boolean verify(byte[] checkpointText, byte[] cosignature) {
    if (cosignature.length != 72) {
      return false;
    }
    long time = ByteBuffer.wrap(cosignature).getLong();
    if (time < 0) {
      return false;
    }
    Ed25519Signer verifier = new Ed25519Signer();
    verifier.init(false, publicKey);
    byte[] message = message(time, checkpointText);
    verifier.update(message, 0, message.length);
    return verifier.verifySignature(Arrays.copyOfRange(cosignature, 8, 72));
  }

  /** The time a cosignature states (its first eight bytes). */
  public static Instant timeOf(byte[] cosignature) {
    return Instant.ofEpochSecond(ByteBuffer.wrap(cosignature).getLong());
  }

  private static byte[] message(long time, byte[] checkpointText) {
    byte[] header = ("cosignature/v1\ntime " + time + "\n").getBytes(StandardCharsets.US_ASCII);
    byte[] message = Arrays.copyOf(header, header.length + checkpointText.length);
    System.arraycopy(checkpointText, 0, message, header.length, checkpointText.length);
    return message;
  }

  private static byte[] typed(byte[] key) {
    byte[] out = new byte[1 + key.length];
    out[0] = TYPE_COSIGNATURE_V1;
    System.arraycopy(key, 0, out, 1, key.length);
    return out;
  }

  /** The key ID written in a key text is that of its own type: SHA-256(name || 0x0A || type || key)[:4]. */
  private static void checkId(String hex, String name, byte[] typedPublic) {
    int expected = Ed25519NoteKey.keyId(name, typedPublic[0], java.util.Arrays.copyOfRange(typedPublic, 1, 33));
    if (!hex.matches("[0-9a-f]{8}") || Integer.parseUnsignedInt(hex, 16) != expected) {
      throw new MalformedNoteException("the key ID " + hex + " of witness key " + name + " does not match its key");
    }
  }

  private static byte[] decode(String base64) {
    try {
      return Base64.getDecoder().decode(base64.trim());
    } catch (IllegalArgumentException e) {
      throw new MalformedNoteException("a witness key is not base64");
    }
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof CosignatureKey k && k.name.equals(name) && k.keyId == keyId
        && Arrays.equals(k.publicKey.getEncoded(), publicKey.getEncoded());
  }

  @Override
  public int hashCode() {
    return keyId;
  }

  @Override
  public String toString() {
    return verifierKey();
  }
}
