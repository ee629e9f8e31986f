package io.kanyan.signaling.http;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;

/**
 * The security headers of every response. The pages load scripts and styles only from this server (no inline
 * script, style or event handler anywhere in the web client), may not be framed, and may use the camera,
 * microphone and location only where a page needs them: the applicant's page all three (it films the site and
 * reports where it is), the inspector's desk the camera and microphone.
 */
final class SecurityHeaders {

  static final String CONTENT_SECURITY_POLICY = String.join("; ",
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self'",
      "media-src 'self' blob:",
      "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'");
  static final String NO_DEVICES = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";
  private static final Map<String, String> DEVICES = Map.of(
      "/applicant.html", "camera=(self), microphone=(self), geolocation=(self), payment=(), usb=()",
      "/inspector.html", "camera=(self), microphone=(self), geolocation=(), payment=(), usb=()");
  /** One year; sent only over TLS (a browser ignores it on plain HTTP anyway). */
  static final String HSTS = "max-age=31536000";

  private SecurityHeaders() {
  }

  static void put(RoutingContext ctx) {
    HttpServerResponse response = ctx.response();
    response.putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .putHeader("Permissions-Policy", DEVICES.getOrDefault(ctx.normalizedPath(), NO_DEVICES))
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("X-Frame-Options", "DENY")
        .putHeader("Cross-Origin-Opener-Policy", "same-origin");
    if (ctx.request().isSSL()) {
      response.putHeader("Strict-Transport-Security", HSTS);
    }
  }
}
