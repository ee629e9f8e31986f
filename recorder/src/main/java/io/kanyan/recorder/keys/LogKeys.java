package io.kanyan.recorder.keys;

import io.kanyan.recorder.log.note.Ed25519NoteKey;
import io.kanyan.recorder.log.note.SignedNote;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The keys that may sign the commitment log's tree heads, from a verified {@link KeyHistory}: every key
 * signs under the log's one origin (the first key's name) and is told apart by its signed-note key ID. Each
 * key is trusted only until its successor's announcement: a tree head dated at or after that, or one that
 * follows (in log order) a tree head signed by a newer key, signed by the retired key is tampering. See {@code recorder/TRAIL.md} §9.2.
 */
public final class LogKeys {

  /**
   * One key's era.
   *
   * @param number its entry number in the key history (1 for the first)
   * @param until  when its successor took over, if it was retired
   */
  public record Era(int number, Ed25519NoteKey key, Instant since, Optional<Instant> until) {

    /** "key #2 (ID 1a2b3c4d)", for reports. */
    public String describe() {
      return "key #" + number + " (ID " + String.format("%08x", key.keyId()) + ")";
    }
  }

  /**
   * Which era's key signed a tree head; {@code problem} says what is wrong when none may have.
   */
  public record Match(Optional<Era> era, String problem) {

    public boolean ok() {
      return problem == null;
    }
  }

  private final List<Era> eras;

  private LogKeys(List<Era> eras) {
    if (eras.isEmpty()) {
      throw new IllegalArgumentException("a log has at least one key");
    }
    this.eras = List.copyOf(eras);
  }

  /** The keys of verified history entries (see {@link KeyHistory#verify}), oldest first. */
  public static LogKeys of(List<KeyHistory.Entry> entries) {
    List<Era> eras = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      KeyHistory.Entry e = entries.get(i);
      Optional<Instant> until = i + 1 < entries.size() ? Optional.of(entries.get(i + 1).since()) : Optional.empty();
      eras.add(new Era(e.number(), e.key(), e.since(), until));
    }
    return new LogKeys(eras);
  }

  /** One key that was never rotated (no history at hand): trusted for every time. */
  public static LogKeys single(Ed25519NoteKey key) {
    return new LogKeys(List.of(new Era(1, key, Instant.EPOCH, Optional.empty())));
  }

  /** The log's origin: the key name every key signs under. */
  public String origin() {
    return eras.get(0).key().keyName();
  }

  public List<Era> eras() {
    return eras;
  }

  /** The key in use now: the history's latest. */
  public Era current() {
    return eras.get(eras.size() - 1);
  }

  /** The era of a key (by its public key), if the history announces it. */
  public Optional<Era> find(java.security.PublicKey key) {
    return eras.stream().filter(e -> e.key().publicKey().equals(key)).findFirst();
  }

  /**
   * Checks who signed a tree head dated {@code time}, {@code label} naming it in the sentence ("entry #5").
   *
   * @param atLeast the number of the key that signed the tree head before it in log order (0 for none): an
   *                older key after a newer one is a retired key at work
   */
  public Match check(SignedNote note, Instant time, int atLeast, String label) {
    Optional<Era> signer = eras.stream().filter(e -> note.isSignedBy(e.key())).reduce((a, b) -> b);
    if (signer.isEmpty()) {
      Optional<Era> edited = eras.stream().filter(e -> note.signatures().stream()
          .anyMatch(sig -> sig.keyName().equals(e.key().keyName()) && sig.keyId() == e.key().keyId())).findFirst();
      if (edited.isPresent()) {
        return new Match(Optional.empty(), label + " was edited: its signature does not verify (by "
            + edited.get().describe() + ")");
      }
      return new Match(Optional.empty(), label + " is not signed by the log's key (nor any key its key "
          + "history announces): " + describeSigners(note));
    }
    Era era = signer.get();
    if (era.number() < atLeast) {
      return new Match(signer, label + " is signed by the retired " + era.describe() + " after key #" + atLeast
          + " signed an earlier tree head: the retired key was used after the rotation (tampering)");
    }
    if (era.until().isPresent() && !time.isBefore(era.until().get())) {
      return new Match(signer, label + " (dated " + time + ") is signed by the retired " + era.describe()
          + ", replaced by key #" + (era.number() + 1) + " at " + era.until().get()
          + ": the retired key was used after the rotation (tampering)");
    }
    return new Match(signer, null);
  }

  /** Who signed a note that no key of the history signed: key IDs the history does not announce. */
  private String describeSigners(SignedNote note) {
    List<String> parts = new ArrayList<>();
    for (SignedNote.Signature s : note.signatures()) {
      String id = String.format("%08x", s.keyId());
      if (s.keyName().equals(origin())) {
        parts.add("signed under the log's name by key ID " + id + ", which the key history does not announce: "
            + "a foreign key");
      } else {
        parts.add("signed by " + s.keyName() + " (key ID " + id + "): a foreign signature");
      }
    }
    return parts.isEmpty() ? "it has no signature" : String.join("; ", parts);
  }
}
