package io.kanyan.recorder.report;

/**
 * A request about an inspection record that cannot be done. {@link #code()} is a stable machine-readable reason
 * (the HTTP layer maps it to a status); the message is a sentence a person can act on.
 */
public final class RecordException extends RuntimeException {

  /** Why a record request was refused. */
  public enum Code {
    /** The inspection has no conclusion yet, or no record has been rendered. */
    NOT_READY,
    /** The record is finalised: nothing more can be signed. */
    FINALISED,
    /** This party has already signed (or refused). */
    ALREADY_SIGNED,
    /** The signature data or refusal is malformed, empty or too large. */
    BAD_SIGNATURE,
    /** There is nothing to retry: the record is fine. */
    NOTHING_TO_RETRY,
    /** Rendering or signing the PDF failed (also on the trail as {@code record.failed}). */
    RENDER_FAILED
  }

  private final Code code;

  public RecordException(Code code, String message) {
    super(message);
    this.code = code;
  }

  public Code code() {
    return code;
  }
}
