package io.kanyan.recorder.keys;

import io.kanyan.recorder.log.note.Ed25519NoteKey;
import io.kanyan.recorder.log.note.MalformedNoteException;
import io.kanyan.recorder.log.note.NoteSigner;
import io.kanyan.recorder.log.note.SignedNote;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The published history of the log's signing keys: each key is announced in a signed note, signed by the key
 * before it (so no one without that key can slip in a key of their own) and by the new key itself (so no one
 * announces a key they do not hold). Each note links to the one before by its hash. The first entry is signed
 * by the first key alone; its fingerprint is what an auditor pins. Format in {@code recorder/TRAIL.md}:
 *
 * <pre>
 * kanyan.key-history/v1
 * &lt;the origin of the log the new key signs: the key's name, the same in every entry&gt;
 * &lt;entry number, 1..n&gt;
 * &lt;verifier key of the new key&gt;
 * &lt;in use from, POSIX seconds&gt;
 * &lt;base64 SHA-256 of the previous entry's whole signed note, or "-" for the first&gt;
 * </pre>
 */
public final class KeyHistory {

  private static final Logger log = LoggerFactory.getLogger(KeyHistory.class);
  public static final String HEADER = "kanyan.key-history/v1";

  /** A signing key: what signs, and the verifier of the same key under the same name. */
  public record LogKey(NoteSigner signer, Ed25519NoteKey verifier) {

    public LogKey {
      if (signer.keyId() != verifier.keyId() || !signer.keyName().equals(verifier.keyName())) {
        throw new IllegalArgumentException("the signer and verifier are not one key");
      }
    }

    /** A key held in memory (a PEM file or a test). */
    public static LogKey of(Ed25519NoteKey key) {
      return new LogKey(key, key);
    }
  }

  /** One verified entry. */
  public record Entry(int number, Ed25519NoteKey key, Instant since, SignedNote note) {
  }

  private final List<SignedNote> notes;

  private KeyHistory(List<SignedNote> notes) {
    this.notes = List.copyOf(notes);
  }

  public static KeyHistory empty() {
    return new KeyHistory(List.of());
  }

  /** The signed notes, oldest first, as published. */
  public List<SignedNote> notes() {
    return notes;
  }

  /** Announces {@code next}, signed by the latest key ({@code previous}, whose signer must be at hand). */
  public KeyHistory announce(Optional<LogKey> previous, LogKey next, Instant since) {
    List<Entry> entries = verify(Optional.empty());
    String origin = next.verifier().keyName();
    if (!entries.isEmpty() && !origin.equals(entries.get(0).key().keyName())) {
      throw new IllegalArgumentException("the new key must sign under the log's origin "
          + entries.get(0).key().keyName() + ", not " + origin);
    }
    if (entries.isEmpty() != previous.isEmpty()) {
      throw new IllegalArgumentException(entries.isEmpty() ? "the first key is announced by itself alone"
          : "a new key must be announced by the latest key in the history");
    }
    if (previous.isPresent() && previous.get().verifier().keyId() != entries.get(entries.size() - 1).key().keyId()) {
      throw new IllegalArgumentException("the announcing key is not the latest key in the history");
    }
    String text = HEADER + "\n" + origin + "\n" + (entries.size() + 1) + "\n" + next.verifier().verifierKey() + "\n"
        + since.getEpochSecond() + "\n" + (notes.isEmpty() ? "-" : hash(notes.get(notes.size() - 1))) + "\n";
    SignedNote note = previous.isEmpty() ? SignedNote.sign(text, next.signer())
        : SignedNote.sign(text, previous.get().signer(), next.signer());
    List<SignedNote> extended = new ArrayList<>(notes);
    extended.add(note);
    return new KeyHistory(extended);
  }

  /**
   * Checks every entry: header, the origin line against the key's name, numbering, the link to the one before, the signature of the key
   * before and of the new key, and that times move forward. {@code pinnedFirst} is the first key's verifier
   * key, when the auditor has it from elsewhere.
   *
   * @throws KeyHistoryException naming the entry and what is wrong
   */
  public List<Entry> verify(Optional<String> pinnedFirst) {
    List<Entry> entries = new ArrayList<>();
    for (SignedNote note : notes) {
      int number = entries.size() + 1;
      String[] lines = note.text().split("\n");
      if (lines.length != 6 || !HEADER.equals(lines[0])) {
        throw new KeyHistoryException(number, "is not a " + HEADER + " entry");
      }
      if (!String.valueOf(number).equals(lines[2])) {
        throw new KeyHistoryException(number, "is numbered " + lines[2] + " (a gap or a reordering)");
      }
      Ed25519NoteKey key;
      Instant since;
      try {
        key = Ed25519NoteKey.parseVerifierKey(lines[3]);
        since = Instant.ofEpochSecond(Long.parseLong(lines[4]));
      } catch (MalformedNoteException | NumberFormatException e) {
        throw new KeyHistoryException(number, "is unreadable: " + e.getMessage());
      }
      if (!lines[1].equals(key.keyName())) {
        throw new KeyHistoryException(number, "names the log '" + lines[1] + "' but announces a key of '"
            + key.keyName() + "'");
      }
      if (!entries.isEmpty() && !lines[1].equals(entries.get(0).key().keyName())) {
        throw new KeyHistoryException(number, "names the log '" + lines[1] + "', not '"
            + entries.get(0).key().keyName() + "' as entry 1 does: a log keeps its origin for life");
      }
      String expectedPrev = entries.isEmpty() ? "-" : hash(entries.get(entries.size() - 1).note());
      if (!expectedPrev.equals(lines[5])) {
        throw new KeyHistoryException(number, "does not link to the entry before it (edited or forked history)");
      }
      if (!note.isSignedBy(key)) {
        throw new KeyHistoryException(number, "is not signed by the key it announces");
      }
      if (!entries.isEmpty()) {
        Entry before = entries.get(entries.size() - 1);
        if (!note.isSignedBy(before.key())) {
          throw new KeyHistoryException(number, "is not signed by the key before it: a key no one announced");
        }
        if (since.isBefore(before.since())) {
          throw new KeyHistoryException(number, "is in use from before the key it replaces");
        }
      } else if (pinnedFirst.isPresent() && !pinnedFirst.get().equals(key.verifierKey())) {
        throw new KeyHistoryException(number, "is not the pinned first key " + pinnedFirst.get());
      }
      entries.add(new Entry(number, key, since, note));
    }
    return entries;
  }

