package io.kanyan.recorder.log;

import io.kanyan.recorder.keys.LogKeys;
import io.kanyan.recorder.log.note.Ed25519NoteKey;
import io.kanyan.recorder.log.note.NoteSigner;
import io.kanyan.recorder.trail.Chain;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The append-only commitment log: a file of {@link LogEntry} lines outside Redis, its Merkle tree in
 * memory ({@link MerkleLog}) and every inspection's committed heads. Opening it audits every line
 * (numbering, {@code prev} links, signatures, leaves against the signed roots, consistency proofs); what
 * is wrong is kept in {@link #problems()}. While running, {@link #recheck()} notices a file edited behind
 * its back (its size, modification or change time moved) and compares every line with what was written.
 *
 * <p>All file I/O is blocking: call it off the event loop. Thread-safe.
 */
public final class CommitLog {

  private static final Logger log = LoggerFactory.getLogger(CommitLog.class);

  /** A committed head of one inspection: leaf {@code index} of the log. */
  public record Committed(long index, long seq, String head) {
  }

  private final Path file;
  private final LogKeys keys;
  private final MerkleLog tree = new MerkleLog();
  private final List<byte[]> lineHashes = new ArrayList<>();
  private final Map<String, List<Committed>> byInspection = new HashMap<>();
  /** What the audit at open found, then anything {@link #recheck} found since: never cleared while running. */
  private final Set<String> problems = new LinkedHashSet<>();
  private LogEntry latest;
  /** The history number of the key that signed {@link #latest} (0 before the first). */
  private int latestKey;
  private Object stamp;

  /**
   * The latest entry, the number of entries and of leaves, as last published under the lock: read without it, so an
   * event loop asking for the latest tree head never waits behind an append's fsync (the lock is held across it).
   */
  private record View(LogEntry latest, int entries, long size) {
  }

  private volatile View view = new View(null, 0, 0);

  private CommitLog(Path file, LogKeys keys) {
    this.file = file;
    this.keys = keys;
  }

  /**
   * Reads and audits the log file (a missing file is an empty log). A half-written last line (a crash in
   * the middle of an append: no final newline) is cut off: that entry never completed.
   */
  public static CommitLog open(Path file, Ed25519NoteKey trusted) {
    return open(file, LogKeys.single(trusted));
  }

  /**
   * The same for a log whose key was rotated: each tree head must be signed by a key of the verified key
   * history, and only while that key was in use ({@link LogKeys#check}).
   */
  public static CommitLog open(Path file, LogKeys keys) {
    CommitLog commitLog = new CommitLog(file, keys);
    try {
      synchronized (commitLog) {
        commitLog.load();
        commitLog.publish();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the commitment log " + file, e);
    }
    return commitLog;
  }

  private void load() throws IOException {
    if (!Files.exists(file)) {
      stamp = stampOf(file);
      return;
    }
    cutHalfWrittenLine();
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      String problem = accept(lines.get(i), i + 1);
      if (problem != null) {
        problems.add(problem);
        // Nothing after a broken line can be trusted; name a later fork or gap too when there is one.
        describeRest(lines, i + 1);
        break;
      }
    }
    stamp = stampOf(file);
  }

  private void cutHalfWrittenLine() throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      long length = raf.length();
      if (length == 0) {
        return;
      }
      raf.seek(length - 1);
      if (raf.read() == '\n') {
        return;
      }
      long end = length - 1;
      while (end > 0) {
        raf.seek(end - 1);
        if (raf.read() == '\n') {
          break;
        }
        end--;
      }
      log.warn("commitment log {}: its last line is half-written (an interrupted append); cutting it off", file);
      raf.setLength(end);
      raf.getFD().sync();
    }
  }

  private void describeRest(List<String> lines, int from) {
    long lastNumber = latest == null ? 0 : latest.number();
    for (int i = from; i < lines.size(); i++) {
      try {
        LogEntry entry = LogEntry.parse(lines.get(i));
        if (entry.number() <= lastNumber) {
          problems.add("line " + (i + 1) + " is a second entry #" + entry.number() + ": the log was forked (signed by "
              + String.join(", ", entry.sth().signerNames()) + ")");
        }
        lastNumber = Math.max(lastNumber, entry.number());
      } catch (IllegalArgumentException unreadable) {
        // already reported, or reported as the first problem
      }
    }
  }

  /**
   * Checks one line against the state so far and, when it is a valid successor, applies it.
   *
   * @return null when accepted, otherwise a sentence saying what is wrong with it
   */
  private String accept(String line, int lineNo) {
    LogEntry entry;
    try {
      entry = LogEntry.parse(line);
    } catch (IllegalArgumentException e) {
      return "line " + lineNo + " of the commitment log is not an entry (" + e.getMessage() + "): it was edited";
    }
    long expected = latest == null ? 1 : latest.number() + 1;
    long number = entry.number();
    if (number != expected) {
      if (latest != null && number == latest.number()) {
        return "the commitment log has two entries #" + number + " (lines " + (lineNo - 1) + " and " + lineNo
            + "): it was forked; the second is signed by " + String.join(", ", entry.sth().signerNames());
      }
      if (number > expected) {
        return "the commitment log jumps from entry #" + (expected - 1) + " to #" + number + " at line " + lineNo
            + ": entries #" + expected + ".." + (number - 1) + " were removed";
      }
      return "line " + lineNo + " of the commitment log holds entry #" + number + " where #" + expected
          + " belongs: entries were reordered or repeated";
    }
    SignedTreeHead sth = entry.sth();
    LogKeys.Match signer = keys.check(sth.note(), sth.time(), latestKey, "entry #" + number + " (line " + lineNo
        + ") of the commitment log");
    if (!signer.ok()) {
      return signer.problem();
    }
    String prevHash = latest == null ? Chain.GENESIS : latest.sth().hash();
    if (!sth.prev().equals(prevHash)) {
      return "entry #" + number + " does not link to entry #" + (number - 1) + ": an entry was replaced";
    }
    if (latest != null && sth.time().isBefore(latest.sth().time())) {
      return "entry #" + number + " is dated " + sth.time() + ", before entry #" + latest.number();
    }
    long size = tree.size();
    if (entry.from() != size || sth.treeSize() != size + entry.leaves().size()) {
      return "entry #" + number + " claims leaves " + entry.from() + ".." + sth.treeSize() + " but the log had "
          + size + " leaves and the entry holds " + entry.leaves().size() + ": leaves were removed or added";
    }
    byte[] oldRoot = tree.root();
    // Applied before the root is compared: a mismatch leaves the tree unusable, and the caller stops here.
    for (Leaf leaf : entry.leaves()) {
      tree.append(leaf.hash());
    }
    if (!Arrays.equals(tree.root(), sth.root())) {
      return "the leaves of entry #" + number + " do not give its signed root: a leaf was edited";
    }
    if (!MerkleLog.verifyConsistency(size, sth.treeSize(), oldRoot, sth.root(), entry.consistency())) {
      return "the consistency proof of entry #" + number + " from tree size " + size + " fails";
    }
    for (int i = 0; i < entry.leaves().size(); i++) {
      Leaf leaf = entry.leaves().get(i);
      byInspection.computeIfAbsent(leaf.inspection(), k -> new ArrayList<>())
          .add(new Committed(size + i, leaf.seq(), leaf.head()));
    }
    lineHashes.add(sha256(line));
    latest = entry;
    latestKey = signer.era().orElseThrow().number();
    return null;
  }

  /**
   * Commits leaves: signs the new tree head with {@code signer}, proves it consistent with the previous one
   * and appends the entry to the file (fsynced before returning). The same as {@link #prepare} then
   * {@link #commit}.
   */
  public synchronized LogEntry append(List<Leaf> leaves, NoteSigner signer, String origin, Instant time)
      throws IOException {
    return commit(prepare(leaves, signer, origin, time));
  }

  /**
   * Makes the next entry, signed by {@code signer} with its consistency proof from the latest tree head, and
   * changes nothing: the entry is published first (to Redis, under the checkpoint writer's fencing token) and
   * only then {@link #commit committed} here, so a writer whose publication is refused leaves no trace.
   */
  public synchronized LogEntry prepare(List<Leaf> leaves, NoteSigner signer, String origin, Instant time) {
    recheck();
    LogKeys.Era current = keys.current();
    if (!signer.keyName().equals(keys.origin()) || signer.keyId() != current.key().keyId()) {
      throw new IllegalStateException("commitment log: the signer is not the key history's latest key "
          + current.key().verifierKey());
    }
    long from = tree.size();
    byte[] oldRoot = tree.root();
    long number = latest == null ? 1 : latest.number() + 1;
    String prev = latest == null ? Chain.GENESIS : latest.sth().hash();
    try {
      for (Leaf leaf : leaves) {
        tree.append(leaf.hash());
      }
      List<byte[]> consistency = tree.consistencyProof(from, tree.size());
      SignedTreeHead sth = SignedTreeHead.sign(signer, origin, number, time, tree.size(), tree.root(), prev);
      if (!MerkleLog.verifyConsistency(from, tree.size(), oldRoot, sth.root(), consistency)) {
        throw new IllegalStateException("commitment log: a freshly made consistency proof does not verify");
      }
      return new LogEntry(from, leaves, consistency, sth);
    } finally {
      tree.truncate(from);
    }
  }

  /**
   * Appends an entry {@link #prepare prepared} by this log (and published) to the file, fsynced before
   * returning, whatever problems the log has (the writer goes on committing, its alarms included).
   *
   * @throws IllegalStateException when the log moved on since the entry was prepared
   */
  public synchronized LogEntry commit(LogEntry entry) throws IOException {
    if (latest != null && latest.number() == entry.number() && latest.line().equals(entry.line())) {
      return latest; // already followed from Redis's copy, where it was published
    }
    long number = latest == null ? 1 : latest.number() + 1;
    if (entry.number() != number || entry.from() != tree.size()) {
      throw new IllegalStateException("commitment log: entry #" + entry.number() + " was prepared for a log of "
          + entry.from() + " leaves, but the log is at entry #" + (number - 1) + " with " + tree.size());
    }
    int keyNumber = keys.current().number();
    long from = tree.size();
    List<Leaf> leaves = entry.leaves();
    String line = entry.line();
    write(line);
    for (Leaf leaf : leaves) {
      tree.append(leaf.hash());
    }
    for (int i = 0; i < leaves.size(); i++) {
      Leaf leaf = leaves.get(i);
      byInspection.computeIfAbsent(leaf.inspection(), k -> new ArrayList<>())
          .add(new Committed(from + i, leaf.seq(), leaf.head()));
    }
    lineHashes.add(sha256(line));
    latest = entry;
    latestKey = keyNumber;
    publish();
    stamp = stampOf(file);
    return entry;
  }

  /** Publishes the state for the readers that do not take the lock; called under it after every change. */
  private void publish() {
    view = new View(latest, lineHashes.size(), tree.size());
  }

  /**
   * Appends an entry made elsewhere (Redis's copy after a restore) when it is a valid successor.
   *
   * @return null when appended, otherwise why not
   */
  public synchronized String appendCopy(String line) throws IOException {
    recheck();
    long sizeBefore = tree.size();
    if (!problems.isEmpty()) {
      return "the log has problems already";
    }
    String problem = accept(line, lineHashes.size() + 1);
    if (problem != null) {
      if (tree.size() != sizeBefore) {
        problems.add(problem);
      }
      publish();
      return problem;
    }
    write(line);
    publish();
    stamp = stampOf(file);
    return null;
  }

  /**
   * Follows line {@code index} (0-based) of a copy of this log: a line this log already holds must be the same;
   * the next one is appended when it is a valid successor ({@link #appendCopy}).
   *
   * @return null when held or appended, otherwise why not
   */
  public synchronized String follow(int index, String line) throws IOException {
    if (index < lineHashes.size()) {
      return MessageDigest.isEqual(sha256(line), lineHashes.get(index)) ? null
          : "entry #" + (index + 1) + " differs from line " + (index + 1) + " of this log: one of them was forked or "
              + "edited";
    }
    if (index > lineHashes.size()) {
      return "entry #" + (index + 1) + " follows entry #" + lineHashes.size() + ": entries are missing between them";
    }
    return appendCopy(line);
  }

  private void write(String line) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND)) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(true);
    }
  }

  /**
   * Compares the file with what this log wrote or read, when the file's size, modification time or change
   * time moved since. Problems found are kept (they are evidence) and returned with the earlier ones.
   */
  public synchronized List<String> recheck() {
    try {
      Object now = stampOf(file);
      if (now.equals(stamp)) {
        return problems();
      }
      List<String> lines = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
      int known = lineHashes.size();
      for (int i = 0; i < Math.min(known, lines.size()); i++) {
        if (!MessageDigest.isEqual(sha256(lines.get(i)), lineHashes.get(i))) {
          problems.add("line " + (i + 1) + " (entry #" + (i + 1) + ") of the commitment log was edited after it "
              + "was written");
        }
      }
      if (lines.size() < known) {
        problems.add("the last " + (known - lines.size()) + " line(s) of the commitment log (entries #"
            + (lines.size() + 1) + ".." + known + ") were removed");
      }
      for (int i = known; i < lines.size(); i++) {
        problems.add(describeForeign(lines.get(i), i + 1, known));
      }
      if (!problems.isEmpty()) {
        log.error("TAMPERING: commitment log {}: {}", file, String.join("; ", problems));
      }
      stamp = now;
      return problems();
    } catch (IOException e) {
      problems.add("the commitment log cannot be read: " + e.getMessage());
      return problems();
    }
  }

  private static String describeForeign(String line, int lineNo, long knownNumber) {
    try {
      LogEntry entry = LogEntry.parse(line);
      String signers = String.join(", ", entry.sth().signerNames());
      return entry.number() <= knownNumber
          ? "line " + lineNo + " is a second entry #" + entry.number() + " that this server did not write: the log "
              + "was forked (signed by " + signers + ")"
          : "line " + lineNo + " (entry #" + entry.number() + ", signed by " + signers + ") was added to the "
              + "commitment log by someone other than this server";
    } catch (IllegalArgumentException e) {
      return "line " + lineNo + " was added to the commitment log and is not an entry";
    }
  }

  /** What is wrong with the log, in sentences; empty when it is intact. */
  public synchronized List<String> problems() {
    return List.copyOf(problems);
  }

  /** The latest entry, if any. Never waits for the lock (an append in progress is seen once it is done). */
  public Optional<LogEntry> latest() {
    return Optional.ofNullable(view.latest());
  }

  /** The latest signed tree head, if any. Never waits for the lock. */
  public Optional<SignedTreeHead> latestHead() {
    LogEntry entry = view.latest();
    return entry == null ? Optional.empty() : Optional.of(entry.sth());
  }

  /** The number of leaves. Never waits for the lock. */
  public long size() {
    return view.size();
  }

  /** Every head ever committed for the inspection, oldest first. */
  public synchronized List<Committed> committed(String inspection) {
    return List.copyOf(byInspection.getOrDefault(inspection, List.of()));
  }

  /** The latest committed head of every inspection. */
  public synchronized Map<String, Committed> lastCommitted() {
    Map<String, Committed> last = new HashMap<>();
    byInspection.forEach((id, list) -> last.put(id, list.get(list.size() - 1)));
    return last;
  }

  /** The latest tree head and every committed leaf of one inspection with its inclusion proof to it. */
  public record Proven(Optional<SignedTreeHead> head, List<LeafProof> proofs) {
  }

  /** Every committed leaf of the inspection with its inclusion proof to the latest tree head. */
  public synchronized Proven prove(String inspection) {
    if (latest == null) {
      return new Proven(Optional.empty(), List.of());
    }
    long size = latest.sth().treeSize();
    List<LeafProof> proofs = new ArrayList<>();
    for (Committed c : byInspection.getOrDefault(inspection, List.of())) {
      proofs.add(new LeafProof(new Leaf(inspection, c.seq(), c.head()), c.index(), size,
          tree.inclusionPath(c.index(), size)));
    }
    return new Proven(Optional.of(latest.sth()), proofs);
  }

  /**
   * The RFC 9162 consistency proof between two tree sizes of this log (for witnesses and auditors' browsers
   * that remember an older tree head).
   */
  public synchronized List<byte[]> consistencyProof(long from, long to) {
    return tree.consistencyProof(from, to);
  }

  /** The root of the tree at an older size. */
  public synchronized byte[] root(long size) {
    return tree.root(size);
  }

  /** The number of lines this log holds as valid entries. Never waits for the lock. */
  public int entries() {
    return view.entries();
  }

  public Path file() {
    return file;
  }

  /** The keys its tree heads are checked against. */
  public LogKeys keys() {
    return keys;
  }

  /** Size, modification time and change time: an edit in place moves the change time even if mtime is reset. */
  private static Object stampOf(Path file) throws IOException {
    if (!Files.exists(file)) {
      return List.of();
    }
    FileTime mtime = Files.getLastModifiedTime(file);
    Object ctime;
    try {
      ctime = Files.getAttribute(file, "unix:ctime");
    } catch (UnsupportedOperationException | IllegalArgumentException notUnix) {
      ctime = "";
    }
    return List.of(Files.size(file), mtime, ctime);
  }

  private static byte[] sha256(String line) {
    return Chain.sha256().digest(line.getBytes(StandardCharsets.UTF_8));
  }
}
