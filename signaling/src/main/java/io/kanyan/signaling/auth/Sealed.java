package io.kanyan.signaling.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Small secrets the server must use again later but must not keep readable in Redis (an applicant's phone
 * until the invite is sent again, a webhook's signing secret): AES-256-GCM with a key kept outside Redis
 * ({@code KANYAN_CONTACT_KEY}, else {@code <data dir>/keys/contact.key}). A dump of Redis alone does not give
 * them. Each value is bound to what it belongs to (the associated data), so a sealed value copied to another
 * inspection does not open.
 */
public final class Sealed {

  private static final SecureRandom RANDOM = new SecureRandom();
  private final SecretKeySpec key;

  public Sealed(byte[] key) {
    if (key.length != 32) {
      throw new IllegalArgumentException("the contact key must be 32 bytes (base64-encoded in KANYAN_CONTACT_KEY)");
    }
    this.key = new SecretKeySpec(key.clone(), "AES");
  }

  /** The configured key (base64), or the one under the data directory, generated (mode 600) on first use. */
  public static Sealed load(String configured, Path dataDir) {
    if (configured != null) {
      return new Sealed(Base64.getDecoder().decode(configured.trim()));
    }
    Path file = dataDir.resolve("keys").resolve("contact.key");
    try {
      if (!Files.exists(file)) {
        Files.createDirectories(file.getParent());
        byte[] fresh = new byte[32];
        RANDOM.nextBytes(fresh);
        Files.write(file, fresh);
        try {
          Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
          // not a POSIX file system
        }
      }
      return new Sealed(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the contact key " + file, e);
    }
  }

  /** {@code base64(nonce || ciphertext || tag)}. */
  public String seal(String plain, String boundTo) {
    try {
      byte[] nonce = new byte[12];
      RANDOM.nextBytes(nonce);
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
      c.updateAAD(boundTo.getBytes(StandardCharsets.UTF_8));
      byte[] sealed = c.doFinal(plain.getBytes(StandardCharsets.UTF_8));
      byte[] out = new byte[nonce.length + sealed.length];
      System.arraycopy(nonce, 0, out, 0, nonce.length);
      System.arraycopy(sealed, 0, out, nonce.length, sealed.length);
      return Base64.getEncoder().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available", e);
    }
  }

  /** The plain text, or an {@link IllegalArgumentException} when it was altered, moved or sealed with another key. */
  public String open(String sealed, String boundTo) {
    try {
      byte[] in = Base64.getDecoder().decode(sealed);
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, in, 0, 12));
      c.updateAAD(boundTo.getBytes(StandardCharsets.UTF_8));
      return new String(c.doFinal(in, 12, in.length - 12), StandardCharsets.UTF_8);
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException("a sealed value does not open (altered, moved, or another key)");
    }
  }
}
