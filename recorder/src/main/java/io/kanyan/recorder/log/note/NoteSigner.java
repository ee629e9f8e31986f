package io.kanyan.recorder.log.note;

/**
 * Something that signs note text under one key name and key ID (C2SP signed-note). The private key may live
 * anywhere: in memory ({@link Ed25519NoteKey}) or in a token that never lets it out (PKCS#11).
 */
public interface NoteSigner {

  /** The key name written in the signature line: non-empty, no Unicode spaces, no {@code +}. */
  String keyName();

  /** The 32-bit key ID that starts every signature (big-endian in the signature bytes). */
  int keyId();

  /** Signs the note text (its UTF-8 bytes, final newline included); returns the bare signature. */
  byte[] sign(byte[] text);
}
