package io.kanyan.signaling;

/**
 * A domain failure with a stable code and a sentence a person can act on. HTTP maps {@link Kind} to a
 * status in one place ({@code http.Api}); signaling sends {@code {type:"error", code, message}}.
 */
public final class Problem extends RuntimeException {

  /** The class of failure, each with its HTTP status. */
  public enum Kind {
    BAD_REQUEST(400), UNAUTHORIZED(401), FORBIDDEN(403), NOT_FOUND(404), CONFLICT(409), GONE(410),
    TOO_LARGE(413), UNSUPPORTED_MEDIA_TYPE(415), TOO_MANY(429), UNAVAILABLE(503);

    private final int status;

    Kind(int status) {
      this.status = status;
    }

    public int status() {
      return status;
    }
  }

  private final Kind kind;
  private final String code;

  public Problem(Kind kind, String code, String message) {
    super(message, null, false, false);
    this.kind = kind;
    this.code = code;
  }

  public Kind kind() {
    return kind;
  }

  public String code() {
    return code;
  }

  public static Problem badRequest(String code, String message) {
    return new Problem(Kind.BAD_REQUEST, code, message);
  }

  public static Problem unauthorized(String code, String message) {
    return new Problem(Kind.UNAUTHORIZED, code, message);
  }

  public static Problem forbidden(String message) {
    return new Problem(Kind.FORBIDDEN, "forbidden", message);
  }

  public static Problem notFound(String message) {
    return new Problem(Kind.NOT_FOUND, "not_found", message);
  }

  public static Problem conflict(String code, String message) {
    return new Problem(Kind.CONFLICT, code, message);
  }

  public static Problem gone(String code, String message) {
    return new Problem(Kind.GONE, code, message);
  }
}
