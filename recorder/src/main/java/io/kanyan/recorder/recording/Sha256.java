package io.kanyan.recorder.recording;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 of uploaded bytes, as lowercase hex (files are hashed by {@link Remux#sha256(java.nio.file.Path)}). */
public final class Sha256 {

  private Sha256() {
  }

  public static String of(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
