package io.kanyan.recorder.log;

import io.kanyan.recorder.log.note.MalformedNoteException;
import io.kanyan.recorder.log.note.NoteSigner;
import io.kanyan.recorder.log.note.NoteVerifier;
import io.kanyan.recorder.log.note.SignedNote;
import io.kanyan.recorder.log.note.TlogCheckpoint;
import io.kanyan.recorder.trail.Chain;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.List;

/**
 * A signed tree head of the commitment log: a C2SP tlog-checkpoint signed as a C2SP signed note, with one
 * extension line that numbers it, dates it and links it to the previous one:
 *
 * <pre>
 * &lt;origin&gt;
 * &lt;tree size&gt;
 * &lt;base64 root hash&gt;
 * kanyan-sth/2 &lt;number&gt; &lt;time&gt; &lt;prev&gt;
 *
 * — &lt;key name&gt; &lt;base64(key ID || Ed25519 signature)&gt;
 * </pre>
 *
 * {@code prev} is {@link #hash()} of the previous tree head (64 zeros for the first).
 */
public record SignedTreeHead(long number, Instant time, TlogCheckpoint checkpoint, String prev, SignedNote note) {

  public static final String EXTENSION = "kanyan-sth/2";

  /** Makes and signs a tree head. */
  public static SignedTreeHead sign(NoteSigner signer, String origin, long number, Instant time, long treeSize,
      byte[] root, String prev) {
    String extension = EXTENSION + " " + number + " " + Chain.formatTime(time) + " " + prev;
    TlogCheckpoint checkpoint = new TlogCheckpoint(origin, treeSize, root, List.of(extension));
    SignedNote note = SignedNote.sign(checkpoint.text(), signer);
    return new SignedTreeHead(number, Instant.parse(Chain.formatTime(time)), checkpoint, prev, note);
  }

  /** Parses a serialised signed note; checks the format only (not the signature). */
  public static SignedTreeHead parse(String signedNote) {
    SignedNote note = SignedNote.parse(signedNote);
    TlogCheckpoint checkpoint = TlogCheckpoint.parse(note.text());
    if (checkpoint.extensions().size() != 1) {
      throw new MalformedNoteException("a Kanyan tree head has exactly one extension line");
    }
    String[] parts = checkpoint.extensions().get(0).split(" ", -1);
    if (parts.length != 4 || !parts[0].equals(EXTENSION) || !parts[1].matches("[1-9][0-9]{0,18}")
        || !parts[3].matches("[0-9a-f]{64}")) {
      throw new MalformedNoteException("the extension line is not '" + EXTENSION + " <number> <time> <prev>': "
          + checkpoint.extensions().get(0));
    }
    Instant time;
    try {
      time = Instant.parse(parts[2]);
    } catch (DateTimeParseException e) {
      throw new MalformedNoteException("the tree head's time is not a UTC time: " + parts[2]);
    }
    if (!Chain.formatTime(time).equals(parts[2])) {
      throw new MalformedNoteException("the tree head's time is not in the trail's format: " + parts[2]);
    }
    return new SignedTreeHead(Long.parseLong(parts[1]), time, checkpoint, parts[3], note);
  }

  public long treeSize() {
    return checkpoint.size();
  }

  public byte[] root() {
    return checkpoint.rootHash();
  }

  public String rootHex() {
    return HexFormat.of().formatHex(checkpoint.rootHash());
  }

  /** The serialised signed note. */
  public String format() {
    return note.format();
  }

  /** Lowercase hex SHA-256 of the note text (signatures excluded): the next tree head's {@code prev}. */
  public String hash() {
    return HexFormat.of().formatHex(Chain.sha256().digest(note.text().getBytes(StandardCharsets.UTF_8)));
  }

  /** True when {@code key} signed it. */
  public boolean signedBy(NoteVerifier key) {
    return note.isSignedBy(key);
  }

  /** The key names that signed it, for reports ("signed by x, not by the log's key"). */
  public List<String> signerNames() {
    return note.signatures().stream().map(s -> s.keyName() + " (key ID " + String.format("%08x", s.keyId()) + ")")
        .toList();
  }
}
