package io.kanyan.recorder.log.note;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * An Ed25519 note key (C2SP signed-note signature type {@code 0x01}): a verifier always, a signer too when
 * it holds the private key. Key ID = the first four bytes of SHA-256(key name || 0x0A || 0x01 || 32-byte
 * public key). The verifier key text is the Go {@code sumdb/note} form
 * {@code <name>+<key ID as 8 hex digits>+<base64(0x01 || public key)>}.
 */
public final class Ed25519NoteKey implements NoteVerifier, NoteSigner {

  /** Signature type byte of plain Ed25519 note signatures. */
  public static final byte TYPE_ED25519 = 0x01;
  private static final byte[] SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");
  private static final byte[] PKCS8_PREFIX = HexFormat.of().parseHex("302e020100300506032b657004220420");

  private final String name;
  private final byte[] publicRaw;
  private final PublicKey publicKey;
  private final PrivateKey privateKey;
  private final int keyId;

  private Ed25519NoteKey(String name, PublicKey publicKey, PrivateKey privateKey) {
    checkKeyName(name);
    this.name = name;
    this.publicKey = publicKey;
    this.privateKey = privateKey;
    this.publicRaw = rawPublicKey(publicKey);
    this.keyId = keyId(name, TYPE_ED25519, publicRaw);
  }

  /** A verifier for a JDK Ed25519 public key under {@code name}. */
  public static Ed25519NoteKey verifier(String name, PublicKey publicKey) {
    return new Ed25519NoteKey(name, publicKey, null);
  }

  /** A signer (and verifier) for a JDK Ed25519 key pair under {@code name}. */
  public static Ed25519NoteKey signer(String name, PublicKey publicKey, PrivateKey privateKey) {
    return new Ed25519NoteKey(name, publicKey, privateKey);
  }

  /** Parses a verifier key {@code <name>+<hex key ID>+<base64(0x01 || public key)>}; checks the key ID. */
  public static Ed25519NoteKey parseVerifierKey(String vkey) {
    int plus1 = vkey.indexOf('+');
    int plus2 = plus1 < 0 ? -1 : vkey.indexOf('+', plus1 + 1);
    if (plus1 <= 0 || plus2 < 0) {
      throw new MalformedNoteException("a verifier key is <name>+<key id>+<key>: " + vkey);
    }
    String name = vkey.substring(0, plus1);
    byte[] key = decode(vkey.substring(plus2 + 1), "verifier key");
    if (key.length != 33 || key[0] != TYPE_ED25519) {
      throw new MalformedNoteException("not an Ed25519 verifier key: " + name);
    }
    Ed25519NoteKey parsed = verifier(name, publicKeyFromRaw(Arrays.copyOfRange(key, 1, 33)));
    checkId(vkey.substring(plus1 + 1, plus2), parsed.keyId, name);
    return parsed;
  }

  /** Parses a Go-style signer key {@code PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>} (tests, tools). */
  public static Ed25519NoteKey parseSignerKey(String skey) {
    String prefix = "PRIVATE+KEY+";
    if (!skey.startsWith(prefix)) {
      throw new MalformedNoteException("a signer key starts with " + prefix);
    }
    String rest = skey.substring(prefix.length());
    int plus1 = rest.indexOf('+');
    int plus2 = plus1 < 0 ? -1 : rest.indexOf('+', plus1 + 1);
    if (plus1 <= 0 || plus2 < 0) {
      throw new MalformedNoteException("a signer key is PRIVATE+KEY+<name>+<key id>+<key>");
    }
    String name = rest.substring(0, plus1);
    byte[] key = decode(rest.substring(plus2 + 1), "signer key");
    if (key.length != 33 || key[0] != TYPE_ED25519) {
      throw new MalformedNoteException("not an Ed25519 signer key: " + name);
    }
    try {
      KeyFactory factory = KeyFactory.getInstance("Ed25519");
      PrivateKey privateKey = factory.generatePrivate(new PKCS8EncodedKeySpec(
          concat(PKCS8_PREFIX, Arrays.copyOfRange(key, 1, 33))));
      PublicKey publicKey = publicKeyOf(privateKey);
      Ed25519NoteKey parsed = signer(name, publicKey, privateKey);
      checkId(rest.substring(plus1 + 1, plus2), parsed.keyId, name);
      return parsed;
    } catch (GeneralSecurityException e) {
      throw new MalformedNoteException("unusable Ed25519 signer key " + name + ": " + e.getMessage());
    }
  }

