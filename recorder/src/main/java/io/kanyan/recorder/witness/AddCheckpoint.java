package io.kanyan.recorder.witness;

import io.kanyan.recorder.log.note.MalformedNoteException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The body of a tlog-witness {@code POST <prefix>/add-checkpoint} (c2sp.org/tlog-witness): an old size line
 * {@code old <size>}, zero to 63 consistency proof lines (one base64 hash each), an empty line, then the signed
 * checkpoint note.
 *
 * @param oldSize    the size of the latest checkpoint the witness cosigned, as the client believes
 * @param proof      the RFC 6962 consistency proof from {@code oldSize} to the checkpoint's size
 * @param checkpoint the serialised signed note
 */
public record AddCheckpoint(long oldSize, List<byte[]> proof, String checkpoint) {

  public static final int MAX_PROOF_LINES = 63;
  /** The Content-Type of a 409 answer's body: the witness's tree size and a newline. */
  public static final String SIZE_CONTENT_TYPE = "text/x.tlog.size";

  public AddCheckpoint {
    if (oldSize < 0) {
      throw new MalformedNoteException("the old size cannot be negative");
    }
    if (proof.size() > MAX_PROOF_LINES) {
      throw new MalformedNoteException("more than " + MAX_PROOF_LINES + " consistency proof lines");
    }
    proof = List.copyOf(proof);
  }

  public String format() {
    StringBuilder out = new StringBuilder("old ").append(oldSize).append('\n');
    proof.forEach(hash -> out.append(Base64.getEncoder().encodeToString(hash)).append('\n'));
    return out.append('\n').append(checkpoint).toString();
  }

  /** Parses a request body; fails with {@link MalformedNoteException} (answered 400) saying what is wrong. */
  public static AddCheckpoint parse(String body) {
    int blank = body.indexOf("\n\n");
    if (blank < 0) {
      throw new MalformedNoteException("the body has no empty line before the checkpoint");
    }
    String[] lines = body.substring(0, blank).split("\n", -1);
    if (!lines[0].matches("old (0|[1-9][0-9]{0,18})")) {
      throw new MalformedNoteException("the first line must be 'old <size>' in decimal without leading zeros");
    }
    long oldSize;
    try {
      oldSize = Long.parseLong(lines[0].substring(4));
    } catch (NumberFormatException e) {
      throw new MalformedNoteException("the old size is too large");
    }
    List<byte[]> proof = new ArrayList<>();
    for (int i = 1; i < lines.length; i++) {
      byte[] hash;
      try {
        hash = Base64.getDecoder().decode(lines[i]);
      } catch (IllegalArgumentException e) {
        throw new MalformedNoteException("consistency proof line " + i + " is not base64");
      }
      if (hash.length != 32) {
        throw new MalformedNoteException("consistency proof line " + i + " is not a 32-byte hash");
      }
      proof.add(hash);
    }
    return new AddCheckpoint(oldSize, proof, body.substring(blank + 2));
  }
}
