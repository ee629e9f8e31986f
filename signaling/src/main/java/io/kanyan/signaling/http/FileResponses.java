package io.kanyan.signaling.http;

import io.kanyan.signaling.Problem;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sends a stored file with HTTP range support (one range per request, which is what a video player asks
 * for when it seeks). The file is sent by the OS (sendfile), never read on the event loop.
 */
final class FileResponses {

  private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");

  /** A byte range of a file, inclusive bounds. */
  record Range(long start, long end, boolean partial) {
    long length() {
      return end - start + 1;
    }
  }

  private FileResponses() {
  }

  /**
   * Answers the request with the file (200, or 206 for a Range request; 416 when the range is outside it).
   *
   * @return completes when the response is sent; fails with a not-found {@link Problem} when there is no file
   */
  static Future<Void> send(RoutingContext ctx, Path file, String contentType) {
    return ctx.vertx().fileSystem().props(file.toString())
        .recover(err -> Future.failedFuture(Problem.notFound("the file is not available (yet)")))
        .compose(props -> {
          if (!props.isRegularFile()) {
            return Future.failedFuture(Problem.notFound("the file is not available (yet)"));
          }
          long size = props.size();
          HttpServerResponse response = ctx.response()
              .putHeader("Content-Type", contentType)
              .putHeader("Accept-Ranges", "bytes");
          Range range = range(ctx.request().getHeader("Range"), size);
          if (range == null) {
            return response.setStatusCode(416).putHeader("Content-Range", "bytes */" + size).end();
          }
          if (range.partial()) {
            response.setStatusCode(206)
                .putHeader("Content-Range", "bytes " + range.start() + "-" + range.end() + "/" + size);
          }
          if (ctx.request().method() == HttpMethod.HEAD || size == 0) {
            return response.putHeader("Content-Length", Long.toString(size == 0 ? 0 : range.length())).end();
          }
          return response.sendFile(file.toString(), range.start(), range.length());
        });
  }

  /**
   * Parses a Range header against a file size: the whole file when absent or not understood (as RFC 9110
   * allows), null when the range cannot be satisfied.
   */
  static Range range(String header, long size) {
    Range whole = new Range(0, Math.max(0, size - 1), false);
    if (header == null || header.isBlank()) {
      return whole;
    }
    Matcher m = RANGE.matcher(header.trim());
    if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
      return whole;
    }
    try {
      long start;
      long end;
      if (m.group(1).isEmpty()) {
        long suffix = Long.parseLong(m.group(2));
        if (suffix == 0) {
          return null;
        }
        start = Math.max(0, size - suffix);
        end = size - 1;
      } else {
        start = Long.parseLong(m.group(1));
        end = m.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(m.group(2)), size - 1);
      }
      if (start >= size || end < start) {
        return null;
      }
      return new Range(start, end, true);
    } catch (NumberFormatException e) {
      return whole;
    }
  }
}