  /** The public key of a private key, derived by the JDK from the private key's seed. */
  private static PublicKey publicKeyOf(PrivateKey privateKey) throws GeneralSecurityException {
    // The JDK has no public "derive public key" call for EdDSA; sun.security.ec.ed.EdDSAOperations is
    // internal. A KeyPairGenerator seeded with the private key's seed derives the same pair.
    byte[] seed = Arrays.copyOfRange(privateKey.getEncoded(), PKCS8_PREFIX.length, PKCS8_PREFIX.length + 32);
    java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("Ed25519");
    generator.initialize(java.security.spec.NamedParameterSpec.ED25519, new FixedRandom(seed));
    return generator.generateKeyPair().getPublic();
  }

  /** Hands out exactly the given bytes: makes the JDK's key generator derive the pair of a known seed. */
  private static final class FixedRandom extends java.security.SecureRandom {
    private static final long serialVersionUID = 1L;
    private final byte[] bytes;

    FixedRandom(byte[] bytes) {
      this.bytes = bytes.clone();
    }

    @Override
    public void nextBytes(byte[] out) {
      System.arraycopy(bytes, 0, out, 0, Math.min(out.length, bytes.length));
    }
  }

  /** The verifier key text {@code <name>+<hex key ID>+<base64(0x01 || public key)>}, to publish. */
  public String verifierKey() {
    return name + "+" + String.format("%08x", keyId) + "+"
        + Base64.getEncoder().encodeToString(concat(new byte[] {TYPE_ED25519}, publicRaw));
  }

  /** SHA-256(name || 0x0A || type || public key)[:4] as a big-endian int. */
  public static int keyId(String name, byte type, byte[] publicKey) {
    MessageDigest sha = sha256();
    sha.update(name.getBytes(StandardCharsets.UTF_8));
    sha.update((byte) 0x0A);
    sha.update(type);
    return ByteBuffer.wrap(sha.digest(publicKey)).getInt();
  }

  /** Key names are non-empty, without Unicode spaces or {@code +}. */
  public static void checkKeyName(String name) {
    if (name == null || name.isEmpty() || name.indexOf('+') >= 0
        || name.codePoints().anyMatch(c -> Character.isWhitespace(c) || Character.isSpaceChar(c)
            || Character.isISOControl(c))) {
      throw new MalformedNoteException("a note key name must be non-empty, without spaces or '+': '" + name + "'");
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

  public PublicKey publicKey() {
    return publicKey;
  }

  /** The 32-byte RFC 8032 public key. */
  public byte[] publicKeyRaw() {
    return publicRaw.clone();
  }

  @Override
  public byte[] sign(byte[] text) {
    if (privateKey == null) {
      throw new IllegalStateException("note key " + name + " is a verifier only");
    }
    try {
      Signature signature = Signature.getInstance("Ed25519");
      signature.initSign(privateKey);
      signature.update(text);
      return signature.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 signing failed", e);
    }
  }

  @Override
  public boolean verify(byte[] text, byte[] sig) {
    try {
      Signature signature = Signature.getInstance("Ed25519");
      signature.initVerify(publicKey);
      signature.update(text);
      return signature.verify(sig);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  /** The 32 raw bytes of a JDK Ed25519 public key (the end of its X.509 encoding). */
  public static byte[] rawPublicKey(PublicKey key) {
    byte[] der = key.getEncoded();
    if (der.length != SPKI_PREFIX.length + 32
        || !Arrays.equals(Arrays.copyOf(der, SPKI_PREFIX.length), SPKI_PREFIX)) {
      throw new MalformedNoteException("not an Ed25519 public key");
    }
    return Arrays.copyOfRange(der, SPKI_PREFIX.length, der.length);
  }

  /** A JDK public key from 32 raw RFC 8032 bytes. */
  public static PublicKey publicKeyFromRaw(byte[] raw) {
    if (raw.length != 32) {
      throw new MalformedNoteException("an Ed25519 public key is 32 bytes, not " + raw.length);
    }
    try {
      return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(concat(SPKI_PREFIX, raw)));
    } catch (GeneralSecurityException e) {
      throw new MalformedNoteException("not an Ed25519 public key: " + e.getMessage());
    }
  }

  private static void checkId(String hex, int expected, String name) {
    if (!hex.matches("[0-9a-f]{8}") || Integer.parseUnsignedInt(hex, 16) != expected) {
      throw new MalformedNoteException("the key ID " + hex + " of note key " + name + " does not match its key");
    }
  }

  private static byte[] decode(String base64, String what) {
    try {
      return Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new MalformedNoteException("the " + what + " is not base64");
    }
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-256", e);
    }
  }
}
