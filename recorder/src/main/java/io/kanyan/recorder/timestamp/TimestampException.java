package io.kanyan.recorder.timestamp;

/** A timestamp that could not be obtained or does not verify; the message says why. */
public final class TimestampException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public TimestampException(String message) {
    super(message);
  }

  public TimestampException(String message, Throwable cause) {
    super(message, cause);
  }
}
