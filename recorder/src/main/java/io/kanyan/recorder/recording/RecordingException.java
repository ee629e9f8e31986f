package io.kanyan.recorder.recording;

/**
 * A recording or snapshot upload that cannot be accepted. {@link #code()} is a stable machine-readable
 * reason (the HTTP layer maps it to a status); the message is a sentence a person can act on.
 */
public final class RecordingException extends RuntimeException {

  /** Why an upload was refused. */
  public enum Code {
    /** The body's SHA-256 is not the one the client declared. */
    HASH_MISMATCH,
    /** A slice number was already stored with different content, or came after the segment moved on. */
    SLICE_CONFLICT,
    /** No such segment, snapshot or file. */
    NOT_FOUND,
    /** The body is not what the endpoint takes (not a JPEG, empty, malformed). */
    BAD_MEDIA,
    /** Finalising (remux, hashing) failed. */
    FINALISE_FAILED,
    /** A photo id already names a different photo, or its request was already answered by another photo. */
    PHOTO_CONFLICT,
    /** A photo answers no photo request of the inspector on the trail. */
    UNKNOWN_REQUEST
  }

  private final Code code;

  public RecordingException(Code code, String message) {
    super(message);
    this.code = code;
  }

  public RecordingException(Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public Code code() {
    return code;
  }
}