  /** The log's origin, fixed by the first entry (unverified: call {@link #verify} first). */
  public Optional<String> origin() {
    return notes.isEmpty() ? Optional.empty() : Optional.of(notes.get(0).text().split("\n")[1]);
  }

  /** The verifiers of every key the history announces, oldest first (after {@link #verify}). */
  public List<Ed25519NoteKey> keys() {
    return verify(Optional.empty()).stream().map(Entry::key).toList();
  }

  /**
   * Makes sure the history ends with {@code current}, announcing it when needed. When the history does not end
   * with it, {@code previous} (the key being replaced) must be at hand to sign the announcement. Blocking.
   *
   * @throws KeyHistoryException when the key cannot be announced; the message says what to configure
   */
  public static KeyHistory ensure(Path file, LogKey current, Optional<LogKey> previous, Instant now) {
    KeyHistory history = read(file);
    List<Entry> entries = history.verify(Optional.empty());
    if (!entries.isEmpty() && entries.get(entries.size() - 1).key().keyId() == current.verifier().keyId()) {
      return history;
    }
    if (entries.stream().anyMatch(e -> e.key().keyId() == current.verifier().keyId())) {
      throw new KeyHistoryException(entries.size(), "is not the configured key: the configured key was retired "
          + "earlier in the history and cannot come back");
    }
    if (entries.isEmpty()) {
      if (previous.isPresent()) {
        history = history.announce(Optional.empty(), previous.get(), now);
        history = history.announce(previous, current, roundUp(now));
      } else {
        history = history.announce(Optional.empty(), current, now);
      }
    } else {
      if (previous.isEmpty() || previous.get().verifier().keyId() != entries.get(entries.size() - 1).key().keyId()) {
        throw new KeyHistoryException(entries.size() + 1, "is missing: the configured signing key is not in "
            + "the key history, and the latest key in it is not configured as the previous key "
            + "(KANYAN_SIGNING_PREVIOUS_KEY) to announce it");
      }
      history = history.announce(previous, current, roundUp(now));
    }
    history.write(file);
    if (history.notes.size() == 1) {
      log.info("keys: the key history {} starts with the signing key {}", file, current.verifier().verifierKey());
    } else {
      log.warn("keys: announced the signing key {} in the key history {} (entry {}, signed by the retiring key)",
          current.verifier().verifierKey(), file, history.notes.size());
    }
    return history;
  }

  /**
   * Entries hold whole seconds: a successor is in use from the next whole second, so that no tree head the
   * retiring key signed before now falls after the announcement (where {@link LogKeys} calls it tampering).
   * The new key's tree heads are dated no earlier ({@code Checkpoints}).
   */
  private static Instant roundUp(Instant now) {
    return now.getNano() == 0 ? now : now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).plusSeconds(1);
  }

  /** Reads the history file; an absent file is an empty history. Blocking. */
  public static KeyHistory read(Path file) {
    try {
      if (!Files.exists(file)) {
        return empty();
      }
      return fromJson(new JsonObject(Files.readString(file, StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the key history " + file, e);
    }
  }

  private void write(Path file) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, toJson().encodePrettily(), StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the key history " + file, e);
    }
  }

  /** {@code {"entries": ["<signed note>", ...]}}: what {@code GET /api/audit/log/keys} serves. */
  public JsonObject toJson() {
    return new JsonObject().put("entries", new JsonArray(new ArrayList<>(notes.stream().map(SignedNote::format).toList())));
  }

  public static KeyHistory fromJson(JsonObject json) {
    JsonArray array = json.getJsonArray("entries", new JsonArray());
    List<SignedNote> notes = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      try {
        notes.add(SignedNote.parse(array.getString(i)));
      } catch (MalformedNoteException | ClassCastException e) {
        throw new KeyHistoryException(i + 1, "is not a signed note: " + e.getMessage());
      }
    }
    return new KeyHistory(notes);
  }

  static String hash(SignedNote note) {
    try {
      return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
          .digest(note.format().getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
