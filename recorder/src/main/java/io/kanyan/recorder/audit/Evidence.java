package io.kanyan.recorder.audit;

import io.kanyan.recorder.log.LeafProof;
import io.kanyan.recorder.log.SignedTreeHead;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything needed to verify one inspection, wherever it came from (Redis, the commitment log and the data
 * directory, or an exported package).
 *
 * @param events      the trail's events as stored strings (field name → value), in stored order
 * @param treeHead    the latest signed tree head of the commitment log, if any
 * @param commitments every leaf ever committed for this inspection, each with its inclusion proof to
 *                    {@code treeHead}
 * @param files       the recordings and snapshots the trail names
 */
public record Evidence(String inspectionId, List<Map<String, String>> events, Optional<SignedTreeHead> treeHead,
    List<LeafProof> commitments, Files files) {

  /** Where the files named on the trail are read from. */
  public interface Files {
    /**
     * The lowercase hex SHA-256 of the file at {@code path} (relative to the data directory), or null when
     * there is no such file. Blocking.
     */
    String sha256(String path) throws IOException;

    /** The bytes of the file at {@code path}, or null when there is none. Blocking; for small files (records). */
    byte[] read(String path) throws IOException;
  }
}
