package io.kanyan.recorder.recording;

/** A recording could not be finalised; the message says which file and why. */
public final class RemuxException extends RuntimeException {

  public RemuxException(String message) {
    super(message);
  }

  public RemuxException(String message, Throwable cause) {
    super(message, cause);
  }
}
