package io.kanyan.recorder.witness;

import io.kanyan.recorder.log.MerkleLog;
import io.kanyan.recorder.log.note.MalformedNoteException;
import io.kanyan.recorder.log.note.NoteVerifier;
import io.kanyan.recorder.log.note.SignedNote;
import io.kanyan.recorder.log.note.TlogCheckpoint;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tlog-witness (c2sp.org/tlog-witness): checks each submitted checkpoint against the latest one it cosigned
 * for that log and countersigns it only when the log grew append-only. The checks and answers follow the
 * spec: unknown origin 404; no trusted log signature 403; old size above the checkpoint size 400; old size not
 * the witness's size 409 with that size ({@code text/x.tlog.size}); same size with another root 409; a
 * consistency proof that does not verify 422; else the state is persisted, then 200 with the cosignature line.
 *
 * <p>Blocking (state files): run {@link #addCheckpoint} off the event loop. Checking the old size and saving
 * the new state happen under one lock, as the spec requires, so two submissions cannot roll the state back.
 */
public final class Witness {

  private static final Logger log = LoggerFactory.getLogger(Witness.class);

  /** An HTTP answer. */
  public record Answer(int status, String contentType, String body) {

    static Answer text(int status, String body) {
      return new Answer(status, "text/plain; charset=utf-8", body + "\n");
    }
  }

  private final CosignatureKey key;
  private final Map<String, List<NoteVerifier>> logKeys;
  private final WitnessState state;
  private final ReentrantLock lock = new ReentrantLock();

  /**
   * @param key     this witness's cosigning key
   * @param logKeys the trusted public keys of each log, by origin
   * @param state   where the latest cosigned checkpoint of each log is kept
   */
  public Witness(CosignatureKey key, Map<String, List<NoteVerifier>> logKeys, WitnessState state) {
    this.key = key;
    this.logKeys = Map.copyOf(logKeys);
    this.state = state;
  }

  public CosignatureKey key() {
    return key;
  }

  /** Handles one {@code add-checkpoint} body. */
  public Answer addCheckpoint(String body) {
    AddCheckpoint request;
    SignedNote note;
    TlogCheckpoint checkpoint;
    try {
      request = AddCheckpoint.parse(body);
      note = SignedNote.parse(request.checkpoint());
      checkpoint = TlogCheckpoint.parse(note.text());
    } catch (MalformedNoteException e) {
      return Answer.text(400, "malformed request: " + e.getMessage());
    }
    List<NoteVerifier> trusted = logKeys.get(checkpoint.origin());
    if (trusted == null) {
      return Answer.text(404, "unknown log origin: " + checkpoint.origin());
    }
    try {
      if (note.verifiedBy(trusted).isEmpty()) {
        return Answer.text(403, "no signature by a trusted key of " + checkpoint.origin());
      }
    } catch (MalformedNoteException e) {
      return Answer.text(403, e.getMessage());
    }
    if (request.oldSize() > checkpoint.size()) {
      return Answer.text(400, "old size " + request.oldSize() + " is above the checkpoint size " + checkpoint.size());
    }
    lock.lock();
    try {
      return checkAndCosign(request, note, checkpoint);
    } finally {
      lock.unlock();
    }
  }

  private Answer checkAndCosign(AddCheckpoint request, SignedNote note, TlogCheckpoint checkpoint) {
    Optional<WitnessState.Latest> latest = state.latest(checkpoint.origin());
    long size = latest.map(WitnessState.Latest::size).orElse(0L);
    if (request.oldSize() != size) {
      return new Answer(409, AddCheckpoint.SIZE_CONTENT_TYPE, size + "\n");
    }
    if (latest.isPresent() && request.oldSize() == checkpoint.size()
        && !MessageDigest.isEqual(latest.get().root(), checkpoint.rootHash())) {
      log.error("witness: log {} presented size {} with another root than the one cosigned: a fork; evidence: {}",
          checkpoint.origin(), checkpoint.size(), request.checkpoint().replace('\n', '|'));
      return new Answer(409, AddCheckpoint.SIZE_CONTENT_TYPE, size + "\n");
    }
    byte[] oldRoot = latest.map(WitnessState.Latest::root).orElse(null);
    boolean consistent = request.oldSize() == 0 ? request.proof().isEmpty()
        : MerkleLog.verifyConsistency(request.oldSize(), checkpoint.size(), oldRoot, checkpoint.rootHash(),
            request.proof());
    if (!consistent) {
      log.error("witness: log {} checkpoint of size {} is not consistent with the cosigned size {}: the log was "
          + "rewritten; evidence: {}", checkpoint.origin(), checkpoint.size(), request.oldSize(),
          request.checkpoint().replace('\n', '|'));
      return Answer.text(422, "the consistency proof from " + request.oldSize() + " to " + checkpoint.size()
          + " does not verify");
    }
    byte[] text = note.text().getBytes(StandardCharsets.UTF_8);
    SignedNote.Signature cosignature = new SignedNote.Signature(key.keyName(), key.keyId(), key.sign(text));
    state.save(new WitnessState.Latest(checkpoint.origin(), checkpoint.size(), checkpoint.rootHash(),
        note.withSignature(cosignature).format()));
    log.info("witness: cosigned {} at size {}", checkpoint.origin(), checkpoint.size());
    return new Answer(200, "text/plain; charset=utf-8", cosignature.line() + "\n");
  }

  /** The latest checkpoint of a log with this witness's cosignature, as served to monitors. */
  public Optional<String> latestCosigned(String origin) {
    return state.latest(origin).map(WitnessState.Latest::cosignedCheckpoint);
  }
}
