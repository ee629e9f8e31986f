package io.kanyan.recorder.log.note;

/** A trusted key that checks note signatures of one key name and key ID (C2SP signed-note). */
public interface NoteVerifier {

  String keyName();

  int keyId();

  /** True when {@code signature} (without the 4-byte key ID) is valid for {@code text}. */
  boolean verify(byte[] text, byte[] signature);
}
