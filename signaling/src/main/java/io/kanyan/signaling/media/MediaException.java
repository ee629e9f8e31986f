package io.kanyan.signaling.media;

/** The media path refused or failed an operation (bad SDP, media server error or outage). */
public class MediaException extends RuntimeException {

  public MediaException(String message, Throwable cause) {
    super(message, cause);
  }

  public MediaException(String message) {
    super(message);
  }
}
