package io.kanyan.signaling.media.kurento;

import io.kanyan.signaling.inspection.Role;
import java.nio.file.Path;

/**
 * Where one recording segment goes: KMS writes {@code <inspectionId>/<role>-<segment>.kms.<ext>} (as KMS sees the
 * recordings directory), and finalisation turns it into {@code <inspectionId>/<role>-<segment>.<ext>}.
 *
 * @param inspectionId the inspection
 * @param role         whose media
 * @param segment      1, 2, … per role and inspection; a reconnect or a media server failure starts a new one
 * @param extension    {@code webm} or {@code mp4}
 * @param localDir     the recordings directory as this server sees it
 * @param kmsBaseUri   the recordings directory as KMS sees it ({@code file:///…}, no trailing slash)
 */
record RecordingFile(String inspectionId, Role role, int segment, String extension, Path localDir,
    String kmsBaseUri) {

  private String stem() {
    return inspectionId + "/" + role.wire() + "-" + segment;
  }

  /** The finalised file, relative to the recordings directory: what the trail names. */
  String relative() {
    return stem() + "." + extension;
  }

  /** The URI KMS writes to. */
  String kmsUri() {
    return kmsBaseUri + "/" + stem() + ".kms." + extension;
  }

  /** The file KMS writes, as this server sees it. */
  Path raw() {
    return localDir.resolve(inspectionId).resolve(role.wire() + "-" + segment + ".kms." + extension);
  }

  /** The finalised file, as this server sees it. */
  Path finalised() {
    return localDir.resolve(inspectionId).resolve(role.wire() + "-" + segment + "." + extension);
  }
}
