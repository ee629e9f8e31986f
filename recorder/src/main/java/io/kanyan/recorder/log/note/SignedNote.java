package io.kanyan.recorder.log.note;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * A C2SP signed note (c2sp.org/signed-note): a text ending in a newline, a blank line, then one or more
 * signature lines {@code — <key name> <base64(4-byte big-endian key ID || signature)>}. Immutable.
 *
 * @param text       the note text, final newline included (what every signature signs)
 * @param signatures the signature lines, in order
 */
public record SignedNote(String text, List<Signature> signatures) {

  /** Verifiers must accept at least 16 signatures; this many are accepted. */
  public static final int MAX_SIGNATURES = 100;
  private static final String DASH = "\u2014 ";

  /** One signature line. */
  public record Signature(String keyName, int keyId, byte[] signature) {

    public Signature {
      Ed25519NoteKey.checkKeyName(keyName);
      signature = signature.clone();
    }

    @Override
    public byte[] signature() {
      return signature.clone();
    }

    /** The line without its newline: {@code — name base64(id || sig)}. */
    public String line() {
      byte[] blob = ByteBuffer.allocate(4 + signature.length).putInt(keyId).put(signature).array();
      return DASH + keyName + " " + Base64.getEncoder().encodeToString(blob);
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Signature s && s.keyName.equals(keyName) && s.keyId == keyId
          && Arrays.equals(s.signature, signature);
    }

    @Override
    public int hashCode() {
      return keyName.hashCode() * 31 + keyId;
    }
  }

  public SignedNote {
    checkText(text);
    signatures = List.copyOf(signatures);
  }

  /** Signs {@code text} with each signer, in order. */
  public static SignedNote sign(String text, NoteSigner... signers) {
    checkText(text);
    List<Signature> sigs = new ArrayList<>();
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    for (NoteSigner signer : signers) {
      sigs.add(new Signature(signer.keyName(), signer.keyId(), signer.sign(bytes)));
    }
    return new SignedNote(text, sigs);
  }

  /** This note with one more signature line (a witness's cosignature, for example). */
  public SignedNote withSignature(Signature signature) {
    List<Signature> sigs = new ArrayList<>(signatures);
    sigs.add(signature);
    return new SignedNote(text, sigs);
  }

  /** The serialised note: text, blank line, signature lines. */
  public String format() {
    StringBuilder out = new StringBuilder(text).append('\n');
    for (Signature s : signatures) {
      out.append(s.line()).append('\n');
    }
    return out.toString();
  }

  /** Parses a serialised note; fails with {@link MalformedNoteException} saying what is wrong. */
  public static SignedNote parse(String note) {
    if (note.codePoints().anyMatch(c -> c < 0x20 && c != '\n')) {
      throw new MalformedNoteException("a note must not contain control characters other than newline");
    }
    if (!note.endsWith("\n")) {
      throw new MalformedNoteException("a note must end with a newline");
    }
    int split = note.lastIndexOf("\n\n");
    if (split < 0) {
      throw new MalformedNoteException("a note has no blank line before its signatures");
    }
    String text = note.substring(0, split + 1);
    String[] lines = note.substring(split + 2).split("\n", -1);
    List<Signature> sigs = new ArrayList<>();
    // The split leaves one empty string after the final newline.
    for (int i = 0; i < lines.length - 1; i++) {
      sigs.add(parseLine(lines[i]));
      if (sigs.size() > MAX_SIGNATURES) {
        throw new MalformedNoteException("a note has more than " + MAX_SIGNATURES + " signatures");
      }
    }
    if (sigs.isEmpty()) {
      throw new MalformedNoteException("a note has no signature lines");
    }
    return new SignedNote(text, sigs);
  }

  private static Signature parseLine(String line) {
    if (!line.startsWith(DASH)) {
      throw new MalformedNoteException("a signature line starts with an em dash and a space: '" + line + "'");
    }
    String rest = line.substring(DASH.length());
    int space = rest.indexOf(' ');
    if (space <= 0 || rest.indexOf(' ', space + 1) >= 0) {
      throw new MalformedNoteException("a signature line is '— <key name> <base64>': '" + line + "'");
    }
    byte[] blob;
    try {
      blob = Base64.getDecoder().decode(rest.substring(space + 1));
    } catch (IllegalArgumentException e) {
      throw new MalformedNoteException("a signature is not base64: '" + line + "'");
    }
    if (blob.length < 5) {
      throw new MalformedNoteException("a signature is shorter than its key ID: '" + line + "'");
    }
    return new Signature(rest.substring(0, space), ByteBuffer.wrap(blob).getInt(),
        Arrays.copyOfRange(blob, 4, blob.length));
  }

  private static void checkText(String text) {
    if (text == null || text.isEmpty() || !text.endsWith("\n")) {
      throw new MalformedNoteException("a note text must be non-empty and end with a newline");
    }
    if (text.codePoints().anyMatch(c -> c < 0x20 && c != '\n')) {
      throw new MalformedNoteException("a note text must not contain control characters other than newline");
    }
  }

  /**
   * The signatures of known keys that verify. Signatures whose name and ID match no known key are ignored, as
   * the spec requires.
   *
   * @throws MalformedNoteException when a known key's signature does not verify (the whole note is rejected)
   */
  public List<NoteVerifier> verifiedBy(Collection<? extends NoteVerifier> known) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    List<NoteVerifier> verified = new ArrayList<>();
    for (Signature s : signatures) {
      Optional<? extends NoteVerifier> key = known.stream()
          .filter(k -> k.keyName().equals(s.keyName()) && k.keyId() == s.keyId()).findFirst();
      if (key.isEmpty()) {
        continue;
      }
      if (!key.get().verify(bytes, s.signature())) {
        throw new MalformedNoteException("the signature of " + s.keyName() + " does not verify: the note was altered");
      }
      if (!verified.contains(key.get())) {
        verified.add(key.get());
      }
    }
    return verified;
  }

  /** True when {@code key} signed this note (a matching, valid signature line); false for no or a bad one. */
  public boolean isSignedBy(NoteVerifier key) {
    try {
      return !verifiedBy(List.of(key)).isEmpty();
    } catch (MalformedNoteException bad) {
      return false;
    }
  }
}
