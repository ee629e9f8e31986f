package io.kanyan.recorder.trail;

import io.kanyan.recorder.keys.Pkcs11Ed25519Key;
import io.kanyan.recorder.keys.Pkcs11Settings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ed25519 key pair that signs checkpoints. Kept as PEM files (PKCS#8 private key, mode 0600;
 * X.509 SubjectPublicKeyInfo public key) and generated on first start. Loading is blocking file I/O:
 * call {@link #loadOrCreate} from {@code executeBlocking}.
 */
public final class SigningKey {

  private static final Logger log = LoggerFactory.getLogger(SigningKey.class);
  public static final String ALGORITHM = "Ed25519";

  private final PrivateKey privateKey;
  private final PublicKey publicKey;
  /** Set when the private key lives in a PKCS#11 token (then {@link #privateKey} is null). */
  private final Pkcs11Ed25519Key token;

  private SigningKey(PrivateKey privateKey, PublicKey publicKey) {
    this.privateKey = privateKey;
    this.publicKey = publicKey;
    this.token = null;
  }

  private SigningKey(Pkcs11Ed25519Key token) {
    this.privateKey = null;
    this.publicKey = token.publicKey();
    this.token = token;
  }

  /**
   * The key in a PKCS#11 token when {@code token} is configured, else the PEM file (generated on first start).
   * Blocking.
   */
  public static SigningKey load(Path privateKeyFile, Optional<Pkcs11Settings> token) {
    return token.isPresent() ? new SigningKey(Pkcs11Ed25519Key.open(token.get())) : loadOrCreate(privateKeyFile);
  }

  /** Closes the token session, if the key is in a token. Blocking. */
  public void close() {
    if (token != null) {
      token.close();
    }
  }

  /** True when the private key is in a token, not in the data directory. */
  public boolean inToken() {
    return token != null;
  }

  /** A key held in memory only (tests, benchmarks). */
  public static SigningKey generate() {
    try {
      KeyPair pair = KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
      return new SigningKey(pair.getPrivate(), pair.getPublic());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK lacks Ed25519", e);
    }
  }

  /**
   * Loads the key pair from {@code privateKeyFile} and {@code <privateKeyFile>.pub}, generating both when
   * the private key file does not exist. Blocking.
   */
  public static SigningKey loadOrCreate(Path privateKeyFile) {
    Path publicKeyFile = publicKeyFile(privateKeyFile);
    try {
      if (!Files.exists(privateKeyFile)) {
        SigningKey key = generate();
        Path dir = privateKeyFile.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        writePrivate(privateKeyFile, pem("PRIVATE KEY", key.privateKey.getEncoded()));
        Files.writeString(publicKeyFile, key.publicKeyPem(), StandardCharsets.US_ASCII);
        log.info("checkpoints: generated a new signing key {} (fingerprint {})", privateKeyFile, key.fingerprint());
        return key;
      }
      KeyFactory factory = KeyFactory.getInstance(ALGORITHM);
      PrivateKey privateKey = factory.generatePrivate(new PKCS8EncodedKeySpec(
          unpem(Files.readString(privateKeyFile, StandardCharsets.US_ASCII))));
      PublicKey publicKey = parsePublicKeyPem(Files.readString(publicKeyFile, StandardCharsets.US_ASCII));
      SigningKey key = new SigningKey(privateKey, publicKey);
      byte[] probe = "kanyan-key-check".getBytes(StandardCharsets.US_ASCII);
      if (!verify(publicKey, probe, key.sign(probe))) {
        throw new IllegalStateException(publicKeyFile + " does not belong to " + privateKeyFile
            + ": restore the pair from a backup, never regenerate one of them alone");
      }
      return key;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the checkpoint signing key " + privateKeyFile, e);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalStateException("the checkpoint signing key " + privateKeyFile + " is unreadable: " + e, e);
    }
  }

  public static Path publicKeyFile(Path privateKeyFile) {
    return privateKeyFile.resolveSibling(privateKeyFile.getFileName() + ".pub");
  }

  private static void writePrivate(Path file, String pem) throws IOException {
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException notPosix) {
      Files.createFile(file);
    } catch (FileAlreadyExistsException e) {
      throw new IOException("refusing to overwrite an existing signing key " + file, e);
    }
    Files.writeString(file, pem, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
  }

  public byte[] sign(byte[] message) {
    if (token != null) {
      return token.sign(message);
    }
    try {
      Signature signature = Signature.getInstance(ALGORITHM);
      signature.initSign(privateKey);
      signature.update(message);
      return signature.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 signing failed", e);
    }
  }

  /** True when {@code sig} is a valid Ed25519 signature of {@code message} by {@code key}. */
  public static boolean verify(PublicKey key, byte[] message, byte[] sig) {
    try {
      Signature signature = Signature.getInstance(ALGORITHM);
      signature.initVerify(key);
      signature.update(message);
      return signature.verify(sig);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * This key as a C2SP note signer and verifier under {@code keyName} (the commitment log's origin). A
   * signer kept elsewhere (a PKCS#11 token) implements {@link io.kanyan.recorder.log.note.NoteSigner} instead.
   */
  public io.kanyan.recorder.log.note.Ed25519NoteKey noteKey(String keyName) {
    return io.kanyan.recorder.log.note.Ed25519NoteKey.signer(keyName, publicKey, privateKey);
  }

  /** What signs notes under {@code keyName}: the token when the key is in one, else {@link #noteKey}. */
  public io.kanyan.recorder.log.note.NoteSigner noteSigner(String keyName) {
    return token != null ? token.noteSigner(keyName) : noteKey(keyName);
  }

  public PublicKey publicKey() {
    return publicKey;
  }

  /** The public key as PEM ({@code -----BEGIN PUBLIC KEY-----}), for publishing over HTTP. */
  public String publicKeyPem() {
    return pem("PUBLIC KEY", publicKey.getEncoded());
  }

  /** The public key's DER (X.509 SubjectPublicKeyInfo) in base64. */
  public String publicKeyBase64() {
    return Base64.getEncoder().encodeToString(publicKey.getEncoded());
  }

  /** Lowercase hex SHA-256 of the public key's DER: what an auditor compares with the published one. */
  public String fingerprint() {
    return fingerprint(publicKey);
  }

  public static String fingerprint(PublicKey key) {
    return HexFormat.of().formatHex(Chain.sha256().digest(key.getEncoded()));
  }

  public static PublicKey parsePublicKeyPem(String pem) {
    try {
      return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(unpem(pem)));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not an Ed25519 public key in PEM form: " + e.getMessage(), e);
    }
  }

  static String pem(String label, byte[] der) {
    return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + label + "-----\n";
  }

  static byte[] unpem(String pem) {
    String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    return Base64.getDecoder().decode(body);
  }
}
