package io.kanyan.recorder.audit;

import io.kanyan.recorder.trail.Checkpoint;
import io.kanyan.recorder.trail.InclusionProof;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything needed to verify one inspection, wherever it came from (Redis and the data directory, or an
 * exported package).
 *
 * @param events     the trail's events as stored strings (field name → value), in stored order
 * @param checkpoint the checkpoint to check against, if any
 * @param proof      the inclusion proof of the inspection's head in that checkpoint, if any
 * @param files      the recordings and snapshots the trail names
 */
public record Evidence(String inspectionId, List<Map<String, String>> events, Optional<Checkpoint> checkpoint,
    Optional<InclusionProof> proof, Files files) {

  /** Where the files named on the trail are read from. */
  public interface Files {
    /**
     * The lowercase hex SHA-256 of the file at {@code path} (relative to the data directory), or null when
     * there is no such file. Blocking.
     */
    String sha256(String path) throws IOException;
  }
}
