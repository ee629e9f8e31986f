package io.kanyan.recorder.log.note;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * The text of a C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint): origin line, tree size in decimal, base64
 * RFC 6962 root hash, then optional non-empty extension lines, each ending with a newline. It becomes a
 * checkpoint once signed as a {@link SignedNote}.
 */
public record TlogCheckpoint(String origin, long size, byte[] rootHash, List<String> extensions) {

  public TlogCheckpoint {
    if (origin == null || origin.isEmpty() || origin.contains("\n")) {
      throw new MalformedNoteException("a checkpoint origin must be a non-empty line");
    }
    if (size < 0) {
      throw new MalformedNoteException("a tree size cannot be negative");
    }
    if (rootHash == null || rootHash.length != 32) {
      throw new MalformedNoteException("a root hash is 32 bytes (SHA-256)");
    }
    rootHash = rootHash.clone();
    extensions = List.copyOf(extensions);
    for (String line : extensions) {
      if (line.isEmpty() || line.contains("\n")) {
        throw new MalformedNoteException("an extension line must be a non-empty line");
      }
    }
  }

  @Override
  public byte[] rootHash() {
    return rootHash.clone();
  }

  /** The note text: the lines, each ending with a newline. */
  public String text() {
    StringBuilder out = new StringBuilder().append(origin).append('\n').append(size).append('\n')
        .append(Base64.getEncoder().encodeToString(rootHash)).append('\n');
    extensions.forEach(line -> out.append(line).append('\n'));
    return out.toString();
  }

  /** Parses a note text (not a whole signed note: see {@link SignedNote#text()}). */
  public static TlogCheckpoint parse(String text) {
    if (!text.endsWith("\n")) {
      throw new MalformedNoteException("a checkpoint text ends with a newline");
    }
    String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
    if (lines.length < 3) {
      throw new MalformedNoteException("a checkpoint has at least three lines: origin, tree size, root hash");
    }
    if (!lines[1].matches("0|[1-9][0-9]{0,18}")) {
      throw new MalformedNoteException("the tree size '" + lines[1] + "' is not a decimal without leading zeros");
    }
    byte[] root;
    try {
      root = Base64.getDecoder().decode(lines[2]);
    } catch (IllegalArgumentException e) {
      throw new MalformedNoteException("the root hash '" + lines[2] + "' is not base64");
    }
    if (!Base64.getEncoder().encodeToString(root).equals(lines[2])) {
      throw new MalformedNoteException("the root hash '" + lines[2] + "' is not canonical base64");
    }
    long size;
    try {
      size = Long.parseLong(lines[1]);
    } catch (NumberFormatException e) {
      throw new MalformedNoteException("the tree size '" + lines[1] + "' is too large");
    }
    return new TlogCheckpoint(lines[0], size, root, new ArrayList<>(Arrays.asList(lines).subList(3, lines.length)));
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof TlogCheckpoint c && c.origin.equals(origin) && c.size == size
        && Arrays.equals(c.rootHash, rootHash) && c.extensions.equals(extensions);
  }

  @Override
  public int hashCode() {
    return origin.hashCode() * 31 + Long.hashCode(size);
  }

  @Override
  public String toString() {
    return text();
  }
}
