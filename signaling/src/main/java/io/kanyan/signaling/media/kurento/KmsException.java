package io.kanyan.signaling.media.kurento;

import io.kanyan.signaling.media.MediaException;

/**
 * A request to a Kurento Media Server failed, or no media server could take the call. The message names the
 * operation and the media server's own reason, so an operator can act on it. It is a {@link MediaException}: the
 * participant whose message failed gets {@code error{code:"media_failed"}} and the call goes on.
 */
public class KmsException extends MediaException {

  private final int code;

  /** A failure with no media server error code (for example no media server is live). */
  public KmsException(String message) {
    this(message, 0, null);
  }

  /** A failure of a media server request; {@code code} is KMS's JSON-RPC error code, or 0. */
  public KmsException(String message, int code, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  static KmsException of(String what, Throwable cause) {
    if (cause instanceof KmsException kms) {
      return kms;
    }
    int code = KurentoFutures.errorCode(cause);
    String reason = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    return new KmsException(what + " failed: " + reason + (code == 0 ? "" : " (KMS error " + code + ")"), code, cause);
  }

  /** The media server's JSON-RPC error code (for example 40101, object not found), or 0. */
  public int code() {
    return code;
  }
}
