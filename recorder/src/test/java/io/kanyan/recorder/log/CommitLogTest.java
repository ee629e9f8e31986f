package io.kanyan.recorder.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.log.note.Ed25519NoteKey;
import io.kanyan.recorder.trail.SigningKey;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit of a commitment log file: each way of editing it is named precisely. */
class CommitLogTest {

  static final String ORIGIN = "kanyan/test";
  final Ed25519NoteKey key = SigningKey.generate().noteKey(ORIGIN);
  @TempDir
  Path dir;
  Path file;
  List<String> lines;

  @BeforeEach
  void fourEntries() throws Exception {
    file = dir.resolve("commitments.jsonl");
    CommitLog log = CommitLog.open(file, key);
    Instant t = Instant.parse("2026-11-29T10:00:00.000Z");
    for (int n = 1; n <= 4; n++) {
      List<Leaf> leaves = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        leaves.add(new Leaf("insp-" + i, n, String.format("%064x", n * 100 + i)));
      }
      log.append(leaves, key, ORIGIN, t.plusSeconds(60L * n));
    }
    lines = Files.readAllLines(file);
    assertThat(log.problems()).isEmpty();
    assertThat(log.size()).isEqualTo(10);
  }

  /**
   * The latest tree head, the entries and the size are read by event loops (metrics, the copy's follower, the
   * auditor's checks); an append holds the log's lock across its fsync, so those reads must not take the lock.
   */
  @Test
  void theLatestHeadIsReadWhileAnAppendHoldsTheLog() throws Exception {
    CommitLog log = CommitLog.open(file, key);
    java.util.concurrent.CompletableFuture<String> read = new java.util.concurrent.CompletableFuture<>();
    synchronized (log) {
      // Another thread (an event loop) reads while this one holds the lock, as an append in its fsync does.
      Thread reader = new Thread(() -> read.complete(log.latestHead().orElseThrow().number() + "/" + log.entries()
          + "/" + log.size() + "/" + log.latest().orElseThrow().number()));
      reader.setDaemon(true);
      reader.start();
      // Generous: it only fails when the reader is stuck behind the lock (it would wait forever here).
      assertThat(read.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("4/4/10/4");
    }
  }

  List<String> reopen(List<String> edited) throws Exception {
    Files.write(file, edited);
    return CommitLog.open(file, key).problems();
  }

  @Test
  void anIntactLogReopensWithTheSameTreeAndCommitments() {
    CommitLog log = CommitLog.open(file, key);
    assertThat(log.problems()).isEmpty();
    assertThat(log.latestHead().orElseThrow().number()).isEqualTo(4);
    assertThat(log.committed("insp-0")).extracting(CommitLog.Committed::seq).containsExactly(1L, 2L, 3L, 4L);
    CommitLog.Proven proven = log.prove("insp-2");
    assertThat(proven.proofs()).hasSize(2).allMatch(p -> p.verifies(proven.head().orElseThrow()));
    SignedTreeHead second = LogEntry.parse(lines.get(1)).sth();
    assertThat(MerkleLog.verifyConsistency(3, 10, log.root(3), log.root(10), log.consistencyProof(3, 10))).isTrue();
    assertThat(second.treeSize()).isEqualTo(3);
  }

  @Test
  void aRemovedMiddleLineIsAGap() throws Exception {
    assertThat(reopen(List.of(lines.get(0), lines.get(2), lines.get(3))))
        .first().asString().contains("jumps from entry #1 to #3 at line 2: entries #2..2 were removed");
  }

  @Test
  void swappedLinesAreNamed() throws Exception {
    assertThat(reopen(List.of(lines.get(0), lines.get(2), lines.get(1), lines.get(3)))).first().asString()
        .contains("jumps from entry #1 to #3");
  }

  @Test
  void anEditedLeafWithTheSignatureLeftIntactBreaksTheSignedRoot() throws Exception {
    JsonObject entry = new JsonObject(lines.get(2));
    JsonArray leaf = entry.getJsonArray("leaves").getJsonArray(1);
    leaf.set(2, "ff".repeat(32));
    assertThat(reopen(List.of(lines.get(0), lines.get(1), entry.encode(), lines.get(3)))).first().asString()
        .contains("the leaves of entry #3 do not give its signed root: a leaf was edited");
  }

  @Test
  void anEditedConsistencyProofIsNamed() throws Exception {
    JsonObject entry = new JsonObject(lines.get(3));
    JsonArray proof = entry.getJsonArray("consistency");
    proof.set(0, java.util.Base64.getEncoder().encodeToString(new byte[32]));
    assertThat(reopen(List.of(lines.get(0), lines.get(1), lines.get(2), entry.encode()))).first().asString()
        .contains("the consistency proof of entry #4 from tree size 6 fails");
  }

  @Test
  void aLineThatIsNotAnEntryIsNamed() throws Exception {
    assertThat(reopen(List.of(lines.get(0), "{\"hello\":1}", lines.get(2), lines.get(3)))).first().asString()
        .contains("line 2 of the commitment log is not an entry");
  }

  @Test
  void aReplacedEntryThatStillCarriesAValidSignatureDoesNotLink() throws Exception {
    // Entry #2 re-signed with the real key over different leaves: its successor's prev no longer matches.
    LogEntry genuine = LogEntry.parse(lines.get(1));
    MerkleLog tree = new MerkleLog();
    LogEntry.parse(lines.get(0)).leaves().forEach(l -> tree.append(l.hash()));
    List<Leaf> other = List.of(new Leaf("insp-x", 1, "ab".repeat(32)), new Leaf("insp-y", 1, "cd".repeat(32)));
    other.forEach(l -> tree.append(l.hash()));
    SignedTreeHead resigned = SignedTreeHead.sign(key, ORIGIN, 2, genuine.sth().time(), 3, tree.root(),
        genuine.sth().prev());
    LogEntry replaced = new LogEntry(1, other, tree.consistencyProof(1, 3), resigned);
    assertThat(reopen(List.of(lines.get(0), replaced.line(), lines.get(2), lines.get(3)))).first().asString()
        .contains("entry #3 does not link to entry #2: an entry was replaced");
  }
  @Test
  void aPreparedEntryChangesNothingUntilItIsCommittedAndIsRefusedOnceTheLogMovedOn() throws Exception {
    CommitLog log = CommitLog.open(file, key);
    byte[] root = log.root(10);
    Instant t = Instant.parse("2026-11-29T11:00:00.000Z");
    LogEntry prepared = log.prepare(List.of(new Leaf("insp-9", 1, "ab".repeat(32))), key, ORIGIN, t);
    assertThat(prepared.number()).isEqualTo(5);
    assertThat(log.size()).isEqualTo(10);
    assertThat(log.entries()).isEqualTo(4);
    assertThat(log.root(10)).isEqualTo(root);
    assertThat(Files.readAllLines(file)).isEqualTo(lines);

    // Another writer's entry #5 arrives first (followed from Redis's copy): this one is refused.
    CommitLog other = CommitLog.open(file, key);
    LogEntry theirs = other.prepare(List.of(new Leaf("insp-8", 1, "cd".repeat(32))), key, ORIGIN, t);
    assertThat(log.follow(4, theirs.line())).isNull();
    assertThat(log.follow(4, theirs.line())).as("a line already held is no change").isNull();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> log.commit(prepared))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("prepared for a log of 10 leaves");
    assertThat(log.follow(4, prepared.line())).contains("entry #5 differs from line 5 of this log");
    assertThat(log.follow(6, prepared.line())).contains("entries are missing");
    assertThat(Files.readAllLines(file)).hasSize(5).last().isEqualTo(theirs.line());
    assertThat(CommitLog.open(file, key).problems()).isEmpty();
  }
}
