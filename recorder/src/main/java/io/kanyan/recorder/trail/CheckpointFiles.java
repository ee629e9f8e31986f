package io.kanyan.recorder.trail;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The checkpoint files outside Redis: the append-only log (one JSON line per checkpoint, fsynced) and the
 * leaves of the latest checkpoints (one {@code <inspection>\t<seq>\t<head>} line per chain head, sorted).
 * Every method blocks: call them from {@code executeBlocking}.
 */
final class CheckpointFiles {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(CheckpointFiles.class);

  /** How many leaves files are kept (the latest and the one before, for proofs made during a switch). */
  private static final int LEAVES_KEPT = 2;

  private final Path logFile;
  private final Path leavesDir;

  CheckpointFiles(Path logFile, Path leavesDir) {
    this.logFile = logFile;
    this.leavesDir = leavesDir;
  }

  /** The heads of one checkpoint sorted by inspection id, and their Merkle tree. */
  static final class Leaves {
    private final String[] ids;
    private final long[] seqs;
    private final String[] heads;
    private final Merkle.Tree tree;

    private Leaves(String[] ids, long[] seqs, String[] heads) {
      this.ids = ids;
      this.seqs = seqs;
      this.heads = heads;
      List<byte[]> leafHashes = new ArrayList<>(ids.length);
      java.security.MessageDigest sha = Chain.sha256();
      for (int i = 0; i < ids.length; i++) {
        leafHashes.add(Merkle.leafHash(sha, InclusionProof.leafData(ids[i], seqs[i], heads[i])));
      }
      this.tree = Merkle.build(leafHashes);
    }

    /** From the heads hash: inspection id → {@code <seq>:<hash>}. */
    static Leaves of(Map<String, String> headsById) {
      String[] ids = headsById.keySet().toArray(String[]::new);
      Arrays.sort(ids);
      long[] seqs = new long[ids.length];
      String[] heads = new String[ids.length];
      for (int i = 0; i < ids.length; i++) {
        Trail.Head head = Trail.parseHead(headsById.get(ids[i]));
        seqs[i] = head.seq();
        heads[i] = head.hash();
      }
      return new Leaves(ids, seqs, heads);
    }

    int size() {
      return ids.length;
    }

    String root() {
      return HexFormat.of().formatHex(tree.root());
    }

    Merkle.Tree tree() {
      return tree;
    }

    int indexOf(String inspectionId) {
      int index = Arrays.binarySearch(ids, inspectionId);
      return index < 0 ? -1 : index;
    }

    long seq(int index) {
      return seqs[index];
    }

    String head(int index) {
      return heads[index];
    }
  }

  /** Appends one checkpoint as a JSON line and forces it to disk before returning. */
  void append(Checkpoint cp) throws IOException {
    Files.createDirectories(logFile.toAbsolutePath().getParent());
    byte[] line = (cp.toJson().encode() + "\n").getBytes(StandardCharsets.UTF_8);
    if (Files.exists(logFile) && Files.size(logFile) > 0) {
      try (RandomAccessFile file = new RandomAccessFile(logFile.toFile(), "r")) {
        file.seek(file.length() - 1);
        if (file.read() != '\n') {
          // Ends a line an interrupted append left half-written, so this checkpoint gets a line of its own.
          line = ("\n" + new String(line, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
        }
      }
    }
    try (FileChannel channel = FileChannel.open(logFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND)) {
      ByteBuffer buffer = ByteBuffer.wrap(line);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(true);
    }
  }

  /** The last checkpoint of the log, read from its tail; empty when there is no log yet. */
  Optional<Checkpoint> readLatest() {
    try (RandomAccessFile file = new RandomAccessFile(logFile.toFile(), "r")) {
      long length = file.length();
      long from = Math.max(0, length - 8192);
      byte[] tail = new byte[(int) (length - from)];
      file.seek(from);
      file.readFully(tail);
      String[] lines = new String(tail, StandardCharsets.UTF_8).strip().split("\n");
      for (int i = lines.length - 1; i >= 0; i--) {
        try {
          return Optional.of(Checkpoint.fromJson(new JsonObject(lines[i])));
        } catch (RuntimeException halfWritten) {
          // A crash in the middle of an append leaves a partial last line: that checkpoint never
          // completed (it never reached Redis either). The one before it is the latest.
          log.warn("checkpoints: the last line of {} is not a checkpoint (an interrupted append?); using the "
              + "one before it", logFile);
        }
      }
      return Optional.empty();
    } catch (java.io.FileNotFoundException noLogYet) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the checkpoint log " + logFile, e);
    }
  }

  /** Writes checkpoint {@code number}'s leaves (atomically: temp file, then rename) and prunes old ones. */
  void writeLeaves(long number, Leaves leaves) throws IOException {
    Files.createDirectories(leavesDir);
    Path temp = leavesDir.resolve("leaves-" + number + ".tmp");
    try (BufferedWriter out = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
      for (int i = 0; i < leaves.size(); i++) {
        out.write(leaves.ids[i] + "\t" + leaves.seqs[i] + "\t" + leaves.heads[i] + "\n");
      }
    }
    Files.move(temp, leavesFile(number), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    try (DirectoryStream<Path> old = Files.newDirectoryStream(leavesDir, "leaves-*.txt")) {
      for (Path file : old) {
        String name = file.getFileName().toString();
        long n = Long.parseLong(name.substring("leaves-".length(), name.length() - ".txt".length()));
        if (n <= number - LEAVES_KEPT) {
          Files.deleteIfExists(file);
        }
      }
    }
  }

  /** Writes checkpoint {@code number}'s leaves unless they are already there. */
  void ensureLeaves(long number, Leaves leaves) throws IOException {
    if (!Files.exists(leavesFile(number))) {
      writeLeaves(number, leaves);
    }
  }

  /** Every checkpoint of the log, oldest first. */
  List<Checkpoint> readAll() throws IOException {
    List<Checkpoint> all = new ArrayList<>();
    if (!Files.exists(logFile)) {
      return all;
    }
    try (BufferedReader in = Files.newBufferedReader(logFile, StandardCharsets.UTF_8)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (!line.isBlank()) {
          all.add(Checkpoint.fromJson(new JsonObject(line)));
        }
      }
    }
    return all;
  }

  /** Reads checkpoint {@code number}'s leaves and rebuilds its tree. */
  Leaves readLeaves(long number) {
    List<String> ids = new ArrayList<>();
    List<Long> seqs = new ArrayList<>();
    List<String> heads = new ArrayList<>();
    try (BufferedReader in = Files.newBufferedReader(leavesFile(number), StandardCharsets.UTF_8)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        String[] parts = line.split("\t", 3);
        ids.add(parts[0]);
        seqs.add(Long.parseLong(parts[1]));
        heads.add(parts[2]);
      }
    } catch (NoSuchFileException e) {
      throw new IllegalStateException("the leaves of checkpoint #" + number + " are not on this node ("
          + leavesFile(number) + "): proofs are made on the node that makes checkpoints, or wait for the next one", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Leaves(ids.toArray(String[]::new), seqs.stream().mapToLong(Long::longValue).toArray(),
        heads.toArray(String[]::new));
  }

  private Path leavesFile(long number) {
    return leavesDir.resolve("leaves-" + number + ".txt");
  }
}
